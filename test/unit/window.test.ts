// The BrowserWindow options the app builds follow Electron's security checklist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { App, Event, HandlerDetails, Session, WebContents } from 'electron';
import {
  blockWebview,
  denyPermissionCheck,
  denyPermissionRequest,
  denyPermissions,
  guardContents,
  isAllowedNavigation,
  isTrustedSender,
  navigationGuard,
  secureApp,
  windowOpenHandler,
  windowOptions,
} from '../../main/window';
import { repoRoot } from '../helpers/fixtures';

test('context isolation on, node integration off, sandbox on', () => {
  const prefs = windowOptions('/app/out/preload/index.cjs').webPreferences!;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, '/app/out/preload/index.cjs');
});

test('navigation away from the app and foreign IPC senders are refused', () => {
  const app = 'file:///opt/cajal/out/renderer/index.html';
  assert.equal(isAllowedNavigation('file:///opt/cajal/out/renderer/index.html#harvests', app), true);
  assert.equal(isAllowedNavigation('https://example.com/', app), false);
  assert.equal(isAllowedNavigation('file:///etc/passwd', app), false);
  assert.equal(isAllowedNavigation('not a url', app), false);
  assert.equal(isTrustedSender(undefined, app), false);
  assert.equal(isTrustedSender('https://evil.test/', app), false);
  assert.equal(isTrustedSender(app, app), true);
});

const APP = 'file:///opt/cajal/out/renderer/index.html';

/** An event as Electron hands it to a listener: it records whether the listener called preventDefault(). */
function event<P extends object>(params: P): Event<P> {
  let prevented = false;
  return Object.assign(
    {
      preventDefault: () => {
        prevented = true;
      },
      get defaultPrevented() {
        return prevented;
      },
    },
    params,
  );
}

/** Stands in for a WebContents: keeps the listeners and the window-open handler the guards install. */
function fakeContents() {
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  let openHandler: ((d: HandlerDetails) => unknown) | null = null;
  const contents = {
    on(name: string, listener: (...args: unknown[]) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(h: (d: HandlerDetails) => unknown) {
      openHandler = h;
    },
  };
  const emit = (name: string, e: Event<object>) => {
    const ls = listeners.get(name) ?? [];
    assert.ok(ls.length > 0, `a ${name} listener is installed`);
    for (const l of ls) l(e);
    return e.defaultPrevented;
  };
  return { contents: contents as unknown as WebContents, emit, open: (url: string) => openHandler?.({ url } as HandlerDetails) };
}

test('navigation handler: the app page may reload, every other target is stopped', () => {
  const guard = navigationGuard(APP);
  const tried = (url: string) => {
    const e = event({ url });
    guard(e);
    return e.defaultPrevented;
  };
  assert.equal(tried(`${APP}#harvests`), false);
  assert.equal(tried('https://example.com/'), true);
  assert.equal(tried('file:///etc/passwd'), true);
  assert.equal(tried('javascript:alert(1)'), true);
  const webview = event({});
  blockWebview(webview);
  assert.equal(webview.defaultPrevented, true);
});

test('new-window handler: always denied; only https links go to the user browser', () => {
  const opened: string[] = [];
  const handler = windowOpenHandler((url) => opened.push(url));
  for (const url of ['https://onnx.ai/', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', `${APP}#x`]) {
    assert.deepEqual(handler({ url } as HandlerDetails), { action: 'deny' }, url);
  }
  assert.deepEqual(opened, ['https://onnx.ai/']);
});

test('permission handlers deny every request and every check', () => {
  const granted: boolean[] = [];
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'] as const) {
    denyPermissionRequest!({} as WebContents, permission, (ok) => granted.push(ok), {} as never);
    assert.equal(denyPermissionCheck!(null, permission, 'file://', {} as never), false);
  }
  assert.deepEqual(granted, [false, false, false, false, false]);
  const installed: unknown[] = [];
  denyPermissions({ setPermissionRequestHandler: (h: unknown) => installed.push(h), setPermissionCheckHandler: (h: unknown) => installed.push(h) } as unknown as Session);
  assert.deepEqual(installed, [denyPermissionRequest, denyPermissionCheck]);
});

test('secureApp sandboxes the app and guards every webContents it creates', () => {
  let sandboxed = false;
  const hooks: { created?: (e: Event, c: WebContents) => void } = {};
  const app = {
    enableSandbox: () => (sandboxed = true),
    on: (name: string, l: (e: Event, c: WebContents) => void) => {
      if (name === 'web-contents-created') hooks.created = l;
    },
  } as unknown as App;
  const opened: string[] = [];
  secureApp(app, APP, (url) => opened.push(url));
  assert.equal(sandboxed, true);
  assert.ok(hooks.created, 'a web-contents-created listener is installed');

  const w = fakeContents();
  hooks.created(event({}), w.contents);
  assert.equal(w.emit('will-navigate', event({ url: 'https://evil.test/' })), true);
  assert.equal(w.emit('will-navigate', event({ url: APP })), false);
  assert.equal(w.emit('will-redirect', event({ url: 'https://evil.test/' })), true);
  assert.equal(w.emit('will-attach-webview', event({})), true);
  assert.deepEqual(w.open('https://onnx.ai/'), { action: 'deny' });
  assert.deepEqual(opened, ['https://onnx.ai/']);

  // The same guards, attached directly.
  const d = fakeContents();
  guardContents(d.contents, APP, () => undefined);
  assert.equal(d.emit('will-navigate', event({ url: 'file:///etc/passwd' })), true);
});

test('the Electron entry installs these guards (Electron itself cannot start here)', () => {
  const entry = readFileSync(join(repoRoot, 'main/index.ts'), 'utf8');
  assert.match(entry, /^secureApp\(app, appUrl,/m);
  assert.match(entry, /denyPermissions\(session\.defaultSession\)/);
});

test('the renderer page carries a strict Content-Security-Policy', () => {
  const html = readFileSync(join(repoRoot, 'renderer/index.html'), 'utf8');
  const csp = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)?.[1];
  assert.ok(csp, 'CSP meta tag present');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval/);
});
