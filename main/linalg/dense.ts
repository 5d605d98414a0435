// Small dense helpers in Float64Array, row-major: products, orthonormalisation (Gram–Schmidt), random
// orthonormal bases. Sizes here are k × k or m × d with m, d ≤ a few thousand; big products go to ./ort.
import type { Rng } from '../util/random';

/** C = A·B, A n × p, B p × q. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, p: number, q: number): Float64Array {
  const c = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    const ci = i * q;
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k]!;
      if (aik === 0) continue;
      const bk = k * q;
      for (let j = 0; j < q; j++) c[ci + j] = c[ci + j]! + aik * b[bk + j]!;
    }
  }
  return c;
}

export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/**
 * Orthonormalises the rows of an m × d matrix in place by modified Gram–Schmidt, run twice ("twice is
 * enough", Giraud et al. 2005) for orthogonality to working precision. A row that becomes (numerically) zero
 * is replaced by a fresh direction from `rng` when given, otherwise an error is thrown.
 */
export function orthonormalizeRows(a: Float64Array, m: number, d: number, rng?: Rng): Float64Array {
  if (m > d) throw new Error(`Cannot orthonormalise ${m} rows in ${d} dimensions.`);
  for (let i = 0; i < m; i++) {
    const ri = i * d;
    for (let attempt = 0; ; attempt++) {
      let norm0 = 0;
      for (let k = 0; k < d; k++) norm0 += a[ri + k]! * a[ri + k]!;
      norm0 = Math.sqrt(norm0);
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < i; j++) {
          const rj = j * d;
          let dot = 0;
          for (let k = 0; k < d; k++) dot += a[ri + k]! * a[rj + k]!;
          for (let k = 0; k < d; k++) a[ri + k] = a[ri + k]! - dot * a[rj + k]!;
        }
      }
      let norm = 0;
      for (let k = 0; k < d; k++) norm += a[ri + k]! * a[ri + k]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-10 * Math.max(norm0, 1e-300) && norm > 0) {
        for (let k = 0; k < d; k++) a[ri + k] = a[ri + k]! / norm;
        break;
      }
      if (!rng || attempt > 10) throw new Error(`Row ${i} is linearly dependent on the rows before it.`);
      for (let k = 0; k < d; k++) a[ri + k] = rng.normal();
    }
  }
  return a;
}

/** m orthonormal rows in R^d, uniformly distributed (Gaussian matrix orthonormalised). */
export function randomOrthonormalRows(rng: Rng, m: number, d: number): Float64Array {
  const a = new Float64Array(m * d);
  rng.fillNormal(a);
  return orthonormalizeRows(a, m, d, rng);
}

/** Normalises each row of an m × d matrix to unit Euclidean norm (zero rows stay zero). */
export function normalizeRows(a: Float64Array | Float32Array, m: number, d: number): typeof a {
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[i * d + k]! * a[i * d + k]!;
    const n = Math.sqrt(s);
    if (n > 0) for (let k = 0; k < d; k++) a[i * d + k] = a[i * d + k]! / n;
  }
  return a;
}

/** Sign convention for decompositions defined up to sign: the largest-magnitude entry of each row is positive
 * (scikit-learn's svd_flip with u_based_decision=False, the default for PCA since 1.5). */
export function flipRowSigns(a: Float64Array, m: number, d: number): Float64Array {
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let k = 0; k < d; k++) if (Math.abs(a[i * d + k]!) > Math.abs(best)) best = a[i * d + k]!;
    if (best < 0) for (let k = 0; k < d; k++) a[i * d + k] = -a[i * d + k]!;
  }
  return a;
}
