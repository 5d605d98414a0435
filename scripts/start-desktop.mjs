#!/usr/bin/env node
// `npm start`: builds the app if needed, then opens the desktop app where Electron can start; where it cannot (no
// Electron binary, no display), runs the headless demo instead and says how to browse it.
import { spawnSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, launchPlan } from './launch-plan.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

/** Newest modification time under a folder (sources), to rebuild when the build is older. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const built = join(root, 'out/main/cli.js');
const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(...['main', 'preload', 'renderer'].map((d) => newest(join(root, d))));
if (stale && run('npm', ['run', 'build']) !== 0) process.exit(1);

const binary = electronBinary(dirname(require.resolve('electron/package.json')));
const plan = launchPlan({ binary });
if (plan.mode === 'demo') {
  console.log(plan.reason);
  process.exit(run(process.execPath, [join(root, 'bin/cajal.mjs'), 'demo', '--out', join(root, 'cajal-demo')]));
}

// better-sqlite3 is not N-API: build a second copy for Electron's ABI, beside the Node build the CLI and tests use.
const stage = join(root, '.electron-native');
const electronVersion = require('electron/package.json').version;
const bindingFile = join(stage, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const stamp = join(stage, `electron-${electronVersion}.stamp`);
if (!existsSync(bindingFile) || !existsSync(stamp)) {
  console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)…`);
  mkdirSync(join(stage, 'node_modules'), { recursive: true });
  cpSync(join(root, 'node_modules/better-sqlite3'), join(stage, 'node_modules/better-sqlite3'), { recursive: true });
  writeFileSync(join(stage, 'package.json'), JSON.stringify({ name: 'cajal-electron-native', private: true, dependencies: { 'better-sqlite3': '*' } }));
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: stage, electronVersion, onlyModules: ['better-sqlite3'], force: true });
  writeFileSync(stamp, new Date().toISOString());
}

const demoProject = join(root, 'cajal-demo', 'demo.cajal');
const child = spawn(binary, [root], { stdio: 'inherit', env: { ...process.env, CAJAL_PROJECT: process.env.CAJAL_PROJECT ?? demoProject } });
child.on('exit', (code) => process.exit(code ?? 0));
