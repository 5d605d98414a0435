// What `npm start` (scripts/start-desktop.mjs) decides before it launches anything: whether Electron's binary is there
// (fetching it once, on first launch), and whether to open the desktop app or to run the headless demo instead.
// Kept apart from the launcher so that the decision can be tested without starting Electron or the demo.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Electron binary of the `electron` package in `pkgDir`, or null where it is not installed and cannot be fetched.
 * Electron fetches its binary on first launch (its install.js); that is tried once, quietly, and a failure is reported
 * in one line through `log`.
 */
export function electronBinary(pkgDir, { log = console.log, timeoutMs = 300_000 } = {}) {
  const pathFile = join(pkgDir, 'path.txt');
  const binary = () => join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  const installed = () => existsSync(pathFile) && existsSync(binary());
  if (!installed()) {
    log('Fetching the Electron binary (first launch)…');
    const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { cwd: pkgDir, stdio: 'pipe', timeout: timeoutMs });
    if (r.status !== 0 || !installed()) {
      const why = String(r.stderr ?? '').split('\n').find((l) => /Error|fail/i.test(l))?.trim() ?? 'no network';
      log(`Electron's binary could not be downloaded (${why.slice(0, 120)}).`);
      return null;
    }
  }
  return binary();
}

/**
 * Desktop where there is a binary and a display (Linux needs DISPLAY or WAYLAND_DISPLAY), else the headless demo,
 * with the sentence that says why.
 */
export function launchPlan({ binary, platform = process.platform, env = process.env }) {
  const hasDisplay = platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (binary && hasDisplay) return { mode: 'desktop', binary };
  return {
    mode: 'demo',
    reason: binary ? 'No display found: running the headless demo instead of the desktop app.' : 'Running the headless demo instead of the desktop app.',
  };
}
