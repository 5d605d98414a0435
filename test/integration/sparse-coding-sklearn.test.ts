// h12: the sparse-coding basis against scikit-learn's MiniBatchDictionaryLearning on the same planted rows (d = 64,
// m = 256 unit atoms, 4 active per row, 40,000 rows) and the same settings (256 atoms, lasso alpha 0.1, batch 256,
// 3 passes). sklearn's figure is recorded in test/fixtures/sparse-coding-sklearn/sklearn-reference.json by the
// scripts beside it (dump-planted.ts, then /usr/bin/python3 sklearn_reference.py); both sides are scored by the mean
// over planted atoms of the best |cosine| with a learned atom (a dictionary atom's sign is arbitrary in both).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SparseCodingBasis } from '../../main/bases/sparse-coding';
import { memoryStream } from '../../main/bases/stream';
import { quietCtx } from './bases-helpers';
import { plantedData } from './sae-planted';

const ref = JSON.parse(readFileSync(new URL('../fixtures/sparse-coding-sklearn/sklearn-reference.json', import.meta.url), 'utf8')) as {
  rows: number;
  dataSum: number;
  meanMaxAbsCosine: number;
};

function meanMaxAbsCosine(atoms: Float32Array, dirs: Float32Array, n: number, m: number, d: number): number {
  let total = 0;
  for (let a = 0; a < n; a++) {
    let best = 0;
    for (let k = 0; k < m; k++) {
      let dot = 0;
      let nk = 0;
      for (let j = 0; j < d; j++) {
        dot += atoms[a * d + j]! * dirs[k * d + j]!;
        nk += dirs[k * d + j]! ** 2;
      }
      best = Math.max(best, Math.abs(dot) / Math.sqrt(nk || 1));
    }
    total += best;
  }
  return total / n;
}

test('sparse coding recovers the planted atoms at mean max cosine ≥ 0.95 and no worse than scikit-learn − 0.01', async () => {
  const P = plantedData(1, 64, 256, 40000, 4);
  let sum = 0;
  for (const v of P.data) sum += v;
  // The fixture was computed on these very rows.
  assert.equal(ref.rows, 40000);
  assert.ok(Math.abs(sum - ref.dataSum) < 1e-3, `rows differ from the fixture's: sum ${sum} vs ${ref.dataSum}`);
  const b = new SparseCodingBasis({ nComponents: 256, alpha: 0.1, batchSize: 256, maxIter: 3 }, 0, 64);
  await b.fit(memoryStream(P.data, 64, 4096), quietCtx);
  const mmc = meanMaxAbsCosine(P.atoms, b.directions(), 256, 256, 64);
  console.log(`Cajal sparse-coding mean max |cos| ${mmc.toFixed(4)}; scikit-learn ${ref.meanMaxAbsCosine.toFixed(4)}`);
  assert.ok(mmc >= 0.95, `mean max cosine ${mmc}`);
  assert.ok(mmc >= ref.meanMaxAbsCosine - 0.01, `Cajal ${mmc} vs scikit-learn ${ref.meanMaxAbsCosine}`);
});
