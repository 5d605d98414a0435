// Sparse coding (dictionary learning) recovers a planted dictionary: d = 64, m = 256 unit atoms, 4 active per row,
// 40,000 rows (the acceptance setting), with the lasso at its defaults and with OMP given the true sparsity.
// The lasso fit at its defaults is also the comparison with scikit-learn's MiniBatchDictionaryLearning on the same rows
// and the same settings (256 atoms, lasso alpha 0.1, batch 256, 3 passes): sklearn's figure is recorded in
// test/fixtures/sparse-coding-sklearn/sklearn-reference.json by the scripts beside it (dump-planted.ts, then
// /usr/bin/python3 sklearn_reference.py), scored like ours by the mean over planted atoms of the best |cosine| with a
// learned atom (an atom's sign is arbitrary in sklearn). One fit serves both checks (CI time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SparseCodingBasis } from '../../main/bases/sparse-coding';
import { memoryStream } from '../../main/bases/stream';
import { quietCtx } from './bases-helpers';
import { meanMaxCosine, plantedData } from './sae-planted';

const P = plantedData(1, 64, 256, 40000, 4);

const sklearnRef = JSON.parse(readFileSync(new URL('../fixtures/sparse-coding-sklearn/sklearn-reference.json', import.meta.url), 'utf8')) as {
  settings: { n_components: number; alpha: number; batch_size: number; max_iter: number };
  rows: number;
  dataSum: number;
  meanMaxAbsCosine: number;
};


for (const params of [{}, { algorithm: 'omp', nNonzero: 4 }] as const) {
  const lasso = !('algorithm' in params);
  const name = lasso
    ? 'sparse coding (lasso, defaults) recovers the planted atoms at mean max cosine ≥ 0.95 and no worse than scikit-learn − 0.01'
    : `sparse coding ${JSON.stringify(params)} recovers the planted atoms (mean max cosine ≥ 0.95)`;
  test(name, async () => {
    const b = new SparseCodingBasis({ nComponents: 256, ...params }, 0, 64);
    if (lasso) {
      // The fixture was computed on these very rows, with the settings our defaults have.
      let sum = 0;
      for (const v of P.data) sum += v;
      assert.equal(sklearnRef.rows, 40000);
      assert.ok(Math.abs(sum - sklearnRef.dataSum) < 1e-3, `rows differ from the fixture's: sum ${sum} vs ${sklearnRef.dataSum}`);
      const s = sklearnRef.settings;
      assert.deepEqual(
        { m: b.params.nComponents, algorithm: b.params.algorithm, alpha: b.params.alpha, batch: b.params.batchSize, passes: b.params.maxIter },
        { m: s.n_components, algorithm: 'lasso', alpha: s.alpha, batch: s.batch_size, passes: s.max_iter },
      );
    }
    await b.fit(memoryStream(P.data, 64, 4096), quietCtx);
    const mmc = meanMaxCosine(P.atoms, 256, b.directions(), 256, 64);
    assert.ok(mmc >= 0.95, `mean max cosine ${mmc}`);
    if (lasso) {
      const absMmc = meanMaxCosine(P.atoms, 256, b.directions(), 256, 64, true);
      console.log(`Cajal sparse-coding mean max |cos| ${absMmc.toFixed(4)}; scikit-learn ${sklearnRef.meanMaxAbsCosine.toFixed(4)}`);
      assert.ok(absMmc >= sklearnRef.meanMaxAbsCosine - 0.01, `Cajal ${absMmc} vs scikit-learn ${sklearnRef.meanMaxAbsCosine}`);
    }
    // encode is the same inference: the codes reconstruct the rows closely and are sparse.
    const rows = 200;
    const x = P.data.subarray(0, rows * 64);
    const f = await b.encode(x, rows);
    const xh = await b.decode(f, rows);
    let err = 0;
    let tot = 0;
    let nz = 0;
    for (let i = 0; i < rows * 64; i++) {
      err += (x[i]! - xh[i]!) ** 2;
      tot += x[i]! ** 2;
    }
    for (const v of f) if (v !== 0) nz++;
    // OMP keeps exactly 4 atoms, but a row holds Binomial(256, 4/256) atoms, so rows with more keep a residual.
    const bound = lasso ? 0.05 : 0.15;
    assert.ok(err / tot < bound, `relative error ${err / tot}`);
    assert.ok(nz / rows <= 16, `${nz / rows} active atoms per row`);
  });
}

test('sparse coding refuses more OMP atoms per row than the dimension allows, in one sentence', () => {
  assert.throws(() => new SparseCodingBasis({ nComponents: 8, algorithm: 'omp', nNonzero: 9 }, 0, 4), /at most 4 atoms per row/);
});
