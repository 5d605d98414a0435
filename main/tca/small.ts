// Small dense helpers for CP fits: R × R Gram algebra in float64 (Hadamard products of factor Grams, a Cholesky
// solve for the ALS update, tensortools' HALS column update). Rank is at most a few dozen, so plain loops suffice.

/** FᵀF for a factor stored rows × R (row-major): R × R. */
export function gram(f: Float64Array, rows: number, rank: number): Float64Array {
  const g = new Float64Array(rank * rank);
  for (let i = 0; i < rows; i++) {
    const o = i * rank;
    for (let a = 0; a < rank; a++) {
      const fa = f[o + a]!;
      if (fa === 0) continue;
      for (let b = a; b < rank; b++) g[a * rank + b] += fa * f[o + b]!;
    }
  }
  for (let a = 0; a < rank; a++) for (let b = 0; b < a; b++) g[a * rank + b] = g[b * rank + a]!;
  return g;
}

/** Elementwise product of two R × R matrices. */
export function hadamard(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/**
 * Solves U·G = M for U (rows × R) with G symmetric positive semi-definite, by Cholesky. A singular G (a component
 * gone to zero) gets a ridge of 1e-12·trace, the least that lets the factorisation through.
 */
export function solveRightSpd(m: Float64Array, rows: number, g: Float64Array, rank: number): Float64Array {
  let trace = 0;
  for (let a = 0; a < rank; a++) trace += g[a * rank + a]!;
  let ridge = 0;
  for (;;) {
    const l = cholesky(g, rank, ridge);
    if (l) {
      const out = new Float64Array(rows * rank);
      const y = new Float64Array(rank);
      for (let i = 0; i < rows; i++) {
        // G uᵢᵀ = mᵢᵀ: forward (L y = m) then back substitution (Lᵀ u = y).
        for (let a = 0; a < rank; a++) {
          let s = m[i * rank + a]!;
          for (let b = 0; b < a; b++) s -= l[a * rank + b]! * y[b]!;
          y[a] = s / l[a * rank + a]!;
        }
        for (let a = rank - 1; a >= 0; a--) {
          let s = y[a]!;
          for (let b = a + 1; b < rank; b++) s -= l[b * rank + a]! * out[i * rank + b]!;
          out[i * rank + a] = s / l[a * rank + a]!;
        }
      }
      return out;
    }
    ridge = ridge === 0 ? 1e-12 * Math.max(trace, 1e-300) : ridge * 100;
  }
}

function cholesky(g: Float64Array, n: number, ridge: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = g[j * n + j]! + ridge;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = g[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * tensortools' HALS update of one factor (rows × R) in place, column by column: column p becomes
 * max(0, (M[:, p] − U[:, ≠p]·G[≠p, p]) / max(G[p, p], 1e-6)), each column using the ones already updated.
 */
export function halsUpdate(u: Float64Array, rows: number, m: Float64Array, g: Float64Array, rank: number): void {
  for (let p = 0; p < rank; p++) {
    const gpp = Math.max(g[p * rank + p]!, 1e-6);
    for (let i = 0; i < rows; i++) {
      const o = i * rank;
      let c = 0;
      for (let k = 0; k < rank; k++) if (k !== p) c += u[o + k]! * g[k * rank + p]!;
      u[o + p] = Math.max((m[o + p]! - c) / gpp, 0);
    }
  }
}

/** Column norms of a factor stored rows × R. */
export function columnNorms(f: Float64Array, rows: number, rank: number): Float64Array {
  const n = new Float64Array(rank);
  for (let i = 0; i < rows; i++) for (let r = 0; r < rank; r++) n[r] += f[i * rank + r]! ** 2;
  for (let r = 0; r < rank; r++) n[r] = Math.sqrt(n[r]!);
  return n;
}

/** Scales column r of a factor (rows × R) by s[r], in place. */
export function scaleColumns(f: Float64Array, rows: number, rank: number, s: ArrayLike<number>): void {
  for (let i = 0; i < rows; i++) for (let r = 0; r < rank; r++) f[i * rank + r] *= s[r]!;
}
