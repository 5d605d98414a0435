// Issue #8 item 4: a probe on zeros that does not suit the model must not let onnxruntime print its own
// "[E:onnxruntime:…]" lines on stderr; the inspection reports the failure as one sentence instead. A level the user
// chooses (CAJAL_ORT_LOG) still reaches stderr.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GraphBuilder } from '../../main/onnx/builder';
import { runCli } from '../helpers/cli';
import { repoRoot, tempDir } from '../helpers/fixtures';

// x [N, W] → Reshape to [-1, 4] → Relu: the probe's W = 1 cannot be reshaped, so the run on zeros fails.
const b = new GraphBuilder({ name: 'bad-probe' });
const r = b.reshape(b.input('x', 'float32', ['N', 'W']), [-1, 4]);
b.output(b.relu(r), 'float32');
const model = join(tempDir(), 'bad-probe.onnx');
writeFileSync(model, b.toBytes());

test('cajal inspect: no onnxruntime log lines on stderr; "shapes not probed: …" in the inspection', async () => {
  const out = await runCli(['inspect', model]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stderr, '');
  assert.match(out.stdout, /shapes not probed: a run on zeros with N=1, W=1 failed at Reshape node \S+ \(The input tensor cannot be reshaped to the requested shape\. Input shape:\{1,1\}, requested shape:\{-1,4\}\), so undeclared shapes are unknown\./);
  const json = await runCli(['inspect', model, '--json']);
  assert.equal(json.stderr, '');
  const info = JSON.parse(json.stdout) as { probe: { ran: boolean; error: string } };
  assert.equal(info.probe.ran, false);
  assert.match(info.probe.error, /^shapes not probed: /);
});

test('CAJAL_ORT_LOG=error lets onnxruntime log again', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/cli/index.ts'), 'inspect', model], {
    cwd: repoRoot,
    env: { ...process.env, CAJAL_ORT_LOG: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  assert.match(stderr, /\[E:onnxruntime:/);
});
