// Issue #8 item 8: a ReLU layer has rows that are exactly zero. PCA with every component reconstructs each row (EV 1),
// so its reconstruction cosine must be 1 over the rows that have a direction, with the zero rows counted apart —
// not 0.7 because PCA's rounding turns a zero row into a tiny non-zero one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PcaBasis } from '../../../main/bases/pca';
import { measureQuality } from '../../../main/bases/quality';
import { memoryStream } from '../../../main/bases/stream';
import { Rng } from '../../../main/util/random';

test('PCA with every component on ReLU rows (30% all zero): cosine 1 over non-zero rows, zero rows reported', async () => {
  const rows = 400;
  const dim = 12;
  const rng = new Rng(7);
  const x = new Float32Array(rows * dim);
  let zero = 0;
  for (let r = 0; r < rows; r++) {
    if (r % 10 < 3) { zero++; continue; } // exactly zero rows, as a ReLU layer gives for inputs it ignores
    for (let k = 0; k < dim; k++) x[r * dim + k] = Math.max(0, rng.float() * 2 - 0.5);
  }
  const pca = new PcaBasis({}, 0, dim);
  await pca.fit(memoryStream(x, dim, 128), { progress() {}, throwIfCancelled() {} });
  const q = await measureQuality(pca, memoryStream(x, dim, 100));
  assert.ok(q.explainedVariance! > 0.9999, `EV ${q.explainedVariance}`);
  assert.ok(q.reconstructionCosine! > 0.9999, `cosine ${q.reconstructionCosine}`);
  assert.equal(q.cosineZeroRows, zero);
});
