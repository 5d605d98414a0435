// Lanczos extremes (used by STC's nested test) against the full decomposition, on the kind of matrix they meet:
// the difference of two sample covariances of white noise (a dense Marchenko–Pastur-like spectrum), plus a few
// planted outlying eigenvalues.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eigh } from '../../main/linalg/eigh';
import { extremeEigenvalues } from '../../main/revcorr/lanczos';
import { Rng } from '../../main/util/random';

test('Lanczos extremes agree with eigh to < 1% of the spread on a noisy covariance difference, 400 × 400', () => {
  const n = 400;
  const m = 1500;
  const rng = new Rng(4);
  const a = new Float64Array(n * n);
  for (let s = 0; s < 2; s++) {
    const x = Float64Array.from({ length: m * n }, () => rng.normal());
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let acc = 0;
        for (let t = 0; t < m; t++) acc += x[t * n + i]! * x[t * n + j]!;
        const v = ((s === 0 ? 1 : -1) * acc) / m;
        a[i * n + j]! += v;
        if (i !== j) a[j * n + i]! += v;
      }
  }
  const full = eigh(a, n, { valuesOnly: true }).values;
  const got = extremeEigenvalues(a, n, 150);
  const spread = full[0]! - full[n - 1]!;
  assert.ok(Math.abs(got.max - full[0]!) < 0.01 * spread, `max ${got.max} vs ${full[0]}`);
  assert.ok(Math.abs(got.min - full[n - 1]!) < 0.01 * spread, `min ${got.min} vs ${full[n - 1]}`);
});
