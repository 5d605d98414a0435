// Headless mode: the built renderer and the same router over HTTP + WebSocket. Loopback by default; binding to any
// other address requires a token that every request must present (the printed URL carries it). On loopback the API
// also checks Host (against DNS rebinding: a foreign name resolved to 127.0.0.1) and, everywhere, Origin (against
// cross-site requests from pages in the user's browser), since loopback has no token to stop either.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv4, type AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, Events } from '../api/contract';
import { ApiError, createRouter } from '../api/router';
import { Lab } from '../services/lab';

export interface ServeOptions {
  port: number;
  host: string;
  projectPath?: string;
  createProject?: boolean;
  rendererDir: string;
  /** Where uploaded files are kept; defaults to a folder beside the project (or the OS temp dir). */
  uploadDir?: string;
  token?: string | null;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  token: string | null;
  lab: Lab;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const UNAUTHORISED = 'This server needs the token it printed when it started; open the URL it printed.';
const MAX_JSON_BYTES = 16 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;

/** A loopback name or IP literal: localhost, ::1 (bracketed or not), or an IPv4 literal in 127.0.0.0/8. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  // Only IP literals: a name such as 127.0.0.1.evil.test can resolve anywhere.
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIPv4(v4) && v4.startsWith('127.');
}

/** Host and port of a Host header or an origin's authority, or null when it does not parse. */
function authority(hostPort: string): { hostname: string; port: number } | null {
  try {
    const u = new URL(`http://${hostPort}`);
    if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return null;
    return { hostname: u.hostname, port: u.port ? Number(u.port) : 80 };
  } catch {
    return null;
  }
}

/**
 * Why a request must be refused before it reaches the API, or null when it may go on. On a loopback server the Host
 * must be a loopback name with the server's port; an Origin header, when present, must be the server's own origin.
 */
export function refusedRequest(headers: IncomingMessage['headers'], port: number, loopback: boolean): string | null {
  const host = authority(headers.host ?? '');
  if (loopback && (!host || !isLoopback(host.hostname) || host.port !== port)) {
    return `Refused: this server answers only to localhost, 127.0.0.1 or [::1] on port ${port}, not to the host ${JSON.stringify(headers.host ?? '')}.`;
  }
  const origin = headers.origin;
  if (origin === undefined) return null;
  let same = false;
  try {
    const o = new URL(origin);
    const a = authority(o.host);
    same = o.protocol === 'http:' && a !== null && host !== null && a.hostname === host.hostname && a.port === host.port;
  } catch {
    same = false;
  }
  return same ? null : `Refused: requests from ${JSON.stringify(origin)} are not allowed; open Cajal from the URL the server printed.`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new ApiError('api.too-large', 'The request is larger than 16 MB.');
    parts.push(part as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch {
    throw new ApiError('api.bad-json', 'The request body is not valid JSON.');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? (() => undefined);
  const loopback = isLoopback(opts.host);
  const token = opts.token ?? (loopback ? null : randomBytes(18).toString('base64url'));
  let port = 0; // set once listening; the Host check compares against it
  const sockets = new Set<WebSocket>();
  const broadcast = <E extends EventName>(event: E, payload: Events[E]) => {
    const text = JSON.stringify({ event, payload });
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(text);
  };
  const lab = new Lab(broadcast, { log });
  if (opts.projectPath) lab.openProject({ path: opts.projectPath, create: opts.createProject ?? true });
  const router = createRouter(lab, 'http', log);
  const rendererDir = resolve(opts.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The built renderer is missing (${join(rendererDir, 'index.html')}); run \`npm run build\` first.`);
  }

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    if (!token) return true;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? '');
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const uploadDir = (): string => {
    const dir = opts.uploadDir ?? (lab.projectPath ? `${lab.projectPath}.uploads` : join(process.cwd(), 'cajal-uploads'));
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  const serveStatic = (res: ServerResponse, pathname: string) => {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    let file = resolve(rendererDir, rel || 'index.html');
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(rendererDir, 'index.html');
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': extname(file) === '.html' ? 'no-store' : 'public, max-age=3600',
    });
    res.end(readFileSync(file));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        if (url.pathname.startsWith('/api/')) {
          const refused = refusedRequest(req.headers, port, loopback);
          if (refused) {
            send(res, 403, { ok: false, error: { code: 'api.forbidden', message: refused } });
            return;
          }
          if (!authorised(req, url)) {
            send(res, 401, { ok: false, error: { code: 'api.unauthorised', message: UNAUTHORISED } });
            return;
          }
          if (req.method === 'POST' && url.pathname === '/api/call') {
            const body = (await readJson(req)) as { method?: unknown; params?: unknown };
            const result = await router.call(String(body?.method ?? ''), body?.params);
            send(res, 200, { ok: true, result: result ?? null });
            return;
          }
          if (req.method === 'POST' && url.pathname === '/api/upload') {
            const name = basename(url.searchParams.get('name') ?? 'upload.bin').replace(/[^\w.-]/g, '_') || 'upload.bin';
            const length = Number(req.headers['content-length'] ?? 0);
            if (length > MAX_UPLOAD_BYTES) throw new ApiError('api.too-large', 'The file is larger than 4 GB.');
            // Each upload gets its own folder, so the file keeps its own name (the model is listed under it).
            const folder = join(uploadDir(), `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
            mkdirSync(folder, { recursive: true });
            const target = join(folder, name);
            await pipeline(req, createWriteStream(target, { flags: 'wx' }));
            send(res, 200, { ok: true, result: { path: target } });
            return;
          }
          send(res, 404, { ok: false, error: { code: 'api.not-found', message: `No API route ${url.pathname}.` } });
          return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.writeHead(405).end();
          return;
        }
        serveStatic(res, url.pathname);
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError('internal', 'Something went wrong inside Cajal. The details are in the log.');
        if (!(err instanceof ApiError)) log(`HTTP ${url.pathname}: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) send(res, e.code === 'internal' ? 500 : 400, { ok: false, error: { code: e.code, message: e.message } });
        else res.end();
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string, code: string, message: string) => {
      const body = JSON.stringify({ ok: false, error: { code, message } });
      socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    const refused = refusedRequest(req.headers, port, loopback);
    if (refused) return refuse('403 Forbidden', 'api.forbidden', refused);
    if (url.pathname !== '/api/events') return refuse('404 Not Found', 'api.not-found', `No event socket at ${url.pathname}.`);
    if (!authorised(req, url)) return refuse('401 Unauthorized', 'api.unauthorised', UNAUTHORISED);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}/${token ? `?token=${token}` : ''}`;
  return {
    url,
    token,
    lab,
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await lab.shutdown();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
