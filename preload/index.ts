// The only bridge between the sandboxed renderer and the engine: one global, `window.cajal`, with the contract's
// `call` and `on` and, under `desktop`, the shell's file dialogs. Nothing else of Node or Electron is exposed.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { CajalApi, DesktopExtras, EventName, Events } from '../main/api/contract';

class IpcApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const desktop: DesktopExtras = {
  pickFile: (filters) => ipcRenderer.invoke('cajal:pickFile', filters) as Promise<string | null>,
  pickFolder: () => ipcRenderer.invoke('cajal:pickFolder') as Promise<string | null>,
  pickSaveFile: (name) => ipcRenderer.invoke('cajal:pickSaveFile', name) as Promise<string | null>,
  pathForFile: (file) => webUtils.getPathForFile(file),
};

const api: CajalApi = {
  transport: 'ipc',
  desktop,
  async call(method, params) {
    const reply = (await ipcRenderer.invoke('cajal:call', method, params)) as
      | { ok: true; result: unknown }
      | { ok: false; error: { code: string; message: string } };
    if (!reply.ok) throw new IpcApiError(reply.error.code, reply.error.message);
    return reply.result as never;
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
    const handler = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) listener(payload as Events[E]);
    };
    ipcRenderer.on('cajal:event', handler);
    return () => {
      ipcRenderer.removeListener('cajal:event', handler);
    };
  },
};


contextBridge.exposeInMainWorld('cajal', api);
