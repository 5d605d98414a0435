// The desktop app's PDF printer: Electron's own Chromium prints the report in a hidden window that runs no script
// and may fetch nothing but the report itself. The report is loaded from a temporary file (a data: URL would cap it
// at Chromium's 2 MB URL limit, which a collection with thumbnails can pass); every other request is cancelled.
import type { BrowserWindow as BrowserWindowType } from 'electron';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDF_FOOTER, PDF_HEADER, PDF_MARGIN_CM, type PdfPrinter } from './pdf-options';

const inch = (cm: number) => cm / 2.54;

export function electronPdfPrinter(BrowserWindow: typeof BrowserWindowType): PdfPrinter {
  return async (html) => {
    const dir = mkdtempSync(join(tmpdir(), 'cajal-pdf-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const win = new BrowserWindow({ show: false, webPreferences: { javascript: false, sandbox: true, partition: 'cajal-pdf' } });
    try {
      win.webContents.session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: details.url !== url }));
      await win.loadURL(url);
      return await win.webContents.printToPDF({
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: PDF_HEADER,
        footerTemplate: PDF_FOOTER,
        pageSize: 'A4',
        margins: { top: inch(PDF_MARGIN_CM.top), bottom: inch(PDF_MARGIN_CM.bottom), left: inch(PDF_MARGIN_CM.left), right: inch(PDF_MARGIN_CM.right) },
      });
    } finally {
      win.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
