// The desktop app's PDF printer: Electron's own Chromium prints the report in a hidden window that runs no script
// and may fetch nothing (every request but the data: URL of the report itself is cancelled).
import type { BrowserWindow as BrowserWindowType } from 'electron';
import { PDF_FOOTER, PDF_HEADER, PDF_MARGIN_CM, type PdfPrinter } from './pdf-options';

const inch = (cm: number) => cm / 2.54;

export function electronPdfPrinter(BrowserWindow: typeof BrowserWindowType): PdfPrinter {
  return async (html) => {
    const win = new BrowserWindow({ show: false, webPreferences: { javascript: false, sandbox: true, partition: 'cajal-pdf' } });
    try {
      const url = `data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`;
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
    }
  };
}
