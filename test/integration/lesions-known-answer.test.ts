// Known answer: a built network where hidden unit j feeds only class j. Ablating unit c removes class c's accuracy
// and leaves the others; steering along unit c raises only logit c, by exactly α (linear).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classEffects } from '../../main/lesions/effects';
import { NoIntervention, Steer, ZeroAblation } from '../../main/lesions/interventions';
import { LesionRunner } from '../../main/lesions/run';
import { GraphBuilder } from '../../main/onnx/builder';

function model() {
  const b = new GraphBuilder({ name: 'planted' });
  const x = b.input('x', 'float32', ['N', 3]);
  const h = b.relu(x, 'hidden');
  const w = b.initializer('w', Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3]);
  const bias = b.initializer('bias', Float32Array.from([0, 0, 0]), [3]);
  b.add(b.matmul(h, w), bias, 'logits');
  b.output('logits', 'float32', ['N', 3]);
  return b.toModel();
}

test('ablating unit c drops only class c; steering along c raises only logit c, linearly in α', async () => {
  const runner = await LesionRunner.open(model(), 'hidden');
  const labels = [0, 1, 2, 0, 1, 2];
  const data = new Float32Array(18);
  // A class-c stimulus drives unit c and, half as much, unit c+1, which wins once c is silenced.
  labels.forEach((c, i) => {
    data[i * 3 + c] = 1;
    data[i * 3 + ((c + 1) % 3)] = 0.5;
  });
  const { values, clean } = await runner.layerValues({ x: { data, dims: [6, 3] } });
  const [none, ...ablated] = await runner.evaluateLesionSets(values, [new NoIntervention(), ...[0, 1, 2].map((u) => new ZeroAblation([u]))]);
  assert.equal(classEffects(clean.logits!, none!.outputs.logits!, labels).accuracy, 1);
  ablated.forEach((r, c) => {
    const e = classEffects(clean.logits!, r.outputs.logits!, labels);
    e.perClassAccuracy.forEach((a, j) => assert.equal(a, j === c ? 0 : 1, `ablate ${c}, class ${j}`));
  });
  const alphas = [0.5, 1, 2];
  const steered = await runner.evaluateLesionSets(values, alphas.map((a) => new Steer(Float32Array.from([0, 0, 1]), a)));
  // The steering curve's class probabilities: only class 2's rises with α, and it rises monotonically.
  const p2 = steered.map((r) => classEffects(clean.logits!, r.outputs.logits!, labels).meanProbability);
  for (let i = 1; i < p2.length; i++) assert.ok(p2[i]![2]! > p2[i - 1]![2]! && p2[i]![0]! < p2[i - 1]![0]!, `α ${alphas[i]}: ${p2[i]!.join(',')}`);
  p2.forEach((p) => assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'probabilities sum to 1'));
  steered.forEach((r, i) => {
    const d = classEffects(clean.logits!, r.outputs.logits!, labels).meanDeltaLogit;
    assert.ok(Math.abs(d[2]! - alphas[i]!) < 1e-6 && Math.abs(d[0]!) < 1e-6 && Math.abs(d[1]!) < 1e-6, `alpha ${alphas[i]}: ${d.join(',')}`);
  });
});
