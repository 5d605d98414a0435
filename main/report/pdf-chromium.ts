// Reports to PDF outside the desktop app (CLI, `cajal serve`): a Chromium found on the machine, started headless
// with a throw-away profile, driven over the devtools protocol. The report is set as the page's content (never
// loaded from a URL) and every request the page would make is failed by Fetch interception, so printing touches no
// network — the report's own CSP forbids it too.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { CdpConnection } from './pdf-cdp';
import { PDF_FOOTER, PDF_HEADER, PDF_MARGIN_CM, type PdfPrinter } from './pdf-options';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The Chromium to print with: the one named (option, then CAJAL_CHROMIUM), else the first usual install; null if none. */
export function findChromium(named?: string, candidates: readonly string[] = CANDIDATES): string | null {
  const asked = named ?? process.env.CAJAL_CHROMIUM;
  if (asked) {
    if (!executable(asked)) throw new UserError('pdf.no-chromium', `There is no Chromium at ${asked} to print the PDF with; give the path of a Chromium or Chrome executable.`);
    return asked;
  }
  return candidates.find(executable) ?? null;
}

const cm = (x: number) => x / 2.54;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A printer that starts `chromium` for each report and closes it after (a report is printed seconds apart, rarely). */
export function chromiumPrinter(chromium: string): PdfPrinter {
  return async (html) => {
    const profile = mkdtempSync(join(tmpdir(), 'cajal-pdf-'));
    const args = ['--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', '--disable-gpu', '--disable-extensions', '--disable-background-networking', '--disable-sync', '--disable-component-update', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>', 'about:blank'];
    // Chromium's sandbox refuses to start as root (containers, CI); the page runs no script and loads nothing.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let cdp: CdpConnection | null = null;
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`Chromium did not start within 30 s: ${err.slice(-500)}`)), 30_000);
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`Chromium exited (${code}) before it was ready: ${err.slice(-500)}`));
        });
      });
      cdp = await CdpConnection.connect(endpoint);
      const { targetId } = await cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      const page = <T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}) => cdp!.send<T>(method, params, sessionId);
      // Every request the page would make is failed before it leaves: nothing is fetched while printing.
      cdp.on((method, params, sid) => {
        if (method === 'Fetch.requestPaused' && sid === sessionId) void page('Fetch.failRequest', { requestId: params.requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
      });
      await page('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
      await page('Network.enable');
      await page('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page('Emulation.setScriptExecutionDisabled', { value: true });
      await page('Page.enable');
      const { frameTree } = await page<{ frameTree: { frame: { id: string } } }>('Page.getFrameTree');
      await page('Page.setDocumentContent', { frameId: frameTree.frame.id, html });
      const { data } = await page<{ data: string }>('Page.printToPDF', {
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: PDF_HEADER,
        footerTemplate: PDF_FOOTER,
        paperWidth: 21 / 2.54,
        paperHeight: 29.7 / 2.54,
        marginTop: cm(PDF_MARGIN_CM.top),
        marginBottom: cm(PDF_MARGIN_CM.bottom),
        marginLeft: cm(PDF_MARGIN_CM.left),
        marginRight: cm(PDF_MARGIN_CM.right),
      });
      return Buffer.from(data, 'base64');
    } finally {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      // Closed through the protocol first, so Chromium's helper processes are done with the profile before it goes.
      if (cdp) await Promise.race([cdp.send('Browser.close').catch(() => undefined), delay(3000)]);
      cdp?.close();
      if (!(await Promise.race([exited.then(() => true), delay(5000).then(() => false)]))) {
        child.kill('SIGKILL');
        await exited;
      }
      // A helper process may still be writing into the throw-away profile: retry, and never fail the print for it.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      } catch {
        /* left in the temp folder */
      }
    }
  };
}
