// Issue #8 item 5: `npx cajal` must not print npm's "Unknown project config" warning, and a plain `npm ci` must still
// skip onnxruntime-node's CUDA download — by npm's own allowScripts field in package.json, not a project .npmrc key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

test('npm reads the project config without a warning, and the project has no .npmrc key', () => {
  assert.equal(existsSync(join(root, '.npmrc')), false);
  const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '"cajal"');
  assert.doesNotMatch(r.stderr, /npm warn/i, r.stderr);
});

test('allowScripts denies onnxruntime-node and allows the native builds the lab needs', () => {
  assert.deepEqual(pkg.allowScripts, { 'better-sqlite3': true, esbuild: true, protobufjs: true, 'onnxruntime-node': false });
});

test('an install with the project allowScripts entry skips onnxruntime-node\'s download, with no network for it', () => {
  // A throwaway project depending on the same onnxruntime-node, installed from npm's cache (the project's own install
  // filled it), with every HTTPS download sent to a port that refuses: running the install script would fail the install.
  const dir = mkdtempSync(join(tmpdir(), 'cajal-npm-'));
  try {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'ort-probe',
        version: '1.0.0',
        private: true,
        dependencies: { 'onnxruntime-node': pkg.dependencies['onnxruntime-node'] },
        allowScripts: { 'onnxruntime-node': pkg.allowScripts?.['onnxruntime-node'] },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9' };
    delete env.ONNXRUNTIME_NODE_INSTALL; // the package.json entry alone must skip it
    const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /ECONNREFUSED|npm warn/i, r.stdout + r.stderr);
    assert.ok(existsSync(join(dir, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1')) || process.platform !== 'linux');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
