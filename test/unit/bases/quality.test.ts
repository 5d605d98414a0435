// measureQuality on a case small enough to compute by hand: ten 2-D rows, four features.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureQuality } from '../../../main/bases/quality';
import { memoryStream } from '../../../main/bases/stream';
import type { Basis } from '../../../main/bases/types';

// The input of the measurement, written out so every number below can be checked on paper (not a stand-in for
// the code under test):  f0 = x0,  f1 = ReLU(x1),  f2 = 0 (dead),  f3 = ReLU(x1 − 2.5);  x̂ = (f0, f1).
// Rows with x1 < 0 are reconstructed with error x1².
function handBasis(withDecode: boolean): Basis {
  const basis: Basis = {
    method: 'neurons',
    params: {},
    seed: 0,
    dim: 2,
    nFeatures: 4,
    fit: async () => undefined,
    encode: async (x, rows) => {
      const f = new Float32Array(rows * 4);
      for (let r = 0; r < rows; r++) {
        f[r * 4] = x[r * 2]!;
        f[r * 4 + 1] = Math.max(0, x[r * 2 + 1]!);
        f[r * 4 + 3] = Math.max(0, x[r * 2 + 1]! - 2.5);
      }
      return f;
    },
    directions: () => Float32Array.of(1, 0, 0, 1, 1, 0, 0, 1),
    state: () => ({}),
  };
  if (withDecode) {
    basis.decode = async (f, rows) => {
      const x = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) [x[r * 2], x[r * 2 + 1]] = [f[r * 4]!, f[r * 4 + 1]!];
      return x;
    };
  }
  return basis;
}

// rows: (1, 2) (2, −1) (0, 3) (−1, 0) and six times (3, 0)
const X = Float32Array.of(1, 2, 2, -1, 0, 3, -1, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0);

test('measureQuality: explained variance, MSE, L0, dead and dense fractions, density histogram, cosine — by hand', async () => {
  // Blocks of 3 rows, so the sums run across block boundaries.
  const q = await measureQuality(handBasis(true), memoryStream(X, 2, 3));
  assert.equal(q.rows, 10);
  // Only row 1 is off: x̂ = (2, 0) for x = (2, −1), SSE = 1; MSE = 1 / (10 rows × 2 units).
  assert.ok(Math.abs(q.mse! - 0.05) < 1e-12);
  // SST about the column means (2, 0.4): x0 gives 1 + 0 + 4 + 9 + 6·1 = 20, x1 gives 14 − 10·0.4² = 12.4.
  assert.ok(Math.abs(q.explainedVariance! - (1 - 1 / 32.4)) < 1e-12);
  // Nine rows exact (cosine 1); row 1: (2, −1)·(2, 0) / (√5 · 2) = 2/√5.
  assert.ok(Math.abs(q.reconstructionCosine! - (9 + 2 / Math.sqrt(5)) / 10) < 1e-12);
  // Active features per row: 2, 1, 2, 1 and 1 × 6 — 12 in 10 rows.
  assert.ok(Math.abs(q.l0 - 1.2) < 1e-12);
  // Densities: f0 0.9, f1 0.2, f2 0 (dead), f3 0.1 (exactly 10%: not dense, the rule is "more than 10%").
  assert.equal(q.deadFraction, 0.25);
  assert.equal(q.denseFraction, 0.5);
  // log10 density in bins of 0.25 from −8: 0.1 → −1 → bin 28; 0.2 → −0.70 → bin 29; 0.9 → −0.05 → bin 31.
  const h = q.densityHistogram;
  assert.equal(h.edges.length, 33);
  assert.deepEqual([h.edges[0], h.edges[28], h.edges[32]], [-8, -1, 0]);
  const expected = new Array<number>(32).fill(0);
  expected[28] = 1;
  expected[29] = 1;
  expected[31] = 1;
  assert.deepEqual(h.counts, expected);
  assert.equal(h.dead, 1);
});

test('measureQuality: a basis without decode gets no reconstruction numbers; maxRows caps the rows read', async () => {
  const q = await measureQuality(handBasis(false), memoryStream(X, 2, 3), 4);
  assert.deepEqual([q.mse, q.explainedVariance, q.reconstructionCosine], [null, null, null]);
  // The first 4 rows only: active counts 2, 1, 2, 1; densities f0 3/4, f1 2/4, f2 0, f3 1/4.
  assert.equal(q.rows, 4);
  assert.equal(q.l0, 1.5);
  assert.equal(q.deadFraction, 0.25);
  assert.equal(q.denseFraction, 0.75);
});
