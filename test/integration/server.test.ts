// The headless server: the same router over HTTP + WebSocket, validation in words, and the token off loopback.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { isLoopback, startServer, type RunningServer } from '../../main/server/index';
import { fixtureModels, tempDir } from '../helpers/fixtures';

let open: RunningServer;
let locked: RunningServer;
const rendererDir = join(tempDir(), 'renderer');

before(async () => {
  // The server only needs an index.html to serve; the real built renderer is exercised by the e2e test.
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Cajal</title>');
  open = await startServer({ host: '127.0.0.1', port: 0, rendererDir, projectPath: join(tempDir(), 's.cajal'), createProject: true });
  locked = await startServer({ host: '127.0.0.1', port: 0, rendererDir, token: 'sesame-42' });
});
after(async () => {
  await open.close();
  await locked.close();
});

async function call(server: RunningServer, method: string, params: unknown, token?: string) {
  const base = server.url.split('?')[0]!;
  const res = await fetch(new URL('api/call', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ method, params }),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: unknown; error?: { code: string; message: string } } };
}

test('loopback needs no token; any other address gets one', () => {
  assert.equal(open.token, null);
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('::1'), true);
  assert.equal(isLoopback('[::1]'), true);
  assert.equal(isLoopback('localhost'), true);
  assert.equal(isLoopback('127.4.5.6'), true);
  assert.equal(isLoopback('0.0.0.0'), false);
  assert.equal(isLoopback('192.168.1.20'), false);
  // Names that merely start with "127." are not IP literals and can resolve anywhere.
  assert.equal(isLoopback('127.0.0.1.evil.test'), false);
  assert.equal(isLoopback('127.evil.test'), false);
});

test('calls run through the router and invalid payloads are refused in words', async () => {
  const info = await call(open, 'system.info', {});
  assert.equal(info.status, 200);
  assert.equal((info.body.result as { transport: string }).transport, 'http');
  const bad = await call(open, 'harvests.histogram', { harvestId: -3, unit: 'x' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error!.code, 'api.invalid-params');
  assert.match(bad.body.error!.message, /harvestId/);
  const unknown = await call(open, 'system.format-disk', {});
  assert.equal(unknown.body.error!.code, 'api.unknown-method');
  const model = await call(open, 'models.open', { path: fixtureModels.cifar10() });
  assert.equal(model.status, 200, JSON.stringify(model.body));
  assert.ok((model.body.result as { tensors: unknown[] }).tensors.length > 5);
});

test('a server with a token refuses calls and event sockets without it', async () => {
  const refused = await call(locked, 'system.info', {});
  assert.equal(refused.status, 401);
  const wrong = await call(locked, 'system.info', {}, 'sesame-43');
  assert.equal(wrong.status, 401);
  const allowed = await call(locked, 'system.info', {}, 'sesame-42');
  assert.equal(allowed.status, 200);
  const wsBase = locked.url.split('?')[0]!.replace('http', 'ws');
  const rejected = await new Promise<boolean>((r) => {
    const ws = new WebSocket(new URL('api/events', wsBase));
    ws.on('open', () => r(false));
    ws.on('error', () => r(true));
  });
  assert.equal(rejected, true);
  const accepted = await new Promise<boolean>((r) => {
    const ws = new WebSocket(new URL('api/events?token=sesame-42', wsBase));
    ws.on('open', () => {
      ws.close();
      r(true);
    });
    ws.on('error', () => r(false));
  });
  assert.equal(accepted, true);
});

test('events reach WebSocket clients', async () => {
  const wsBase = open.url.split('?')[0]!.replace('http', 'ws');
  const ws = new WebSocket(new URL('api/events', wsBase));
  await new Promise((r) => ws.on('open', r));
  const got = new Promise<{ event: string }>((r) => ws.on('message', (m) => r(JSON.parse(String(m)) as { event: string })));
  await call(open, 'models.open', { path: fixtureModels.mnist8() });
  assert.equal((await got).event, 'project');
  ws.close();
});

/** One raw HTTP request with exactly the headers given (fetch will not send a Host of our choosing). */
function raw(server: RunningServer, path: string, headers: Record<string, string>, body = '{}'): Promise<{ status: number; body: { ok: boolean; error?: { code: string; message: string } } }> {
  const base = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: base.port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { ok: boolean } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The HTTP status a WebSocket handshake to /api/events gets (101 when it opens). */
function wsStatus(server: RunningServer, headers: Record<string, string>, query = ''): Promise<number> {
  const base = new URL(server.url);
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${base.port}/api/events${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => resolve(-1));
  });
}

test('a loopback server refuses a rebinding Host and a foreign Origin on calls, uploads and the event socket', async () => {
  const port = new URL(open.url).port;
  const call = JSON.stringify({ method: 'system.info', params: {} });
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    const ok = await raw(open, '/api/call', { host }, call);
    assert.equal(ok.status, 200, `${host}: ${JSON.stringify(ok.body)}`);
    const sameOrigin = await raw(open, '/api/call', { host, origin: `http://${host}` }, call);
    assert.equal(sameOrigin.status, 200, `${host} with its own origin`);
  }
  for (const host of [`evil.test:${port}`, `127.0.0.1.evil.test:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost']) {
    const refused = await raw(open, '/api/call', { host }, call);
    assert.equal(refused.status, 403, `Host ${JSON.stringify(host)}`);
    assert.equal(refused.body.ok, false);
    assert.equal(refused.body.error!.code, 'api.forbidden');
    assert.match(refused.body.error!.message, /^Refused: this server answers only to localhost/);
  }
  for (const origin of ['http://evil.test', `http://localhost:${Number(port) + 1}`, `https://127.0.0.1:${port}`, 'null']) {
    const refused = await raw(open, '/api/call', { host: `127.0.0.1:${port}`, origin }, call);
    assert.equal(refused.status, 403, `Origin ${origin}`);
    assert.equal(refused.body.error!.code, 'api.forbidden');
    assert.match(refused.body.error!.message, /are not allowed/);
  }

  // An upload from a foreign page is refused before anything is written.
  const uploads = `${open.lab.projectPath}.uploads`;
  const upload = await raw(open, '/api/upload?name=x.onnx', { host: `127.0.0.1:${port}`, origin: 'http://evil.test' }, 'not a model');
  assert.equal(upload.status, 403);
  assert.equal(existsSync(uploads) ? readdirSync(uploads).length : 0, 0, 'no upload folder was made');

  assert.equal(await wsStatus(open, {}), 101);
  assert.equal(await wsStatus(open, { origin: `http://127.0.0.1:${port}` }), 101);
  assert.equal(await wsStatus(open, { origin: 'http://evil.test' }), 403);
  assert.equal(await wsStatus(open, { host: `evil.test:${port}` }), 403);
});

test('a server on a non-loopback address creates a token and refuses calls and sockets without it', async () => {
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  const server = await startServer({ host: '0.0.0.0', port: 0, rendererDir });
  try {
    assert.ok(server.token && server.token.length >= 20, 'a fresh token is created');
    assert.match(server.url, new RegExp(`\\?token=${server.token}$`));
    // Reach it the way another machine would: through the non-loopback address where the machine has one.
    const base = `http://${lan ?? '127.0.0.1'}:${new URL(server.url).port}/`;
    const post = (headers: Record<string, string>) =>
      fetch(new URL('api/call', base), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ method: 'system.info', params: {} }) });
    const refused = await post({});
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'api.unauthorised');
    assert.equal((await post({ authorization: 'Bearer wrong' })).status, 401);
    const allowed = await post({ authorization: `Bearer ${server.token}` });
    assert.equal(allowed.status, 200);
    assert.equal(((await allowed.json()) as { ok: boolean }).ok, true);
    assert.equal(await wsStatus(server, {}), 401);
    assert.equal(await wsStatus(server, {}, `?token=${server.token}`), 101);
  } finally {
    await server.close();
  }
});
