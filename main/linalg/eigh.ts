// Symmetric eigendecomposition for the small dense problems of the classical bases (covariance of d ≤ a few
// thousand units, FastICA decorrelation of k × k): Householder tridiagonalisation followed by the implicit QL
// algorithm with eigenvector accumulation (EISPACK tred2/tql2, as in JAMA), in Float64Array.
//
// The loops are written on the *column-major* image of the matrix: EISPACK's inner loops walk down columns
// (V[k][j] for k = 0..i), which in row-major storage jumps n doubles per step; stored column-major they are
// contiguous, so every O(n³) loop streams through memory. A symmetric input is its own column-major image,
// and on exit column j (eigenvector j) is contiguous, i.e. it is row j of a row-major "eigenvectors as rows"
// matrix, which is exactly the layout the bases want (components_, m × d).

export interface EighResult {
  /** Eigenvalues, in the order requested (default: descending). */
  values: Float64Array;
  /** n × n row-major; row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

export interface EighOptions {
  order?: 'descending' | 'ascending';
  /** Skip the eigenvectors (O(n²) QL instead of O(n³)). */
  valuesOnly?: boolean;
}

/** sqrt(a² + b²) without destructive overflow for the magnitudes met here. */
function hypot(a: number, b: number): number {
  const aa = Math.abs(a);
  const ab = Math.abs(b);
  if (aa > ab) {
    const r = ab / aa;
    return aa * Math.sqrt(1 + r * r);
  }
  if (ab === 0) return 0;
  const r = aa / ab;
  return ab * Math.sqrt(1 + r * r);
}

/**
 * Eigenvalues and eigenvectors of the symmetric n × n matrix `a` (row-major; only symmetry is assumed, the
 * input is not modified). Throws if the matrix holds a non-finite value.
 */
export function eigh(a: ArrayLike<number>, n: number, options: EighOptions = {}): EighResult {
  if (a.length !== n * n) throw new Error(`eigh: expected ${n * n} entries for a ${n} × ${n} matrix, got ${a.length}.`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new Error(`eigh: entry ${i} of the matrix is ${a[i]}; the matrix must be finite.`);
  }
  const v = new Float64Array(n * n);
  // Symmetrise: v = (a + aᵀ)/2 (column-major image equals row-major for a symmetric matrix).
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) v[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: v };
  if (n === 1) {
    d[0] = v[0]!;
    v[0] = 1;
    return { values: d, vectors: v };
  }
  tred2(v, d, e, n, !options.valuesOnly);
  tql2(v, d, e, n, !options.valuesOnly);
  // Sort.
  const order = Array.from({ length: n }, (_, i) => i);
  const desc = (options.order ?? 'descending') === 'descending';
  order.sort((x, y) => (desc ? d[y]! - d[x]! : d[x]! - d[y]!));
  const values = new Float64Array(n);
  const vectors = new Float64Array(options.valuesOnly ? 0 : n * n);
  for (let r = 0; r < n; r++) {
    const src = order[r]!;
    values[r] = d[src]!;
    if (!options.valuesOnly) vectors.set(v.subarray(src * n, src * n + n), r * n);
  }
  return { values, vectors };
}

// In both routines below, M(r, c) of the EISPACK code is stored at v[c * n + r] (column-major).

function tred2(v: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + (n - 1)]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + (i - 1)]!;
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        const cj = j * n;
        v[i * n + j] = f;
        g = e[j]! + v[cj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = v[cj + k]!;
          g += vkj * d[k]!;
          e[k] = e[k]! + vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const cj = j * n;
        for (let k = j; k <= i - 1; k++) v[cj + k] = v[cj + k]! - (f * e[k]! + g * d[k]!);
        d[j] = v[cj + (i - 1)]!;
        v[cj + i] = 0;
      }
    }
    d[i] = h;
  }
  if (vectors) {
    // Accumulate transformations.
    for (let i = 0; i < n - 1; i++) {
      const ci = i * n;
      const ci1 = (i + 1) * n;
      v[ci + (n - 1)] = v[ci + i]!;
      v[ci + i] = 1;
      const h = d[i + 1]!;
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = v[ci1 + k]! / h;
        for (let j = 0; j <= i; j++) {
          const cj = j * n;
          let g = 0;
          for (let k = 0; k <= i; k++) g += v[ci1 + k]! * v[cj + k]!;
          for (let k = 0; k <= i; k++) v[cj + k] = v[cj + k]! - g * d[k]!;
        }
      }
      for (let k = 0; k <= i; k++) v[ci1 + k] = 0;
    }
    for (let j = 0; j < n; j++) {
      d[j] = v[j * n + (n - 1)]!;
      v[j * n + (n - 1)] = 0;
    }
    v[(n - 1) * n + (n - 1)] = 1;
  } else {
    for (let j = 0; j < n; j++) d[j] = v[j * n + j]!;
  }
  e[0] = 0;
}

function tql2(v: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('eigh: the QL iteration did not converge; the matrix may be badly scaled.');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (vectors) {
            // Columns i and i+1 (contiguous) rotated together.
            const a0 = i * n;
            const b0 = a0 + n;
            for (let k = 0; k < n; k++) {
              const hk = v[b0 + k]!;
              const vk = v[a0 + k]!;
              v[b0 + k] = s * vk + c * hk;
              v[a0 + k] = c * vk - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** f(A) = V diag(f(λ)) Vᵀ for a symmetric A, row-major n × n (or from a precomputed decomposition). */
export function symmetricFunction(a: ArrayLike<number>, n: number, fn: (lambda: number) => number, decomposition?: EighResult): Float64Array {
  const { values, vectors } = decomposition ?? eigh(a, n);
  const out = new Float64Array(n * n);
  const scaled = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const w = fn(values[r]!);
    if (w === 0) continue;
    const row = r * n;
    for (let j = 0; j < n; j++) scaled[j] = w * vectors[row + j]!;
    for (let i = 0; i < n; i++) {
      const vi = vectors[row + i]!;
      if (vi === 0) continue;
      const oi = i * n;
      for (let j = 0; j < n; j++) out[oi + j] = out[oi + j]! + vi * scaled[j]!;
    }
  }
  return out;
}

/**
 * A^{-1/2} for a symmetric positive definite A (FastICA's symmetric decorrelation). Eigenvalues below
 * `floor · λ_max` are clamped to that floor so a nearly singular A does not produce infinities.
 */
export function inverseSqrtSymmetric(a: ArrayLike<number>, n: number, floor = 1e-12): Float64Array {
  const dec = eigh(a, n);
  const min = Math.max(floor * Math.max(dec.values[0] ?? 0, 0), Number.MIN_VALUE);
  return symmetricFunction(a, n, (l) => 1 / Math.sqrt(Math.max(l, min)), dec);
}

/** A^{1/2} for a symmetric positive semi-definite A (negative rounding noise is clamped to 0). */
export function sqrtSymmetric(a: ArrayLike<number>, n: number): Float64Array {
  return symmetricFunction(a, n, (l) => Math.sqrt(Math.max(l, 0)));
}

/**
 * Eigenvectors of the symmetric tridiagonal T (diagonal `diag`, off-diagonal `off`, T[i][i+1] = off[i]) for the
 * given eigenvalues (ascending), by inverse iteration with LU factorisation with partial pivoting (LAPACK's
 * dgttrf/dstein scheme): O(n) per vector; vectors of close eigenvalues (within 1e-6·‖T‖, chained) are
 * re-orthogonalised against each other by modified Gram–Schmidt. Returns n × n row-major (row i ↔ values[i]), or
 * null when a residual check fails (eighBlocked then falls back to QL with accumulated rotations).
 */
export function tridiagonalEigenvectors(diag: Float64Array, off: Float64Array, values: Float64Array): Float64Array | null {
  const n = diag.length;
  const z = new Float64Array(n * n);
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(diag[i]!) + (i > 0 ? Math.abs(off[i - 1]!) : 0) + (i < n - 1 ? Math.abs(off[i]!) : 0));
  if (tnorm === 0) {
    for (let i = 0; i < n; i++) z[i * n + i] = 1;
    return z;
  }
  const eps = 2 ** -52;
  const pert = eps * tnorm;
  const ortol = 1e-6 * tnorm;
  const dd = new Float64Array(n);
  const du = new Float64Array(n);
  const du2 = new Float64Array(n);
  const dl = new Float64Array(n);
  const swap = new Uint8Array(n);
  const x = new Float64Array(n);
  let clusterStart = 0;
  let prevLambda = -Infinity;
  // Deterministic start vectors (LCG): inverse iteration needs only a generic start.
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    return ((seed >>> 8) / 16777216) * 2 - 1;
  };
  for (let j = 0; j < n; j++) {
    let lambda = values[j]!;
    if (j > 0 && lambda - prevLambda > ortol) clusterStart = j;
    // Separate numerically equal eigenvalues so their shifted systems differ.
    if (j > 0 && lambda - prevLambda < 10 * eps * Math.max(Math.abs(lambda), tnorm * 1e-3)) lambda = prevLambda + 10 * eps * Math.max(Math.abs(lambda), tnorm * 1e-3);
    prevLambda = lambda;
    // LU of T − λI with partial pivoting.
    for (let i = 0; i < n; i++) {
      dd[i] = diag[i]! - lambda;
      du[i] = i < n - 1 ? off[i]! : 0;
      dl[i] = i < n - 1 ? off[i]! : 0;
      du2[i] = 0;
      swap[i] = 0;
    }
    for (let i = 0; i < n - 1; i++) {
      if (Math.abs(dd[i]!) >= Math.abs(dl[i]!)) {
        if (dd[i]! === 0) dd[i] = pert;
        const fact = dl[i]! / dd[i]!;
        dl[i] = fact;
        dd[i + 1] = dd[i + 1]! - fact * du[i]!;
      } else {
        const fact = dd[i]! / dl[i]!;
        dd[i] = dl[i]!;
        dl[i] = fact;
        const temp = du[i]!;
        du[i] = dd[i + 1]!;
        dd[i + 1] = temp - fact * dd[i + 1]!;
        if (i < n - 2) {
          du2[i] = du[i + 1]!;
          du[i + 1] = -fact * du[i + 1]!;
        }
        swap[i] = 1;
      }
    }
    for (let i = 0; i < n; i++) if (dd[i]! === 0) dd[i] = pert;
    for (let i = 0; i < n; i++) x[i] = rand();
    for (let iter = 0; iter < 4; iter++) {
      // Solve L U y = x in place.
      for (let i = 0; i < n - 1; i++) {
        if (!swap[i]) x[i + 1] = x[i + 1]! - dl[i]! * x[i]!;
        else {
          const t = x[i]!;
          x[i] = x[i + 1]!;
          x[i + 1] = t - dl[i]! * x[i]!;
        }
      }
      x[n - 1] = x[n - 1]! / dd[n - 1]!;
      if (n > 1) x[n - 2] = (x[n - 2]! - du[n - 2]! * x[n - 1]!) / dd[n - 2]!;
      for (let i = n - 3; i >= 0; i--) x[i] = (x[i]! - du[i]! * x[i + 1]! - du2[i]! * x[i + 2]!) / dd[i]!;
      // Orthogonalise against the cluster, normalise.
      for (let p = clusterStart; p < j; p++) {
        const zp = p * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += x[i]! * z[zp + i]!;
        for (let i = 0; i < n; i++) x[i] = x[i]! - dot * z[zp + i]!;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
      s = Math.sqrt(s);
      if (!(s > 0) || !Number.isFinite(s)) return null;
      for (let i = 0; i < n; i++) x[i] = x[i]! / s;
    }
    // Residual ‖T x − λ x‖ (with the unperturbed eigenvalue).
    let r = 0;
    for (let i = 0; i < n; i++) {
      let t = (diag[i]! - values[j]!) * x[i]!;
      if (i > 0) t += off[i - 1]! * x[i - 1]!;
      if (i < n - 1) t += off[i]! * x[i + 1]!;
      r = Math.max(r, Math.abs(t));
    }
    if (r > 1e-8 * tnorm) return null;
    z.set(x, j * n);
  }
  return z;
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Blocked path (LAPACK dsytrd/dlatrd + dormtr ideas). The O(n³) work of the Householder reduction is half
// symmetric matrix–vector products (done here in TypeScript, inherently one column at a time) and half rank-2b
// updates A ← A − V·Wᵀ − W·Vᵀ of the trailing matrix after each panel of b columns; the back-transformation
// applies the reflectors of each panel at once as a compact-WY block Q_p = I − Y·T·Yᵀ. Both block operations are
// plain float64 matrix products, handed to `EighKernels` (onnxruntime in ./ort) or done by the tight loops below.

/** Float64 block kernels for `eighBlocked`; each may return a new array or the updated input. */
export interface EighKernels {
  /** A − [V W]·[W V]ᵀ for A m × m (row-major), VW = [V W] and WV = [W V] both m × 2b row-major. */
  syr2k?: (a: Float64Array, vw: Float64Array, wv: Float64Array, m: number, b2: number) => Promise<Float64Array>;
  /** Z − Y·(T·(Yᵀ·Z)) for Z m × c, Y m × b, T b × b (all row-major). */
  blockReflector?: (z: Float64Array, y: Float64Array, t: Float64Array, m: number, c: number, b: number) => Promise<Float64Array>;
  /** Sizes (m) below which the TypeScript loops are used instead of the kernels (default 96). */
  minSize?: number;
}

/** In place: A ← A − VW·WVᵀ (m × m, symmetric result; VW, WV m × b2). */
export function syr2kJs(a: Float64Array, vw: Float64Array, wv: Float64Array, m: number, b2: number): Float64Array {
  for (let i = 0; i < m; i++) {
    const vi = i * b2;
    for (let j = 0; j <= i; j++) {
      const vj = j * b2;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < b2; k += 2) {
        s0 += vw[vi + k]! * wv[vj + k]!;
        s1 += vw[vi + k + 1]! * wv[vj + k + 1]!;
      }
      if (k < b2) s0 += vw[vi + k]! * wv[vj + k]!;
      const s = s0 + s1;
      a[i * m + j] = a[i * m + j]! - s;
      if (j !== i) a[j * m + i] = a[i * m + j]!;
    }
  }
  return a;
}

/** In place: Z ← Z − Y·(T·(Yᵀ·Z)), Z m × c, Y m × b, T b × b. */
export function blockReflectorJs(z: Float64Array, y: Float64Array, t: Float64Array, m: number, c: number, b: number): Float64Array {
  const x = new Float64Array(b * c);
  for (let r = 0; r < m; r++) {
    const zr = r * c;
    for (let k = 0; k < b; k++) {
      const yk = y[r * b + k]!;
      if (yk === 0) continue;
      const xk = k * c;
      for (let j = 0; j < c; j++) x[xk + j] = x[xk + j]! + yk * z[zr + j]!;
    }
  }
  const x2 = new Float64Array(b * c);
  for (let i = 0; i < b; i++) {
    for (let k = i; k < b; k++) {
      const tik = t[i * b + k]!;
      if (tik === 0) continue;
      for (let j = 0; j < c; j++) x2[i * c + j] = x2[i * c + j]! + tik * x[k * c + j]!;
    }
  }
  for (let r = 0; r < m; r++) {
    const zr = r * c;
    for (let k = 0; k < b; k++) {
      const yk = y[r * b + k]!;
      if (yk === 0) continue;
      const xk = k * c;
      for (let j = 0; j < c; j++) z[zr + j] = z[zr + j]! - yk * x2[xk + j]!;
    }
  }
  return z;
}

/** One panel of reflectors: H_{j0} ⋯ H_{j0+b−1} = I − Y·T·Yᵀ acting on rows j0+1 … n−1. */
interface ReflectorPanel {
  j0: number;
  b: number;
  /** (n − j0 − 1) × b row-major, unit lower trapezoidal. */
  y: Float64Array;
  tau: Float64Array;
}

/** y[g − r0] = Σ_{k ≥ c0} A[g][k]·v[k − c0] for rows g ≥ c0 of the row-major n × n A (four rows at a time). */
function symvTrailing(a: Float64Array, n: number, c0: number, v: Float64Array, y: Float64Array, r0: number): void {
  const len = n - c0;
  let g = c0;
  for (; g + 3 < n; g += 4) {
    const p0 = g * n + c0;
    const p1 = p0 + n;
    const p2 = p1 + n;
    const p3 = p2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < len; k++) {
      const vk = v[k]!;
      s0 += a[p0 + k]! * vk;
      s1 += a[p1 + k]! * vk;
      s2 += a[p2 + k]! * vk;
      s3 += a[p3 + k]! * vk;
    }
    y[g - r0] = s0;
    y[g - r0 + 1] = s1;
    y[g - r0 + 2] = s2;
    y[g - r0 + 3] = s3;
  }
  for (; g < n; g++) {
    const p0 = g * n + c0;
    let s0 = 0;
    for (let k = 0; k < len; k++) s0 += a[p0 + k]! * v[k]!;
    y[g - r0] = s0;
  }
}

/**
 * Householder tridiagonalisation Qᵀ·A·Q = T of the symmetric n × n matrix `a` (row-major, full storage; it is
 * overwritten), in panels of `nb` columns (dlatrd, lower). Returns the diagonal, the off-diagonal and the panels
 * of reflectors (Q = H_0 ⋯ H_{n−2}).
 */
export async function tridiagonalizeBlocked(
  a: Float64Array,
  n: number,
  kernels: EighKernels = {},
  nb = 32,
): Promise<{ diag: Float64Array; off: Float64Array; panels: ReflectorPanel[] }> {
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(n - 1, 0));
  const panels: ReflectorPanel[] = [];
  const minSize = kernels.minSize ?? 96;
  const tmp = new Float64Array(2 * nb);
  for (let j0 = 0; j0 < n - 1; j0 += nb) {
    const b = Math.min(nb, n - 1 - j0);
    const r0 = j0 + 1;
    const m0 = n - r0;
    const V = new Float64Array(m0 * b);
    const W = new Float64Array(m0 * b);
    const tau = new Float64Array(b);
    const y = new Float64Array(m0);
    for (let i = 0; i < b; i++) {
      const j = j0 + i;
      const rowj = j * n;
      // Bring row j (= column j) up to date with the panel's earlier reflectors: rows g ≥ j, local g − r0.
      if (i > 0) {
        const lj = i - 1; // local index of row j
        for (let k = 0; k < i; k++) {
          tmp[k] = W[lj * b + k]!;
          tmp[nb + k] = V[lj * b + k]!;
        }
        for (let g = j; g < n; g++) {
          const lg = (g - r0) * b;
          let s = 0;
          for (let k = 0; k < i; k++) s += V[lg + k]! * tmp[k]! + W[lg + k]! * tmp[nb + k]!;
          a[rowj + g] = a[rowj + g]! - s;
        }
      }
      diag[j] = a[rowj + j]!;
      // Reflector from x = A[j+1.., j] (dlarfg): H x = β e₁.
      const alpha = a[rowj + j + 1]!;
      let xnorm = 0;
      {
        let sc = 0;
        for (let g = j + 2; g < n; g++) sc = Math.max(sc, Math.abs(a[rowj + g]!));
        if (sc > 0) {
          let ss = 0;
          for (let g = j + 2; g < n; g++) {
            const q = a[rowj + g]! / sc;
            ss += q * q;
          }
          xnorm = sc * Math.sqrt(ss);
        }
      }
      const li = i; // local row of j + 1
      if (xnorm === 0) {
        off[j] = alpha;
        tau[i] = 0;
        V[li * b + i] = 1;
        continue; // w = 0
      }
      let beta = hypot(alpha, xnorm);
      if (alpha > 0) beta = -beta;
      const ti = (beta - alpha) / beta;
      const inv = 1 / (alpha - beta);
      off[j] = beta;
      tau[i] = ti;
      V[li * b + i] = 1;
      for (let g = j + 2; g < n; g++) V[(g - r0) * b + i] = a[rowj + g]! * inv;
      // y = A_trail·v over rows/cols ≥ j + 1 (four rows at a time), v = V[li.., i].
      const vcol = new Float64Array(n - j - 1);
      for (let g = j + 1; g < n; g++) vcol[g - j - 1] = V[(g - r0) * b + i]!;
      symvTrailing(a, n, j + 1, vcol, y, r0);
      // y −= V·(Wᵀv) + W·(Vᵀv) over the panel's earlier columns.
      if (i > 0) {
        tmp.fill(0, 0, 2 * nb);
        for (let l = li; l < m0; l++) {
          const vl = vcol[l - li]!;
          for (let k = 0; k < i; k++) {
            tmp[k] = tmp[k]! + W[l * b + k]! * vl;
            tmp[nb + k] = tmp[nb + k]! + V[l * b + k]! * vl;
          }
        }
        for (let l = li; l < m0; l++) {
          let s = 0;
          for (let k = 0; k < i; k++) s += V[l * b + k]! * tmp[k]! + W[l * b + k]! * tmp[nb + k]!;
          y[l] = y[l]! - s;
        }
      }
      // w = τ y − ½ τ² (yᵀv) v.
      let yv = 0;
      for (let l = li; l < m0; l++) yv += y[l]! * vcol[l - li]!;
      const a2 = -0.5 * ti * ti * yv;
      for (let l = li; l < m0; l++) W[l * b + i] = ti * y[l]! + a2 * vcol[l - li]!;
    }
    panels.push({ j0, b, y: V, tau });
    // Trailing update of rows/cols ≥ j0 + b (local rows from b − 1).
    const mt = n - j0 - b;
    if (mt <= 0) continue;
    const lo = b - 1;
    const b2 = 2 * b;
    const vw = new Float64Array(mt * b2);
    const wv = new Float64Array(mt * b2);
    for (let r = 0; r < mt; r++) {
      const src = (lo + r) * b;
      for (let k = 0; k < b; k++) {
        const vv = V[src + k]!;
        const ww = W[src + k]!;
        vw[r * b2 + k] = vv;
        vw[r * b2 + b + k] = ww;
        wv[r * b2 + k] = ww;
        wv[r * b2 + b + k] = vv;
      }
    }
    const s0 = j0 + b;
    const sub = new Float64Array(mt * mt);
    for (let r = 0; r < mt; r++) sub.set(a.subarray((s0 + r) * n + s0, (s0 + r) * n + n), r * mt);
    const upd = kernels.syr2k && mt >= minSize ? await kernels.syr2k(sub, vw, wv, mt, b2) : syr2kJs(sub, vw, wv, mt, b2);
    for (let r = 0; r < mt; r++) a.set(upd.subarray(r * mt, r * mt + mt), (s0 + r) * n + s0);
  }
  if (n > 0) diag[n - 1] = a[(n - 1) * n + (n - 1)]!;
  return { diag, off, panels };
}

/** The upper triangular T of a panel (dlarft, forward, columnwise): H_0 ⋯ H_{b−1} = I − Y·T·Yᵀ. */
function panelT(p: ReflectorPanel, m: number): Float64Array {
  const { b, y, tau } = p;
  const t = new Float64Array(b * b);
  const u = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    const ti = tau[i]!;
    t[i * b + i] = ti;
    if (i === 0 || ti === 0) continue;
    // u = Y[:, 0:i]ᵀ y_i (y_i is zero above local row i).
    u.fill(0);
    for (let l = i; l < m; l++) {
      const yl = y[l * b + i]!;
      if (yl === 0) continue;
      for (let k = 0; k < i; k++) u[k] = u[k]! + y[l * b + k]! * yl;
    }
    // T[0:i, i] = −τ_i T[0:i, 0:i] u.
    for (let r = 0; r < i; r++) {
      let s = 0;
      for (let k = r; k < i; k++) s += t[r * b + k]! * u[k]!;
      t[r * b + i] = -ti * s;
    }
  }
  return t;
}

/** Z ← Q·Z in place for Z n × c row-major (Q from `tridiagonalizeBlocked`), one block product per panel. */
export async function applyReflectorsBlocked(panels: readonly ReflectorPanel[], z: Float64Array, n: number, c: number, kernels: EighKernels = {}): Promise<void> {
  const minSize = kernels.minSize ?? 96;
  for (let p = panels.length - 1; p >= 0; p--) {
    const panel = panels[p]!;
    const r0 = panel.j0 + 1;
    const m = n - r0;
    const t = panelT(panel, m);
    const sub = z.subarray(r0 * c, n * c);
    if (kernels.blockReflector && m >= minSize) {
      const out = await kernels.blockReflector(sub.slice(), panel.y, t, m, c, panel.b);
      sub.set(out);
    } else blockReflectorJs(sub, panel.y, t, m, c, panel.b);
  }
}

/**
 * The same decomposition as `eigh` for large n, with the O(n³) work in blocks: blocked Householder
 * tridiagonalisation (rank-2b trailing updates via `kernels.syr2k`), eigenvalues of the tridiagonal by QL
 * without vectors, its eigenvectors by inverse iteration (QL with rotations if that fails its residual check),
 * and the back-transformation by compact-WY panel products (`kernels.blockReflector`). Without kernels every
 * step runs in TypeScript.
 */
export async function eighBlocked(a: ArrayLike<number>, n: number, kernels: EighKernels = {}, options: { order?: 'descending' | 'ascending'; blockSize?: number } = {}): Promise<EighResult> {
  if (a.length !== n * n) throw new Error(`eigh: expected ${n * n} entries for a ${n} × ${n} matrix, got ${a.length}.`);
  if (n < 32) return eigh(a, n, options);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new Error(`eigh: entry ${i} of the matrix is ${a[i]}; the matrix must be finite.`);
  }
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  const { diag, off, panels } = await tridiagonalizeBlocked(w, n, kernels, options.blockSize ?? 32);
  // Eigenvalues of T (QL without vectors).
  const d = diag.slice();
  const e = new Float64Array(n);
  e.set(off, 1);
  tql2(new Float64Array(0), d, e, n, false);
  const asc = Float64Array.from(d).sort();
  let zRows = tridiagonalEigenvectors(diag, off, asc);
  let values = asc;
  if (!zRows) {
    // QL with rotations on the identity: columns of zc are T's eigenvectors.
    const zc = new Float64Array(n * n);
    for (let i = 0; i < n; i++) zc[i * n + i] = 1;
    const d2 = diag.slice();
    const e2 = new Float64Array(n);
    e2.set(off, 1);
    tql2(zc, d2, e2, n, true); // column-major image: vector i is zc[i·n …]
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d2[x]! - d2[y]!);
    values = Float64Array.from(order, (i) => d2[i]!);
    zRows = new Float64Array(n * n);
    for (let r = 0; r < n; r++) zRows.set(zc.subarray(order[r]! * n, order[r]! * n + n), r * n);
  }
  // Coordinates as rows (Zc = Zᵀ), back-transform, then eigenvectors as rows again.
  const zc = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) zc[j * n + i] = zRows[i * n + j]!;
  await applyReflectorsBlocked(panels, zc, n, n, kernels);
  const desc = (options.order ?? 'descending') === 'descending';
  const outValues = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const src = desc ? n - 1 - r : r;
    outValues[r] = values[src]!;
    for (let j = 0; j < n; j++) vectors[r * n + j] = zc[j * n + src]!;
  }
  return { values: outValues, vectors };
}
