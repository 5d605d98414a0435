// Issue #8 item 3: a tensor inside an `If` branch is recorded when the If's condition is fixed by the inputs the user
// gives. The model is built here like a speech-activity model: `input` [batch, 8] audio, `sr` an int64 scalar, `h`
// and `c` float state [2, batch, 4]; everything is computed inside If sr_gate on `sr == 16000`:
//   then: then_relu = relu(input·W1), and a nested If rate_gate on `sr > 12000`: deep_tanh = tanh(then_relu)
//         (else deep_neg = −then_relu); out = inner·W2 + Σₖ h[k]
//   else: else_relu = relu(input·W3); out = else_relu·W4 + Σₖ c[k]
// The recorded rows are checked against the same products computed in JS from the stored stimuli.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { applyBranches, checkBranches, condTap } from '../../main/harvest/branches';
import { attr, GraphBuilder } from '../../main/onnx/builder';
import { parseModel, serializeModel } from '../../main/onnx/model';
import { Lab } from '../../main/services/lab';
import { openNoiseSource } from '../../main/stimuli/noise';
import type { NoiseSpec } from '../../main/stimuli/types';
import { streamChunks } from '../../main/store/activations';
import { getStimulusSet } from '../../main/store/repo';
import { runCli, runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const T = 8;
const weights = (rows: number, cols: number, seed: number) => Float32Array.from({ length: rows * cols }, (_, i) => 0.4 * Math.cos(0.71 * i + seed));
const W1 = weights(T, 6, 1);
const W2 = weights(6, 4, 2);
const W3 = weights(T, 5, 3);
const W4 = weights(5, 4, 4);

function speechIfModel(): Uint8Array {
  const b = new GraphBuilder({ name: 'speech-if' });
  b.input('input', 'float32', ['batch', T]);
  b.input('sr', 'int64', []);
  b.input('h', 'float32', [2, 'batch', 4]);
  b.input('c', 'float32', [2, 'batch', 4]);
  const cond = b.op('Equal', ['sr', b.constant(BigInt64Array.of(16000n), [], 'int64', 'k16000')], {}, { output: 'is16k' });

  const inner = (name: string, op: string, out: string) => {
    const g = new GraphBuilder({ name, outerScope: ['then_relu'] });
    g.output(g.op(op, ['then_relu'], {}, { output: out }), 'float32', ['batch', 6]);
    return g;
  };
  const then = new GraphBuilder({ name: 'then', outerScope: ['input', 'sr', 'h'] });
  then.op('Relu', [then.matmul('input', then.initializer('w_then1', W1, [T, 6]), 'then_mm')], {}, { output: 'then_relu' });
  const fast = then.op('Greater', ['sr', then.constant(BigInt64Array.of(12000n), [], 'int64', 'k12000')], {}, { output: 'is_fast' });
  const deep = then.op('If', [fast], { then_branch: attr.graph(inner('fast', 'Tanh', 'deep_tanh')), else_branch: attr.graph(inner('slow', 'Neg', 'deep_neg')) }, { output: 'deep', name: 'rate_gate' });
  const hSum = then.op('ReduceSum', ['h', then.int64s([0], 'then_axes')], { keepdims: 0 }, { output: 'h_sum' });
  then.output(then.add(then.matmul(deep, then.initializer('w_then2', W2, [6, 4]), 'then_mm2'), hSum, 'then_out'), 'float32', ['batch', 4]);

  const other = new GraphBuilder({ name: 'else', outerScope: ['input', 'c'] });
  const eRelu = other.op('Relu', [other.matmul('input', other.initializer('w_else1', W3, [T, 5]), 'else_mm')], {}, { output: 'else_relu' });
  const cSum = other.op('ReduceSum', ['c', other.int64s([0], 'else_axes')], { keepdims: 0 }, { output: 'c_sum' });
  other.output(other.add(other.matmul(eRelu, other.initializer('w_else2', W4, [5, 4]), 'else_mm2'), cSum, 'else_out'), 'float32', ['batch', 4]);

  b.output(b.op('If', [cond], { then_branch: attr.graph(then), else_branch: attr.graph(other) }, { output: 'speech', name: 'sr_gate' }), 'float32', ['batch', 4]);
  return b.toBytes();
}

/** relu(x·W) (then tanh, when asked) for n items of x, in JS. */
function reluOf(x: Float32Array, n: number, w: Float32Array, cols: number, tanh = false): Float64Array {
  const out = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < T; k++) s += x[i * T + k]! * w[k * cols + j]!;
      out[i * cols + j] = tanh ? Math.tanh(Math.max(0, s)) : Math.max(0, s);
    }
  }
  return out;
}

const dir = tempDir();
const modelPath = join(dir, 'speech-if.onnx');
writeFileSync(modelPath, speechIfModel());
const lab = new Lab(() => undefined);
after(() => lab.shutdown());

// Harvests with --json succeed and are read from their JSON: they run in this process (the same argument parsing and
// command as `cajal`). The refusals, whose stderr must be exactly one line, keep a child process so that anything
// onnxruntime prints straight to the file descriptor is seen.
const harvest = (project: string, tensors: string[], sr: number, json = true) =>
  (json ? runCliInProcess : runCli)([
    'harvest', '--project', project, '--model', modelPath, ...tensors.flatMap((t) => ['--tensor', t]), '--stimuli', 'noise:white:20',
    '--item-shape', String(T), '--batch', '8', '--input', `sr=${sr}`, '--input', 'h=zeros', '--input', 'c=0.5', ...(json ? ['--json'] : []),
  ]);

function recorded(harvestId: number): Float32Array {
  const parts = [...streamChunks(lab.database, harvestId)].map((c) => c.data);
  return Float32Array.from(parts.flatMap((p) => [...p]));
}

function assertClose(got: Float32Array, want: Float64Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${what} value ${i}: ${got[i]} vs ${want[i]}`);
}

async function stimuli(project: string, harvestId: number): Promise<Float32Array> {
  lab.openProject({ path: project, create: false });
  const info = lab.listHarvests().find((h) => h.id === harvestId)!;
  const spec = getStimulusSet(lab.database, info.stimulusSetId).spec as NoiseSpec;
  return openNoiseSource(spec).batch(0, spec.count);
}

test('sr=16000: tensors of the then-branch, and of an If nested in it, are recorded with the branches as provenance', async () => {
  const project = join(dir, 'then.cajal');
  const r = await harvest(project, ['then_relu', 'deep_tanh'], 16000);
  assert.equal(r.code, 0, r.stderr);
  const done = (JSON.parse(r.stdout) as { harvests: { id: number; tensor: string; rows: number; dim: number }[] }).harvests;
  assert.deepEqual(done.map((h) => [h.tensor, h.rows, h.dim]), [['then_relu', 20, 6], ['deep_tanh', 20, 6]]);
  const x = await stimuli(project, done[0]!.id);
  assertClose(recorded(done[0]!.id), reluOf(x, 20, W1, 6), 'then_relu');
  assertClose(recorded(done[1]!.id), reluOf(x, 20, W1, 6, true), 'deep_tanh');
  const info = lab.listHarvests().find((h) => h.id === done[1]!.id)!;
  assert.deepEqual(info.branches, [
    { node: 'sr_gate', branch: 'then_branch', cond: 'is16k', value: true },
    { node: 'rate_gate', branch: 'then_branch', cond: 'is_fast', value: true },
  ]);
  assert.deepEqual(info.inputs, { sr: '16000', h: 'zeros', c: '0.5' });
});

test('sr=8000: a tensor of the else-branch is recorded; then-branch tensors are refused in one sentence, nothing written', async () => {
  const project = join(dir, 'else.cajal');
  const r = await harvest(project, ['else_relu'], 8000);
  assert.equal(r.code, 0, r.stderr);
  const h = (JSON.parse(r.stdout) as { harvests: { id: number }[] }).harvests[0]!;
  const x = await stimuli(project, h.id);
  assertClose(recorded(h.id), reluOf(x, 20, W3, 5), 'else_relu');
  assert.deepEqual(lab.listHarvests().find((x) => x.id === h.id)!.branches, [{ node: 'sr_gate', branch: 'else_branch', cond: 'is16k', value: false }]);

  const refused = join(dir, 'refused.cajal');
  const no = await harvest(refused, ['then_relu'], 8000, false);
  assert.notEqual(no.code, 0);
  assert.equal(no.stderr.trim().split('\n').length, 1, no.stderr);
  assert.match(no.stderr, /Tensor then_relu is in the then_branch of If sr_gate \(If sr_gate → then_branch → then_relu\), which does not run for these inputs \(its condition is16k is false\), so it is never computed\./);
  // The nested If: at 16 kHz its else-branch does not run.
  const nested = await harvest(refused, ['deep_neg'], 16000, false);
  assert.match(nested.stderr, /Tensor deep_neg is in the else_branch of If rate_gate \(If rate_gate → else_branch → deep_neg\), which does not run for these inputs \(its condition is_fast is true\)/);
  assert.equal(existsSync(refused), false);
});

test('the harvest job checks every batch that the condition keeps the value its branch was inlined for', async () => {
  const model = parseModel(speechIfModel(), 'speech-if');
  const step = { node: 'sr_gate', branch: 'then_branch' as const, cond: 'is16k', value: true };
  const inlined = applyBranches(model, [step]);
  assert.equal(inlined.graph!.node!.some((n) => n.opType === 'If' && n.name === 'sr_gate'), false, 'the If node is gone');
  inlined.graph!.output!.push({ name: condTap(step) }, { name: 'then_relu' });
  const session = await ort.InferenceSession.create(serializeModel(inlined));
  const n = 3;
  const feeds = (sr: bigint) => ({
    input: new ort.Tensor('float32', new Float32Array(n * T).fill(0.5), [n, T]),
    sr: new ort.Tensor('int64', BigInt64Array.of(sr), []),
    h: new ort.Tensor('float32', new Float32Array(2 * n * 4), [2, n, 4]),
    c: new ort.Tensor('float32', new Float32Array(2 * n * 4), [2, n, 4]),
  });
  checkBranches([step], await session.run(feeds(16000n)), 0);
  const changed = await session.run(feeds(8000n));
  assert.throws(() => checkBranches([step], changed, 16), /^UserError: The condition is16k of If sr_gate is false for the batch from stimulus 16, not the true its then_branch was inlined for, so the recorded tensor would mix branches; the harvest stopped\.$/);
  await session.release();
});

test('a tensor inside a Loop body is refused in one sentence that says why', async () => {
  const b = new GraphBuilder({ name: 'loop-model' });
  b.input('x', 'float32', ['N', 4]);
  const body = new GraphBuilder({ name: 'body' });
  body.input('iter', 'int64', []);
  body.input('keep_in', 'bool', []);
  body.input('acc', 'float32', ['N', 4]);
  body.output(body.op('Identity', ['keep_in'], {}, { output: 'keep_out' }), 'bool', []);
  body.output(body.op('Add', ['acc', body.op('Relu', ['acc'], {}, { output: 'body_relu' })], {}, { output: 'acc_out' }), 'float32', ['N', 4]);
  const trips = b.constant(BigInt64Array.of(3n), [], 'int64', 'trips');
  const go = b.constant(Uint8Array.of(1), [], 'bool', 'go');
  b.output(b.op('Loop', [trips, go, 'x'], { body: attr.graph(body) }, { output: 'looped', name: 'steps' }), 'float32', ['N', 4]);
  const path = join(dir, 'loop.onnx');
  writeFileSync(path, b.toBytes());
  const project = join(dir, 'loop.cajal');
  const r = await runCli(['harvest', '--project', project, '--model', path, '--tensor', 'body_relu', '--stimuli', 'noise:white:10', '--item-shape', '4']);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /Tensor body_relu is computed inside the body of Loop steps \(Loop steps → body → body_relu\), which runs once per iteration, so it has no single value per stimulus to record; Cajal inlines only If branches\./);
  assert.equal(existsSync(project), false);
});
