// A report as PDF: the desktop app registers Electron's printToPDF at start-up; everywhere else (CLI, `cajal
// serve`) a Chromium found on the machine prints it. The PDF is written under a temporary name and renamed, so a
// failure leaves no half file; with no printer at all the caller gets one sentence.
import { writeFileSync } from 'node:fs';
import { UserError } from '../errors';
import { writeAtomically } from '../export/target';
import { chromiumPrinter, findChromium } from './pdf-chromium';
import { pdfPageCount, type PdfPrinter } from './pdf-options';

let appPrinter: PdfPrinter | null = null;

/** Called once by the Electron main process: reports print with the app's own Chromium. */
export function registerAppPdfPrinter(printer: PdfPrinter): void {
  appPrinter = printer;
}

export const NO_CHROMIUM =
  'No Chromium was found to print the PDF (looked for /usr/bin/chromium, chromium-browser and google-chrome); install Chromium, or name one with --chromium PATH or CAJAL_CHROMIUM.';

export interface PrintedPdf {
  path: string;
  pages: number;
  bytes: number;
  printer: 'electron' | 'chromium';
}

/** The printer to use, found before anything is rendered: the app's, or a Chromium (named, or found); throws if none. */
export function choosePrinter(chromium?: string): { print: PdfPrinter; printer: 'electron' | 'chromium' } {
  if (appPrinter && !chromium) return { print: appPrinter, printer: 'electron' };
  const path = findChromium(chromium);
  if (!path) throw new UserError('pdf.no-chromium', NO_CHROMIUM);
  return { print: chromiumPrinter(path), printer: 'chromium' };
}

/** Prints `html` to `target` (an absolute path whose folder was checked). */
export async function writePdf(html: string, target: string, chosen: ReturnType<typeof choosePrinter>): Promise<PrintedPdf> {
  const pdf = await chosen.print(html);
  await writeAtomically(target, (tmp) => writeFileSync(tmp, pdf));
  return { path: target, pages: pdfPageCount(pdf), bytes: pdf.byteLength, printer: chosen.printer };
}
