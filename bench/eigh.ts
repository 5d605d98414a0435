// The symmetric eigensolver behind PCA, FastICA's whitening and NMF's initialisation (eighAuto: blocked Householder
// with float64 block products on onnxruntime for n ≥ 128, QL with rotations below) against ml-matrix's
// EigenvalueDecomposition (assumeSymmetric: JAMA's tred2 + tql2 on row arrays), on the same covariance-like matrices
// in the same run, n = 128, 512, 1,024. Each side: one warm-up, then the best of `repeats`, rounds interleaved (ours,
// theirs, ours, theirs) because the machine is shared. The QL path of our own (`eigh`, the same algorithm as
// ml-matrix's) is a third row, so the table shows where each hand-written path wins.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { randomOrthonormalRows } from '../main/linalg/dense';
import { eigh } from '../main/linalg/eigh';
import { eighAuto } from '../main/linalg/ort';
import { Rng } from '../main/util/random';
import type { Row } from './table';

/** A = Qᵀ diag(λ) Q with a decaying spectrum, as a covariance has. */
function covarianceLike(n: number, seed: number): Float64Array {
  const q = randomOrthonormalRows(new Rng(seed), n, n);
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const lambda = 100 * 0.98 ** k + 1e-3;
    const o = k * n;
    for (let i = 0; i < n; i++) {
      const s = lambda * q[o + i]!;
      const ai = i * n;
      for (let j = 0; j < n; j++) a[ai + j] = a[ai + j]! + s * q[o + j]!;
    }
  }
  return a;
}

async function best(f: () => Promise<unknown> | unknown, repeats: number): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function maxValueError(ours: Float64Array, theirs: number[]): number {
  const t = [...theirs].sort((x, y) => y - x);
  let e = 0;
  for (let i = 0; i < ours.length; i++) e = Math.max(e, Math.abs(ours[i]! - t[i]!));
  return e;
}

export async function benchEigh(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [128, 512, 1024]) {
    const a = covarianceLike(n, n);
    const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, i * n + n))));
    const repeats = n >= 1024 ? 2 : 3;
    const runOurs = () => eighAuto(a, n);
    const runQl = () => eigh(a, n);
    const runTheirs = () => new EigenvalueDecomposition(m, { assumeSymmetric: true });
    // Warm-ups (ORT sessions, JIT), and a check that both solve the same problem.
    const ours = await runOurs();
    runQl();
    const theirs = runTheirs();
    const err = maxValueError(ours.values, theirs.realEigenvalues);
    let tOurs = Infinity;
    let tTheirs = Infinity;
    let tQl = Infinity;
    for (let round = 0; round < 2; round++) {
      tOurs = Math.min(tOurs, await best(runOurs, repeats));
      tTheirs = Math.min(tTheirs, await best(runTheirs, repeats));
      tQl = Math.min(tQl, await best(runQl, repeats));
    }
    rows.push({
      name: `eigh n=${n} (eighAuto${n >= 128 ? ', blocked + ORT' : ''})`,
      value: tOurs,
      unit: 'ms',
      reference: 'ml-matrix EVD',
      referenceValue: tTheirs,
      ratio: tTheirs / tOurs,
      note: `vectors and values, float64; max |Δλ| vs ml-matrix ${err.toExponential(1)}`,
    });
    rows.push({ name: `eigh n=${n} (QL, TypeScript)`, value: tQl, unit: 'ms', reference: 'ml-matrix EVD', referenceValue: tTheirs, ratio: tTheirs / tQl });
  }
  return rows;
}
