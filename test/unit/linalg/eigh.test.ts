import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyReflectorsBlocked,
  blockReflectorJs,
  eigh,
  eighBlocked,
  inverseSqrtSymmetric,
  sqrtSymmetric,
  syr2kJs,
  tridiagonalEigenvectors,
  tridiagonalizeBlocked,
} from '../../../main/linalg/eigh';
import { randomOrthonormalRows, orthonormalizeRows, matmul } from '../../../main/linalg/dense';
import { blockReflector64, eighAuto, ortEighKernels, syr2k64 } from '../../../main/linalg/ort';
import { Rng } from '../../../main/util/random';

/** A = Qᵀ diag(λ) Q for a random orthogonal Q (rows = eigenvectors). */
function constructed(values: number[], seed: number): { a: Float64Array; q: Float64Array } {
  const n = values.length;
  const q = randomOrthonormalRows(new Rng(seed), n, n);
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = a[i * n + j]! + values[k]! * q[k * n + i]! * q[k * n + j]!;
  return { a, q };
}

function check(a: Float64Array, n: number, r: { values: Float64Array; vectors: Float64Array }, expected: number[], tol: number): void {
  const sorted = [...expected].sort((x, y) => y - x);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.values[i]! - sorted[i]!) <= tol * scale, `λ${i}: ${r.values[i]} vs ${sorted[i]}`);
  // A v = λ v and VVᵀ = I.
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * r.vectors[c * n + j]!;
      assert.ok(Math.abs(s - r.values[c]! * r.vectors[c * n + i]!) <= tol * scale, `residual ${c},${i}`);
    }
    for (let c2 = c; c2 < n; c2++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += r.vectors[c * n + j]! * r.vectors[c2 * n + j]!;
      assert.ok(Math.abs(s - (c === c2 ? 1 : 0)) <= tol, `orthogonality ${c},${c2}: ${s}`);
    }
  }
}

test('eigh recovers a known spread spectrum and its eigenvectors (up to sign)', () => {
  const values = Array.from({ length: 40 }, (_, i) => 100 * 0.7 ** i);
  const { a, q } = constructed(values, 1);
  const r = eigh(a, 40);
  check(a, 40, r, values, 1e-10);
  for (let i = 0; i < 40; i++) {
    let dot = 0;
    for (let j = 0; j < 40; j++) dot += r.vectors[i * 40 + j]! * q[i * 40 + j]!;
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `eigenvector ${i}: |cos| ${Math.abs(dot)}`);
  }
});

test('eigh handles repeated, zero and negative eigenvalues, and ascending order', () => {
  const values = [5, 5, 5, 0, 0, -3, 2, 2, 1e-9, -3];
  const { a } = constructed(values, 2);
  check(a, values.length, eigh(a, values.length), values, 1e-10);
  const asc = eigh(a, values.length, { order: 'ascending' });
  assert.ok(Math.abs(asc.values[0]! + 3) < 1e-10 && Math.abs(asc.values[9]! - 5) < 1e-10);
  // Diagonal and 1 × 1 matrices.
  const diag = eigh([3, 0, 0, 0, 1, 0, 0, 0, 2], 3);
  assert.deepEqual(Array.from(diag.values), [3, 2, 1]);
  assert.deepEqual(Array.from(eigh([7], 1).values), [7]);
  assert.throws(() => eigh([1, NaN, NaN, 1], 2), /finite/);
});

test('inverse square root and square root of an SPD matrix', () => {
  const { a } = constructed([4, 9, 1, 0.25, 16], 3);
  const r = inverseSqrtSymmetric(a, 5);
  const s = sqrtSymmetric(a, 5);
  // r·a·r = I and s·s = a.
  const rar = matmul(matmul(r, a, 5, 5, 5), r, 5, 5, 5);
  const ss = matmul(s, s, 5, 5, 5);
  for (let i = 0; i < 25; i++) {
    assert.ok(Math.abs(rar[i]! - (i % 6 === 0 ? 1 : 0)) < 1e-10);
    assert.ok(Math.abs(ss[i]! - a[i]!) < 1e-10);
  }
});

test('the large-n path (eighAuto: blocked, onnxruntime kernels) equals the QL path on a clustered spectrum', async () => {
  const n = 200;
  // A covariance-like spectrum with a cluster of nearly equal eigenvalues and exact repeats.
  const values = Array.from({ length: n }, (_, i) => (i < 20 ? 1 : i < 40 ? 1 + i * 1e-9 : 50 * 0.97 ** i));
  const { a } = constructed(values, 4);
  const auto = await eighAuto(a, n);
  check(a, n, auto, values, 1e-9);
  const ql = eigh(a, n);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(auto.values[i]! - ql.values[i]!) < 1e-9);
});

test('blocked path (panelled Householder + compact-WY back-transformation) recovers known spectra, in TypeScript and on onnxruntime', async () => {
  // Odd sizes and block sizes exercise partial panels; the spectra have clusters, exact repeats, zeros,
  // negatives and a 10⁶ span, as a covariance does.
  const cases: { values: number[]; seed: number; blockSize: number }[] = [
    { values: Array.from({ length: 45 }, (_, i) => (i % 3 === 0 ? -2 + i * 0.1 : 1e-6 * 1.3 ** i)), seed: 5, blockSize: 7 },
    { values: Array.from({ length: 130 }, (_, i) => (i < 10 ? 3 : 1e3 * 0.9 ** i)), seed: 6, blockSize: 32 },
    { values: Array.from({ length: 161 }, (_, i) => (i < 20 ? 1 : i < 40 ? 1 + i * 1e-9 : i < 45 ? 0 : 50 * 0.97 ** i)), seed: 7, blockSize: 16 },
  ];
  for (const c of cases) {
    const n = c.values.length;
    const { a, q } = constructed(c.values, c.seed);
    const js = await eighBlocked(a, n, {}, { blockSize: c.blockSize });
    check(a, n, js, c.values, 1e-9);
    const onnx = await eighBlocked(a, n, { ...ortEighKernels, minSize: 1 }, { blockSize: c.blockSize });
    check(a, n, onnx, c.values, 1e-9);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(js.values[i]! - onnx.values[i]!) < 1e-9 * Math.max(1, Math.abs(js.values[0]!)));
    // Simple, well separated eigenvalues: the eigenvectors themselves (up to sign).
    const sorted = c.values.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
    for (let r = 0; r < n; r++) {
      const [lam, src] = sorted[r]!;
      const gap = Math.min(...c.values.map((v, i) => (i === src ? Infinity : Math.abs(v - lam))));
      if (gap < 1e-3) continue;
      let dot = 0;
      for (let j = 0; j < n; j++) dot += onnx.vectors[r * n + j]! * q[src * n + j]!;
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `eigenvector ${r}: |cos| ${Math.abs(dot)}`);
    }
    // Ascending order.
    const asc = await eighBlocked(a, n, ortEighKernels, { order: 'ascending', blockSize: c.blockSize });
    for (let i = 0; i < n; i++) assert.ok(Math.abs(asc.values[i]! - js.values[n - 1 - i]!) < 1e-9 * Math.max(1, Math.abs(js.values[0]!)));
  }
  // Small n goes to QL; non-finite input throws.
  const small = constructed([3, 2, 1], 8);
  check(small.a, 3, await eighBlocked(small.a, 3, ortEighKernels), [3, 2, 1], 1e-12);
  const bad = new Float64Array(40 * 40);
  bad[5] = NaN;
  await assert.rejects(eighBlocked(bad, 40), /finite/);
});

test('blocked tridiagonalisation: Qᵀ·A·Q is the tridiagonal it returns, for the 2-1 Toeplitz matrix too', async () => {
  for (const [n, nb] of [
    [37, 8],
    [100, 32],
  ] as const) {
    const { a } = constructed(Array.from({ length: n }, (_, i) => Math.sin(i) * 10), n);
    const { diag, off, panels } = await tridiagonalizeBlocked(a.slice(), n, {}, nb);
    // Q = Q·I, then compare Qᵀ·A·Q with T.
    const qm = new Float64Array(n * n);
    for (let i = 0; i < n; i++) qm[i * n + i] = 1;
    await applyReflectorsBlocked(panels, qm, n, n);
    const qt = Float64Array.from({ length: n * n }, (_, k) => qm[(k % n) * n + Math.floor(k / n)]!);
    const t = matmul(matmul(qt, a, n, n, n), qm, n, n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const want = i === j ? diag[i]! : j === i + 1 ? off[i]! : i === j + 1 ? off[j]! : 0;
        assert.ok(Math.abs(t[i * n + j]! - want) < 1e-11 * 10, `T(${i}, ${j}) = ${t[i * n + j]} vs ${want}`);
      }
    }
  }
  // An already tridiagonal matrix (2 on the diagonal, −1 beside it) has the closed-form spectrum 2 − 2cos(πk/(n+1)).
  const n = 150;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 2;
    if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
  }
  const r = await eighAuto(a, n);
  const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos((Math.PI * (k + 1)) / (n + 1)));
  check(a, n, r, expected, 1e-11);
});

test('float64 block kernels on onnxruntime equal the TypeScript loops', async () => {
  const rng = new Rng(9);
  const m = 70;
  const b = 6;
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = rng.normal();
  // VW = [V W] and WV = [W V], so that VW·WVᵀ = V·Wᵀ + W·Vᵀ is symmetric (the kernels' contract).
  const vv = Float64Array.from({ length: m * b }, () => rng.normal());
  const ww = Float64Array.from({ length: m * b }, () => rng.normal());
  const v = new Float64Array(m * 2 * b);
  const w = new Float64Array(m * 2 * b);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < b; k++) {
      v[i * 2 * b + k] = w[i * 2 * b + b + k] = vv[i * b + k]!;
      w[i * 2 * b + k] = v[i * 2 * b + b + k] = ww[i * b + k]!;
    }
  }
  const viaOrt = await syr2k64(a, v, w, m, 2 * b);
  const viaJs = syr2kJs(a.slice(), v, w, m, 2 * b);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = a[i * m + j]!;
      for (let k = 0; k < 2 * b; k++) s -= v[i * 2 * b + k]! * w[j * 2 * b + k]!;
      assert.ok(Math.abs(viaOrt[i * m + j]! - s) < 1e-12 && Math.abs(viaJs[i * m + j]! - s) < 1e-12);
    }
  }
  const c = 9;
  const z = Float64Array.from({ length: m * c }, () => rng.normal());
  const y = Float64Array.from({ length: m * b }, () => rng.normal());
  const t = new Float64Array(b * b);
  for (let i = 0; i < b; i++) for (let j = i; j < b; j++) t[i * b + j] = rng.normal();
  const o = await blockReflector64(z, y, t, m, c, b);
  const jsr = blockReflectorJs(z.slice(), y, t, m, c, b);
  const want = new Float64Array(z);
  const yt = Float64Array.from({ length: b * m }, (_, k) => y[(k % m) * b + Math.floor(k / m)]!);
  const corr = matmul(y, matmul(t, matmul(yt, z, b, m, c), b, b, c), m, b, c);
  for (let i = 0; i < m * c; i++) want[i] = want[i]! - corr[i]!;
  for (let i = 0; i < m * c; i++) assert.ok(Math.abs(o[i]! - want[i]!) < 1e-12 && Math.abs(jsr[i]! - want[i]!) < 1e-12);
});

test('tridiagonal inverse iteration on the (1, −2, 1) matrix matches its closed form', () => {
  const n = 50;
  const diag = new Float64Array(n).fill(-2);
  const off = new Float64Array(n - 1).fill(1);
  const vals = Float64Array.from({ length: n }, (_, k) => -2 + 2 * Math.cos((Math.PI * (k + 1)) / (n + 1))).sort();
  const z = tridiagonalEigenvectors(diag, off, vals)!;
  assert.ok(z);
  // Eigenvector for λ_k = −2 + 2cos(πk/(n+1)) is sin(πjk/(n+1)).
  for (let idx = 0; idx < n; idx++) {
    const k = n - idx; // ascending values ↔ descending k
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < n; j++) {
      const s = Math.sin((Math.PI * (j + 1) * k) / (n + 1));
      dot += s * z[idx * n + j]!;
      norm += s * s;
    }
    assert.ok(Math.abs(Math.abs(dot) / Math.sqrt(norm) - 1) < 1e-10, `vector ${idx}`);
  }
});

test('orthonormalizeRows makes rows orthonormal and replaces dependent rows when given a generator', () => {
  const a = Float64Array.from([1, 1, 0, 2, 2, 0, 0, 1, 1]);
  assert.throws(() => orthonormalizeRows(a.slice(), 3, 3), /linearly dependent/);
  const q = orthonormalizeRows(a.slice(), 3, 3, new Rng(1));
  const g = matmul(q, Float64Array.from([q[0]!, q[3]!, q[6]!, q[1]!, q[4]!, q[7]!, q[2]!, q[5]!, q[8]!]), 3, 3, 3);
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(g[i]! - (i % 4 === 0 ? 1 : 0)) < 1e-12);
});
