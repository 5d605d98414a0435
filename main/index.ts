// Electron entry only: the window, the menu, IPC registration. The lab's logic lives in services/ behind the router.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, webUtils, type IpcMainInvokeEvent } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EventName, Events } from './api/contract';
import { createRouter } from './api/router';
import { Lab } from './services/lab';
// room: export — reports print to PDF with Electron's own Chromium
import { registerAppPdfPrinter } from './report/pdf';
import { electronPdfPrinter } from './report/pdf-electron';
import { denyPermissions, isTrustedSender, secureApp, windowOptions } from './window';

void webUtils; // used by the preload; imported here so the type stays checked against electron's d.ts
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '../renderer/index.html');
const appUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(rendererIndex).toString();
// better-sqlite3 built for Electron's ABI by `npm start` (scripts/start-desktop.mjs); the Node build serves the CLI.
const electronBinding = join(here, '../../.electron-native/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const nativeBinding = existsSync(electronBinding) ? electronBinding : undefined;

let win: BrowserWindow | null = null;
const emit = <E extends EventName>(event: E, payload: Events[E]) => win?.webContents.send('cajal:event', event, payload);
const lab = new Lab(emit, { nativeBinding, log: (l) => console.error(l) });
const router = createRouter(lab, 'ipc', (l) => console.error(l));
registerAppPdfPrinter(electronPdfPrinter(BrowserWindow));

function trusted(e: IpcMainInvokeEvent): boolean {
  return isTrustedSender(e.senderFrame?.url, appUrl);
}

function registerIpc(): void {
  ipcMain.handle('cajal:call', async (e, method: unknown, params: unknown) => {
    if (!trusted(e)) return { ok: false, error: { code: 'api.untrusted', message: 'Refused: the request did not come from the Cajal window.' } };
    try {
      return { ok: true, result: await router.call(String(method), params) };
    } catch (err) {
      const { code, message } = err as { code?: string; message: string };
      return { ok: false, error: { code: code ?? 'internal', message } };
    }
  });
  ipcMain.handle('cajal:pickFile', async (e, filters: unknown) => {
    if (!trusted(e) || !win) return null;
    const safe = Array.isArray(filters)
      ? filters.filter((f): f is { name: string; extensions: string[] } => typeof f?.name === 'string' && Array.isArray(f?.extensions))
      : [];
    const r = await dialog.showOpenDialog(win, { properties: ['openFile'], filters: safe });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  ipcMain.handle('cajal:pickFolder', async (e) => {
    if (!trusted(e) || !win) return null;
    const r = await dialog.showOpenDialog(win, { properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  ipcMain.handle('cajal:pickSaveFile', async (e, defaultName: unknown) => {
    if (!trusted(e) || !win) return null;
    const name = typeof defaultName === 'string' ? defaultName.slice(0, 200) : 'project.cajal';
    // The filter follows the kind of file asked for: a project, a NumPy array, or anything else.
    const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
    const known: Record<string, string> = { cajal: 'Cajal project', npy: 'NumPy array', safetensors: 'safetensors', html: 'HTML report', csv: 'CSV table', pdf: 'PDF', parquet: 'Parquet table' };
    const filters = ext && known[ext] ? [{ name: known[ext]!, extensions: [ext] }] : [];
    const r = await dialog.showSaveDialog(win, { defaultPath: name, filters });
    return r.canceled ? null : (r.filePath ?? null);
  });
}

function createWindow(): void {
  // Navigation, webviews and new windows are guarded by secureApp() as every webContents is created.
  win = new BrowserWindow(windowOptions(join(here, '../preload/index.cjs')));
  win.once('ready-to-show', () => win?.show());
  void win.loadURL(appUrl);
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
}

secureApp(app, appUrl, (url) => shell.openExternal(url));
void app.whenReady().then(() => {
  denyPermissions(session.defaultSession);
  registerIpc();
  buildMenu();
  createWindow();
  const project = process.env.CAJAL_PROJECT;
  if (project) lab.openProject({ path: project, create: true });
});
app.on('window-all-closed', () => {
  void lab.shutdown().finally(() => app.quit());
});
