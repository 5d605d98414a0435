// h12def (#12): BatchTopK's cut on one batch of codes is the smallest of the batch's k·B largest positive codes, so
// applying it as a threshold to that batch keeps exactly k·B codes; batches without a positive code are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchTopkCut, meanCut } from '../../../main/bases/sae-batch-threshold';
import { Rng } from '../../../main/util/random';

test('the cut keeps exactly k·B codes of its batch, and the mean skips batches with no positive code', () => {
  const rng = new Rng(7);
  const rows = 32;
  const m = 40;
  const f = Float32Array.from({ length: rows * m }, () => Math.max(0, rng.normal()));
  for (const k of [1, 3, 8]) {
    const cut = batchTopkCut(f, rows, k)!;
    assert.equal(f.filter((v) => v >= cut).length, k * rows, `k = ${k}`);
  }
  // Fewer positive codes than k·B: the smallest positive one.
  const sparse = new Float32Array(rows * m);
  sparse[3] = 0.5;
  sparse[70] = 2;
  assert.equal(batchTopkCut(sparse, rows, 4), 0.5);
  assert.equal(batchTopkCut(new Float32Array(rows * m), rows, 4), null);
  assert.equal(meanCut([1, null, 3]), 2);
  assert.equal(meanCut([null]), 0);
});
