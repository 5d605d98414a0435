// Sparse coding (dictionary learning) recovers a planted dictionary: d = 64, m = 256 unit atoms, 4 active per row,
// 40,000 rows (the acceptance setting), with the lasso at its defaults and with OMP given the true sparsity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SparseCodingBasis } from '../../main/bases/sparse-coding';
import { memoryStream } from '../../main/bases/stream';
import { quietCtx } from './bases-helpers';
import { meanMaxCosine, plantedData } from './sae-planted';

const P = plantedData(1, 64, 256, 40000, 4);

for (const params of [{}, { algorithm: 'omp', nNonzero: 4 }] as const) {
  test(`sparse coding ${JSON.stringify(params)} recovers the planted atoms (mean max cosine ≥ 0.95)`, async () => {
    const b = new SparseCodingBasis({ nComponents: 256, ...params }, 0, 64);
    await b.fit(memoryStream(P.data, 64, 4096), quietCtx);
    const mmc = meanMaxCosine(P.atoms, 256, b.directions(), 256, 64);
    assert.ok(mmc >= 0.95, `mean max cosine ${mmc}`);
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
    const bound = 'algorithm' in params ? 0.15 : 0.05;
    assert.ok(err / tot < bound, `relative error ${err / tot}`);
    assert.ok(nz / rows <= 16, `${nz / rows} active atoms per row`);
  });
}

test('sparse coding refuses more OMP atoms per row than the dimension allows, in one sentence', () => {
  assert.throws(() => new SparseCodingBasis({ nComponents: 8, algorithm: 'omp', nNonzero: 9 }, 0, 4), /at most 4 atoms per row/);
});
