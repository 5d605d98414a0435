// What every printed report shares, whichever engine prints it (Electron's printToPDF in the app, Chromium through
// the devtools protocol elsewhere): A4, backgrounds printed, and the report's title and page numbers in the
// margins. Chromium fills the header and footer templates' .title, .pageNumber and .totalPages spans itself.
export const PDF_MARGIN_CM = { top: 1.6, bottom: 1.6, left: 1.2, right: 1.2 };

const MARGIN_STYLE = 'font: 8px system-ui, sans-serif; color: #5d6875; width: 100%; padding: 0 12mm; display: flex; justify-content: space-between;';

export const PDF_HEADER = `<div style="${MARGIN_STYLE}"><span class="title"></span><span>Cajal report</span></div>`;
export const PDF_FOOTER = `<div style="${MARGIN_STYLE}"><span class="title"></span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

/** Pages in a PDF Chromium wrote: its page objects (/Type /Page, not the /Pages tree nodes). */
export function pdfPageCount(pdf: Uint8Array): number {
  return (Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

/** Prints a self-contained report (HTML text) to PDF bytes. */
export type PdfPrinter = (html: string) => Promise<Uint8Array>;
