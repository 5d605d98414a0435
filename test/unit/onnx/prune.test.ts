// #14: a harvest runs only the nodes its taps need (main/onnx/prune.ts). The pruned graph must compute the tapped
// tensors bit for bit as the whole tapped model does, keep what an If branch reads from outside, and take the same feeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attr, GraphBuilder } from '../../../main/onnx/builder';
import { parseModel, serializeModel } from '../../../main/onnx/model';
import { tapOnly } from '../../../main/onnx/prune';
import { tapModel, UnknownTensorError } from '../../../main/onnx/tap';
import { createSession, runFloat32, type Float32Feed } from '../../../main/onnx/session';
import type { ModelProto } from '../../../main/onnx/proto';
import { fixtureModels, repoRoot } from '../../helpers/fixtures';

async function bothRuns(model: ModelProto, taps: string[], feeds: Record<string, Float32Feed>) {
  const whole = await runFloat32(await createSession(serializeModel(tapModel(model, taps))), feeds, taps);
  const pruned = await runFloat32(await createSession(serializeModel(tapOnly(model, taps))), feeds, taps);
  return { whole, pruned };
}

const random = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i * 12.9898 + 78.233));

test('the bundled MLP tapped at its first layer keeps that layer only, with the same values bit for bit', async () => {
  const model = parseModel(readFileSync(join(repoRoot, 'resources/models/mnist-mlp.onnx')), 'mnist-mlp.onnx');
  const pruned = tapOnly(model, ['hidden1']);
  assert.deepEqual(pruned.graph!.output!.map((o) => o.name), ['hidden1']);
  assert.ok(pruned.graph!.node!.length < model.graph!.node!.length, 'later layers are dropped');
  const kept = new Set(pruned.graph!.initializer!.map((t) => t.name));
  assert.ok(!kept.has('fc2.weight') && !kept.has('fc3.weight'), 'weights of dropped layers are dropped');
  const { whole, pruned: out } = await bothRuns(model, ['hidden1'], { pixels: { data: random(8 * 784), dims: [8, 1, 28, 28] } });
  assert.deepEqual(out.hidden1!.dims, whole.hidden1!.dims);
  assert.deepEqual(out.hidden1!.data, whole.hidden1!.data);
});

test('mnist-8, whose weights are also graph inputs, runs with the same feeds; several taps keep their union', async () => {
  const model = parseModel(readFileSync(fixtureModels.mnist8()), 'mnist-8.onnx');
  const taps = ['ReLU32_Output_0', 'ReLU114_Output_0'];
  const { whole, pruned } = await bothRuns(model, taps, { Input3: { data: random(784, 255), dims: [1, 1, 28, 28] } });
  for (const t of taps) assert.deepEqual(pruned[t]!.data, whole[t]!.data, t);
  assert.equal(tapOnly(model, taps).graph!.output!.length, 2);
});

test('a tap after an If keeps the If and what its branches read from outside; inputs nothing needs still take their feed', async () => {
  const b = new GraphBuilder({ name: 'if-model' });
  const x = b.input('x', 'float32', ['N', 4]);
  const late = b.input('late', 'float32', ['N', 4]);
  b.op('Mul', [x, b.scalar(2, 'float32', 'two_outer')], {}, { output: 'doubled' });
  const total = b.op('ReduceSum', [x, b.constant(BigInt64Array.of(0n, 1n), [2], 'int64')], { keepdims: 0 }, { output: 'total' });
  const cond = b.op('Greater', [total, b.scalar(0)], {}, { output: 'cond' });
  // The then branch reads `doubled`, a tensor of the outer graph: pruning must keep the node that makes it.
  const then = new GraphBuilder({ name: 'then', outerScope: ['doubled'] });
  then.output(then.op('Relu', ['doubled'], {}, { output: 'then_out' }), 'float32', ['N', 4]);
  const other = new GraphBuilder({ name: 'else', outerScope: ['x'] });
  other.output(other.op('Neg', ['x'], {}, { output: 'else_out' }), 'float32', ['N', 4]);
  const y = b.op('If', [cond], { then_branch: attr.graph(then), else_branch: attr.graph(other) }, { output: 'y', name: 'gate' });
  b.output(b.op('Add', [y, late], {}, { output: 'z' }), 'float32', ['N', 4]);
  const model = parseModel(b.toBytes(), 'if.onnx');

  const pruned = tapOnly(model, ['y']);
  const ops = pruned.graph!.node!.map((n) => n.opType);
  assert.ok(ops.includes('Mul') && ops.includes('If') && !ops.includes('Add'), ops.join(', '));
  for (const sign of [1, -1]) {
    const feeds = { x: { data: random(8, sign * 3).map(Math.abs).map((v) => sign * v), dims: [2, 4] }, late: { data: random(8), dims: [2, 4] } };
    const { whole, pruned: out } = await bothRuns(model, ['y'], feeds);
    assert.deepEqual(out.y!.data, whole.y!.data);
  }
});

test('an unknown tensor is refused as tapping refuses it', () => {
  const model = parseModel(readFileSync(join(repoRoot, 'resources/models/mnist-mlp.onnx')), 'mnist-mlp.onnx');
  assert.throws(() => tapOnly(model, ['hiden1']), UnknownTensorError);
});
