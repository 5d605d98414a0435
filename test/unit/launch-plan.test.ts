// What `npm start` decides (scripts/launch-plan.mjs, used by scripts/start-desktop.mjs): desktop or headless demo, and
// whether Electron's binary is there or can be fetched. The `electron` packages here are throwaway folders laid out as
// the real one is (path.txt naming a file under dist/, an install.js that fetches it), so that the download can fail
// or succeed on purpose without the network; each install.js runs as a real child process, as on first launch.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { electronBinary, launchPlan } from '../../scripts/launch-plan.mjs';
import { tempDir } from '../helpers/fixtures';

const NO_BINARY = 'Running the headless demo instead of the desktop app.';
const NO_DISPLAY = 'No display found: running the headless demo instead of the desktop app.';

test('launchPlan: the desktop needs a binary and, on Linux, a display; otherwise the demo, saying why', () => {
  const bin = '/opt/electron/electron';
  assert.deepEqual(launchPlan({ binary: null, platform: 'linux', env: { DISPLAY: ':0' } }), { mode: 'demo', reason: NO_BINARY });
  assert.deepEqual(launchPlan({ binary: null, platform: 'darwin', env: {} }), { mode: 'demo', reason: NO_BINARY });
  assert.deepEqual(launchPlan({ binary: bin, platform: 'linux', env: {} }), { mode: 'demo', reason: NO_DISPLAY });
  assert.deepEqual(launchPlan({ binary: bin, platform: 'linux', env: { DISPLAY: '' } }), { mode: 'demo', reason: NO_DISPLAY });
  assert.deepEqual(launchPlan({ binary: bin, platform: 'linux', env: { DISPLAY: ':0' } }), { mode: 'desktop', binary: bin });
  assert.deepEqual(launchPlan({ binary: bin, platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' } }), { mode: 'desktop', binary: bin });
  // macOS and Windows have a display whenever there is a session; DISPLAY means nothing there.
  assert.deepEqual(launchPlan({ binary: bin, platform: 'darwin', env: {} }), { mode: 'desktop', binary: bin });
  assert.deepEqual(launchPlan({ binary: bin, platform: 'win32', env: {} }), { mode: 'desktop', binary: bin });
});

/** A folder laid out like node_modules/electron, with the given install.js; `installed` puts the binary in place. */
function fakeElectron(installJs: string, installed = false): string {
  const dir = tempDir('cajal-electron-');
  writeFileSync(join(dir, 'install.js'), installJs);
  if (installed) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'electron'), '');
    writeFileSync(join(dir, 'path.txt'), 'electron\n');
  }
  return dir;
}
// Records that it ran, then does what Electron's install.js does on success: the binary under dist/, its name in path.txt.
const INSTALLS = `const fs = require('node:fs'); fs.writeFileSync('ran', ''); fs.mkdirSync('dist'); fs.writeFileSync('dist/electron', ''); fs.writeFileSync('path.txt', 'electron');`;
// How @electron/get fails where the network forbids the download.
const OFFLINE = `require('node:fs').writeFileSync('ran', ''); console.error('HTTPError: Response code 403 (Forbidden) for https://github.com/electron/electron/releases/download/v45.4.1/electron-v45.4.1-linux-x64.zip'); console.error('    at FetchDownloader.download'); process.exit(1);`;

test('electronBinary: an installed binary is used as it is, without fetching', () => {
  const dir = fakeElectron(INSTALLS, true);
  const log: string[] = [];
  assert.equal(electronBinary(dir, { log: (l) => log.push(l) }), join(dir, 'dist', 'electron'));
  assert.equal(existsSync(join(dir, 'ran')), false, 'install.js not run');
  assert.deepEqual(log, []);
});

test('electronBinary: on first launch it fetches the binary once and uses it', () => {
  const dir = fakeElectron(INSTALLS);
  const log: string[] = [];
  assert.equal(electronBinary(dir, { log: (l) => log.push(l) }), join(dir, 'dist', 'electron'));
  assert.equal(existsSync(join(dir, 'ran')), true);
  assert.deepEqual(log, ['Fetching the Electron binary (first launch)…']);
});

test('electronBinary: a failed download gives null and one line with the error, so npm start runs the demo', () => {
  const dir = fakeElectron(OFFLINE);
  const log: string[] = [];
  const binary = electronBinary(dir, { log: (l) => log.push(l) });
  assert.equal(binary, null);
  assert.equal(existsSync(join(dir, 'ran')), true);
  assert.deepEqual(log, [
    'Fetching the Electron binary (first launch)…',
    `Electron's binary could not be downloaded (${'HTTPError: Response code 403 (Forbidden) for https://github.com/electron/electron/releases/download/v45.4.1/electron-v45.4.1-linux-x64.zip'.slice(0, 120)}).`,
  ]);
  assert.deepEqual(launchPlan({ binary, platform: 'linux', env: { DISPLAY: ':0' } }), { mode: 'demo', reason: NO_BINARY });
});

test('electronBinary: an install.js that exits 0 but leaves no binary, or one that hangs, also gives null', () => {
  const silent = fakeElectron(`require('node:fs').writeFileSync('path.txt', 'electron');`);
  const log: string[] = [];
  assert.equal(electronBinary(silent, { log: (l) => log.push(l) }), null);
  assert.equal(log.at(-1), "Electron's binary could not be downloaded (no network).");
  const hangs = fakeElectron(`setInterval(() => {}, 1000);`);
  assert.equal(electronBinary(hangs, { log: () => undefined, timeoutMs: 1000 }), null);
});
