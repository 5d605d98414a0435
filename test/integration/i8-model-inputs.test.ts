// Issue #8 item 2: a model whose inputs are not one image, built here like a speech-activity model: `input`
// [batch, sequence] float audio, `sr` an int64 scalar and `h` a float state [2, batch, 4]; the tapped tensor
//   hidden = tanh(input·W + sr·10⁻⁴ + Σₖ h[k]) ,  [batch, 4]
// depends on all three. Noise of any item shape fills `input` (--item-shape), the other inputs take the values
// given with --input, stored with the harvest and shown with it; the rows equal a direct onnxruntime run with the
// same feeds. Without the values, the harvest is refused in one sentence that names them, and nothing is written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../main/onnx/builder';
import { reproduceCommands } from '../../main/report/reproduce';
import { captureReproduce } from '../../main/services/reproduce';
import { Lab } from '../../main/services/lab';
import { openNoiseSource } from '../../main/stimuli/noise';
import type { NoiseSpec } from '../../main/stimuli/types';
import { streamChunks } from '../../main/store/activations';
import { getStimulusSet } from '../../main/store/repo';
import { runCli, runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const T = 64;

function speechModel(hiddenAsOutput: boolean): Uint8Array {
  const b = new GraphBuilder({ name: 'speech-like' });
  const x = b.input('input', 'float32', ['batch', 'sequence']);
  const sr = b.input('sr', 'int64', []);
  const h = b.input('h', 'float32', [2, 'batch', 4]);
  const w = Float32Array.from({ length: T * 4 }, (_, i) => 0.2 * Math.cos(0.37 * i + 1));
  const feat = b.matmul(x, b.initializer('w', w, [T, 4]), 'feat');
  const rate = b.mul(b.op('Cast', [sr], { to: 1 }, { output: 'sr_float' }), b.scalar(1e-4), 'rate');
  const state = b.op('ReduceSum', [h, b.constant(BigInt64Array.of(0n), [1], 'int64')], { keepdims: 0 }, { output: 'state' });
  const hidden = b.op('Tanh', [b.add(b.add(feat, rate), state)], {}, { output: 'hidden' });
  b.output(b.matmul(hidden, b.initializer('w2', Float32Array.of(1, -1, 0.5, 2, -0.3, 0.7, 1.1, 0), [4, 2]), 'logits'), 'float32', ['batch', 2]);
  if (hiddenAsOutput) b.output(hidden, 'float32', null);
  return b.toBytes();
}

const dir = tempDir();
const modelPath = join(dir, 'speech.onnx');
writeFileSync(modelPath, speechModel(false));
const lab = new Lab(() => undefined);
after(() => lab.shutdown());

/** `hidden` for the stored stimuli, from the model with `hidden` declared as an output, fed by hand. */
async function reference(spec: NoiseSpec, sr: bigint, hValue: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(speechModel(true));
  const n = spec.count;
  const out = await session.run(
    {
      input: new ort.Tensor('float32', await openNoiseSource(spec).batch(0, n), [n, T]),
      sr: new ort.Tensor('int64', BigInt64Array.of(sr), []),
      h: new ort.Tensor('float32', new Float32Array(2 * n * 4).fill(hValue), [2, n, 4]),
    },
    ['hidden'],
  );
  await session.release();
  return out.hidden!.data as Float32Array;
}

// Harvests with --json succeed and are read from their JSON: they run in this process (the same argument parsing and
// command as `cajal`). The refusals, whose stderr must be exactly one line, keep a child process so that anything
// onnxruntime prints straight to the file descriptor is seen.
async function harvestCli(project: string, extra: string[], json = true) {
  return (json ? runCliInProcess : runCli)(['harvest', '--project', project, '--model', modelPath, '--tensor', 'hidden', '--stimuli', 'noise:white:20', '--item-shape', String(T), '--batch', '8', ...extra, ...(json ? ['--json'] : [])]);
}

function recorded(harvestId: number): Float32Array {
  const parts = [...streamChunks(lab.database, harvestId)].map((c) => c.data);
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

test('cajal harvest with --item-shape 64 --input sr=16000 --input h=zeros records what onnxruntime computes', async () => {
  const project = join(dir, 'speech.cajal');
  const r = await harvestCli(project, ['--input', 'sr=16000', '--input', 'h=zeros']);
  assert.equal(r.code, 0, r.stderr);
  const done = JSON.parse(r.stdout) as { harvests: { id: number; rows: number; dim: number; tensorShape: number[] }[] };
  assert.equal(done.harvests.length, 1);
  const h = done.harvests[0]!;
  assert.equal(h.rows, 20);
  assert.equal(h.dim, 4);
  assert.deepEqual(h.tensorShape, [4]);

  lab.openProject({ path: project, create: false });
  const info = lab.listHarvests().find((x) => x.id === h.id)!;
  assert.deepEqual(info.inputs, { sr: '16000', h: 'zeros' }, 'the values are kept with the harvest');
  const spec = getStimulusSet(lab.database, info.stimulusSetId).spec as NoiseSpec;
  assert.deepEqual(spec.itemShape, [T]);
  const want = await reference(spec, 16000n, 0);
  const got = recorded(h.id);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `value ${i}: ${got[i]} vs ${want[i]}`);

  // Another sample rate and a constant state move the rows exactly as they move onnxruntime's.
  const r2 = await harvestCli(project, ['--input', 'sr=8000', '--input', 'h=0.25']);
  assert.equal(r2.code, 0, r2.stderr);
  lab.openProject({ path: project, create: false });
  const h2 = (JSON.parse(r2.stdout) as { harvests: { id: number }[] }).harvests[0]!.id;
  assert.deepEqual(lab.listHarvests().find((x) => x.id === h2)!.inputs, { sr: '8000', h: '0.25' });
  const want2 = await reference(spec, 8000n, 0.25);
  const got2 = recorded(h2);
  let moved = 0;
  for (let i = 0; i < want2.length; i++) {
    assert.ok(Math.abs(got2[i]! - want2[i]!) < 1e-6, `value ${i}: ${got2[i]} vs ${want2[i]}`);
    moved = Math.max(moved, Math.abs(got2[i]! - got[i]!));
  }
  assert.ok(moved > 0.05, `the other inputs change the rows (largest change ${moved})`);

  // A report's Reproduce appendix carries the item shape and the inputs: its command rebuilds the same rows.
  const { commands } = reproduceCommands(captureReproduce(lab.database, [h2], [], []), join(dir, 'rebuilt.cajal'));
  assert.match(commands[0]!, / --item-shape 64 --input sr=8000 --input h=0\.25$/);
  const args = execFileSync('bash', ['-c', `set -- ${commands[0]!}; printf '%s\\0' "$@"`], { encoding: 'utf8' }).split('\0').slice(1, -1);
  const again = await runCliInProcess([...args, '--batch', '8']);
  assert.equal(again.code, 0, again.stderr);
  lab.openProject({ path: join(dir, 'rebuilt.cajal'), create: false });
  assert.deepEqual(recorded(lab.listHarvests()[0]!.id), got2);
});

test('without the other inputs the harvest is refused in one sentence naming them, and nothing is written', async () => {
  const project = join(dir, 'refused.cajal');
  const r = await harvestCli(project, [], false);
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /The model also needs inputs sr \(int64 scalar\), h \(float32 \[2,batch,4\]\); give each with --input NAME=VALUE\./);
  const one = await harvestCli(project, ['--input', 'sr=16000'], false);
  assert.match(one.stderr, /The model also needs input h \(float32 \[2,batch,4\]\); give each with --input NAME=VALUE\./);
  const bad = await harvestCli(project, ['--input', 'sr=16k', '--input', 'h=zeros'], false);
  assert.match(bad.stderr, /The model input sr \(int64 scalar\) takes zeros or a whole number, not "16k"\./);
  const stray = await harvestCli(project, ['--input', 'sr=16000', '--input', 'h=zeros', '--input', 'c=zeros'], false);
  assert.match(stray.stderr, /The model has no input named c; its inputs are input, sr, h\./);
  assert.equal(existsSync(project), false);
});

test('noise for a free sequence needs --item-shape, said in one sentence', async () => {
  const project = join(dir, 'noshape.cajal');
  const r = await runCli(['harvest', '--project', project, '--model', modelPath, '--tensor', 'hidden', '--stimuli', 'noise:white:5', '--input', 'sr=16000', '--input', 'h=zeros']);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /The model input input has shape \[batch,sequence\] with free dim sequence, so noise needs the shape of one item; give it with --item-shape/);
  assert.equal(existsSync(project), false);
});

test('harvests.start from the app names missing inputs in its own words', async () => {
  lab.openProject({ path: join(dir, 'app.cajal'), create: true });
  const model = await lab.openModel({ path: modelPath });
  const set = await lab.createStimulusSet({ spec: { kind: 'noise', distribution: 'gaussian', count: 4, itemShape: [T], seed: 0, mean: 0, std: 1 } });
  assert.throws(
    () => lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['hidden'], positions: 'centre', inputs: { h: 'zeros' } }),
    (e: Error) => e.name === 'UserError' && e.message === 'The model also needs input sr (int64 scalar); give each a value (Model inputs in the Harvest form, --input NAME=VALUE on the command line).',
  );
  assert.equal(lab.listHarvests().length, 0);
});
