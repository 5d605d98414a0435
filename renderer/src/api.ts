// The renderer's one door to the engine. It picks its transport itself:
//   - Electron: the preload exposes `window.cajal` (a CajalApi over IPC, with `desktop`: the native dialogs).
//   - Browser (headless `cajal serve`): same-origin HTTP for calls (`POST /api/call`) and a WebSocket for events
//     (`/api/events`), with an optional bearer token taken from the page URL (`?token=...`).
// Only the types of the contract are imported, so no validation code is bundled into the renderer.
import type {
  ApiErrorPayload,
  CajalApi,
  DesktopExtras,
  EventName,
  Events,
  MethodName,
  ParamsIn,
  Result,
} from '../../main/api/contract';

declare global {
  interface Window {
    cajal?: CajalApi;
  }
}

/** An error the UI can show as is: a code and one or two sentences for the user. */
export class ApiError extends Error implements ApiErrorPayload {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** Turn anything thrown into words for the user (never a stack trace). */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err && typeof err === 'object' && 'message' in err && typeof (err as { message: unknown }).message === 'string') {
    // IPC errors arrive as "Error invoking remote method 'x': Error: message"; keep the last sentence only.
    const msg = (err as { message: string }).message;
    const m = /Error invoking remote method '[^']*': (?:\w*Error: )?(.*)$/s.exec(msg);
    return m ? m[1] : msg;
  }
  return String(err);
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown };
    return new ApiError(String(e.code), errorMessage({ message: String(e.message) }));
  }
  return new ApiError('internal', errorMessage(err));
}

// ---------------------------------------------------------------------------------------------------------------
// Token (headless mode): `?token=XYZ` in the page URL, kept in sessionStorage so reloads and in-app navigation work.
// ---------------------------------------------------------------------------------------------------------------

const TOKEN_KEY = 'cajal.token';

function readToken(): string | null {
  try {
    const url = new URL(window.location.href);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl) {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
      // Keep the token out of the address bar (and out of screenshots and history).
      url.searchParams.delete('token');
      window.history.replaceState(null, '', url.toString());
      return fromUrl;
    }
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP + WebSocket client
// ---------------------------------------------------------------------------------------------------------------

type AnyListener = (payload: unknown) => void;

export type ConnectionState = 'connecting' | 'open' | 'closed';

class HttpClient implements CajalApi {
  readonly transport = 'http' as const;
  private readonly token: string | null;
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private socket: WebSocket | null = null;
  private retry = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  state: ConnectionState = 'connecting';

  constructor() {
    this.token = readToken();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    return h;
  }

  private async parse<T>(res: Response): Promise<T> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError(
        res.status === 401 || res.status === 403 ? 'unauthorized' : 'transport',
        res.status === 401 || res.status === 403
          ? 'The server refused the request. Open the address printed by `cajal serve`, including its ?token=… part.'
          : `The server answered ${res.status} ${res.statusText} without a readable result.`,
      );
    }
    const b = body as { ok?: boolean; result?: unknown; error?: ApiErrorPayload };
    if (b && b.ok === true) return b.result as T;
    if (b && b.error) throw new ApiError(b.error.code ?? 'error', b.error.message ?? 'The call failed.');
    throw new ApiError('transport', `The server answered ${res.status} with an unexpected body.`);
  }

  async call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>> {
    let res: Response;
    try {
      res = await fetch('/api/call', {
        method: 'POST',
        headers: this.headers({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ method, params }),
      });
    } catch {
      throw new ApiError('offline', 'Cannot reach the Cajal server. Is `cajal serve` still running?');
    }
    return this.parse<Result<M>>(res);
  }

  /** Send a local file's bytes to the server; returns the path the server stored it at. */
  async upload(file: File): Promise<string> {
    let res: Response;
    try {
      const url = new URL('/api/upload', window.location.href);
      url.search = '';
      url.searchParams.set('name', file.name);
      res = await fetch(url, {
        method: 'POST',
        headers: this.headers({ 'Content-Type': 'application/octet-stream' }),
        body: file,
      });
    } catch {
      throw new ApiError('offline', 'Cannot reach the Cajal server to upload the file.');
    }
    const result = await this.parse<{ path: string }>(res);
    return result.path;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    this.ensureSocket();
    return () => set.delete(listener as AnyListener);
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  private setState(s: ConnectionState): void {
    if (s === this.state) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private ensureSocket(): void {
    if (this.socket || this.retryTimer) return;
    const url = new URL('/api/events', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    if (this.token) url.searchParams.set('token', this.token);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url.toString());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.retry = 0;
      // State listeners refresh everything on 'open': anything may have happened while we were away.
      this.setState('open');
    };
    ws.onmessage = (ev) => {
      let msg: { event?: string; payload?: unknown };
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : '');
      } catch {
        return;
      }
      if (msg && typeof msg.event === 'string') this.dispatch(msg.event as EventName, msg.payload);
    };
    ws.onclose = () => {
      this.socket = null;
      this.setState('closed');
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private scheduleReconnect(): void {
    if (this.retryTimer) return;
    const delay = Math.min(15_000, 500 * 2 ** this.retry) * (0.75 + Math.random() * 0.5);
    this.retry = Math.min(this.retry + 1, 10);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.ensureSocket();
    }, delay);
  }

  private dispatch(event: EventName, payload: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(payload);
      } catch (err) {
        console.error(`Listener for ${event} failed`, err);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The exported facade
// ---------------------------------------------------------------------------------------------------------------

const ipc = typeof window !== 'undefined' ? window.cajal : undefined;
const http = ipc ? null : new HttpClient();
const raw: CajalApi = ipc ?? (http as HttpClient);

/** Native extras of the desktop shell (file dialogs, dropped-file paths); null in the browser. */
export const desktop: DesktopExtras | null = ipc?.desktop ?? null;

export const transport: 'ipc' | 'http' = raw.transport;

/** Call a contract method. Errors are always ApiError with a message for the user. */
export async function call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>> {
  try {
    return await raw.call(method, params);
  } catch (err) {
    throw toApiError(err);
  }
}

/** Subscribe to an engine event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  return raw.on(event, listener);
}

/** Connection state of the event channel (always 'open' over IPC). */
export function onConnectionState(listener: (s: ConnectionState) => void): () => void {
  if (http) return http.onState(listener);
  listener('open');
  return () => {};
}

/**
 * Resolve a user-chosen File to a path the engine can open: the real path in Electron, or (browser) upload the
 * bytes to the server and use the path it returns.
 */
export async function fileToServerPath(file: File): Promise<string> {
  if (desktop) {
    const p = desktop.pathForFile(file);
    if (p) return p;
  }
  if (http) return http.upload(file);
  throw new ApiError('unsupported', 'This window cannot read dropped files; type the model path instead.');
}
