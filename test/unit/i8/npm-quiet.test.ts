// Issue #8 item 5: `npx cajal` must not print npm's "Unknown project config" warning, and onnxruntime-node's install
// script must still skip its CUDA download under the environment .ci/run sets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const root = fileURLToPath(new URL('../../..', import.meta.url))

test('npm reads the project config without a warning', () => {
  const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: root, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), '"cajal"')
  assert.doesNotMatch(r.stderr, /npm warn/i, r.stderr)
})

test('onnxruntime-node install script exits at once (no download) with the environment .ci/run sets', () => {
  const ci = readFileSync(join(root, '.ci/run'), 'utf8')
  assert.match(ci, /^export ONNXRUNTIME_NODE_INSTALL=skip$/m)
  const script = join(root, 'node_modules/onnxruntime-node/script/install.js')
  // A proxy that cannot be reached: any download attempt would fail instead of exiting 0 silently.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9' }
  const r = spawnSync(process.execPath, [script], { cwd: join(root, 'node_modules/onnxruntime-node'), env, encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout + r.stderr, '')
})
