// Effects against hand-computed values, and accuracy on unlabelled stimuli refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classEffects, outputEffects } from '../../main/lesions/effects';

test('class effects: accuracy, per-class accuracy, Δlogit, cross-entropy and KL match hand computation', () => {
  const clean = { data: Float32Array.from([2, 0, 0, 2]), dims: [2, 2] };
  const lesioned = { data: Float32Array.from([2, 0, 2, 0]), dims: [2, 2] };
  const e = classEffects(clean, lesioned, [0, 1]);
  assert.equal(e.accuracy, 0.5);
  assert.deepEqual(e.perClassAccuracy, [1, 0]);
  assert.deepEqual(e.meanDeltaLogit, [1, -1]);
  const lse = Math.log(Math.exp(2) + 1);
  assert.ok(Math.abs(e.crossEntropy - ((lse - 2) + lse) / 2) < 1e-9);
  const p = Math.exp(2) / (Math.exp(2) + 1);
  const kl2 = p * Math.log(p / (1 - p)) + (1 - p) * Math.log((1 - p) / p);
  assert.ok(Math.abs(e.klCleanToLesioned - kl2 / 2) < 1e-9);
  assert.throws(() => classEffects(clean, lesioned, null), /no labels/);
});

test('output effects: MSE and cosine', () => {
  const e = outputEffects({ data: Float32Array.from([1, 0]), dims: [1, 2] }, { data: Float32Array.from([0, 1]), dims: [1, 2] });
  assert.equal(e.mse, 1);
  assert.equal(e.cosine, 0);
});
