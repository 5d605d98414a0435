// The BrowserWindow's options and the rules for what its contents may do, as the Electron security checklist asks:
// context isolation, no Node integration, a sandboxed renderer, no navigation away, no new windows or webviews, and
// no permissions. Plain functions typed against electron's .d.ts (types only, nothing imported at run time), so the
// handlers are unit-tested under Node by calling them with event objects; main/index.ts only wires them up.
import type { App, BrowserWindowConstructorOptions, Event, HandlerDetails, Session, WebContents, WindowOpenHandlerResponse } from 'electron';

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Cajal',
    backgroundColor: '#14161a',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/** The app's own page may reload itself; every other navigation is refused. */
export function isAllowedNavigation(target: string, appUrl: string): boolean {
  try {
    const t = new URL(target);
    const a = new URL(appUrl);
    return t.protocol === a.protocol && t.host === a.host && t.pathname === a.pathname;
  } catch {
    return false;
  }
}

/** IPC is answered only for the app's own top frame. */
export function isTrustedSender(frameUrl: string | undefined, appUrl: string): boolean {
  return frameUrl !== undefined && isAllowedNavigation(frameUrl, appUrl);
}

/** `will-navigate` / `will-redirect` listener: stops every navigation except to the app's own page. */
export function navigationGuard(appUrl: string): (event: Event<{ url: string }>) => void {
  return (event) => {
    if (!isAllowedNavigation(event.url, appUrl)) event.preventDefault();
  };
}

/** `will-attach-webview` listener: the app has no webviews, so none may be attached. */
export function blockWebview(event: Event): void {
  event.preventDefault();
}

/** New windows are always refused; an https:// link (documentation) is handed to the user's browser instead. */
export function windowOpenHandler(openExternal: (url: string) => unknown): (details: HandlerDetails) => WindowOpenHandlerResponse {
  return ({ url }) => {
    if (/^https:\/\//i.test(url)) void openExternal(url);
    return { action: 'deny' };
  };
}

/** The app needs no camera, microphone, location, notifications or the like: every permission request is denied. */
export const denyPermissionRequest: Parameters<Session['setPermissionRequestHandler']>[0] = (_contents, _permission, callback) => callback(false);
export const denyPermissionCheck: Parameters<Session['setPermissionCheckHandler']>[0] = () => false;

/** Attach the navigation, webview and new-window guards to one webContents. */
export function guardContents(contents: WebContents, appUrl: string, openExternal: (url: string) => unknown): void {
  const guard = navigationGuard(appUrl);
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', blockWebview);
  contents.setWindowOpenHandler(windowOpenHandler(openExternal));
}

/** Before `ready`: sandbox every renderer and guard every webContents the app ever creates (the window's included). */
export function secureApp(app: App, appUrl: string, openExternal: (url: string) => unknown): void {
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => guardContents(contents, appUrl, openExternal));
}

/** After `ready` (sessions exist only then): deny every permission the session is asked for or checks. */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
}
