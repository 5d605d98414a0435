// h12norm: SAELens' run-time row normalisations, row by row — layer_norm centres each row and divides by its unbiased
// standard deviation (+10⁻⁵), constant_norm_rescale brings each row to norm √d; the frame takes a normalised row back
// exactly (up to float32 rounding); an all-zero row, where SAELens divides by zero, is left as it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFrame, normaliseRows, rowNormOf } from '../../../main/bases/row-norm';

const d = 5;
const x = Float32Array.from([1, 2, 3, 4, 10, -1, 0.5, 0.25, 2, -3, 0, 0, 0, 0, 0]);

test('layer_norm: zero mean, unbiased standard deviation ≈ 1 per row; the frame restores the row', () => {
  const { x: n, frame } = normaliseRows(x, 3, d, 'layer_norm');
  for (let r = 0; r < 2; r++) {
    const row = Array.from(n.subarray(r * d, (r + 1) * d));
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const sd = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / (d - 1));
    assert.ok(Math.abs(mean) < 1e-6 && Math.abs(sd - 1) < 1e-4, `row ${r}: mean ${mean}, sd ${sd}`);
  }
  assert.deepEqual(Array.from(n.subarray(2 * d)), [0, 0, 0, 0, 0], 'an all-zero row stays zero');
  const back = applyFrame(Float32Array.from(n), 3, d, frame);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(back[i]! - x[i]!) < 1e-4 * Math.max(1, Math.abs(x[i]!)), `value ${i}`);
});

test('constant_norm_rescale: every non-zero row at norm √d; the frame restores it; an all-zero row is left as it is', () => {
  const { x: n, frame } = normaliseRows(x, 3, d, 'constant_norm_rescale');
  for (let r = 0; r < 2; r++) {
    const norm = Math.hypot(...n.subarray(r * d, (r + 1) * d));
    assert.ok(Math.abs(norm - Math.sqrt(d)) < 1e-5, `row ${r}: norm ${norm}`);
  }
  assert.deepEqual(Array.from(n.subarray(2 * d)), [0, 0, 0, 0, 0]);
  assert.equal(frame.scale[2], 1, 'no NaN where SAELens would divide by zero');
  const back = applyFrame(Float32Array.from(n), 3, d, frame);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(back[i]! - x[i]!) < 1e-5 * Math.max(1, Math.abs(x[i]!)));
});

test('the mode in a basis’ params: none when absent, anything unknown refused', () => {
  assert.equal(rowNormOf({}), 'none');
  assert.equal(rowNormOf({ rowNorm: 'layer_norm' }), 'layer_norm');
  assert.throws(() => rowNormOf({ rowNorm: 'whiten' }), /must be one of none, constant_norm_rescale, layer_norm, got "whiten"/);
});
