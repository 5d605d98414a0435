// Non-negative matrix factorisation X ≈ W·H (Frobenius loss), for activations that are never negative (after a
// ReLU). H (m × d, the components) is fitted with the data in passes; W (rows × m) is per row, so it is kept in
// memory when rows × m × 4 bytes fits under `memoryCapBytes` (warm-started each pass) and otherwise recomputed for
// each block from the initialisation. Each pass: for each block, P = X·Hᵀ on onnxruntime, then `innerIter`
// updates of the block's W with H fixed (HALS coordinate descent — scikit-learn's 'cd' — or multiplicative
// updates), then the statistics A = WᵀW and B = WᵀX (onnxruntime); after the pass, `innerIter` updates of H
// from (A, B). The loss ‖X − WH‖² = ‖X‖² − 2⟨B, H⟩ + ⟨A, HHᵀ⟩ comes from the same statistics; the fit stops when a
// pass improves it by less than tol × the initial loss. Init: NNDSVD / NNDSVDa (Boutsidis & Gallopoulos 2008, from
// the eigenvectors of the uncentred Gram matrix) or scikit-learn's scaled |N(0,1)| random init, per row seeded
// by the row's index so the result does not depend on how the stream cuts its blocks.
// encode solves the non-negative least-squares problem for each row with H fixed (HALS, `encodeIter` sweeps).
import { normalizeRows } from '../linalg/dense';
import { affineProject, affineReconstruct, eighAuto, matmulABt, matmulAtB } from '../linalg/ort';
import { streamMoments } from '../linalg/moments';
import { Rng } from '../util/random';
import {
  BasisDataError,
  BasisParamError,
  checkDim,
  checkInput,
  checkRows,
  enumParam,
  getTensor,
  intParam,
  mapRowChunks,
  notFitted,
  numParam,
  tensor,
} from './classical-common';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from './types';
import { defaultFor, numDefault, optDefault, type BasisSpec } from './param-spec';

export interface NmfParams {
  /** Number of components m (default d). */
  nComponents?: number;
  solver?: 'hals' | 'mu';
  init?: 'nndsvda' | 'nndsvd' | 'random';
  maxIter?: number;
  tol?: number;
  /** W updates per block per pass, and H updates per pass (default 5). */
  innerIter?: number;
  /** HALS sweeps for encode's non-negative least squares (default 100). */
  encodeIter?: number;
  memoryCapBytes?: number;
}

/** The activations hold negative values, which NMF cannot represent. */
export class NegativeActivationsError extends BasisDataError {
  constructor(
    readonly unit: number,
    readonly value: number,
  ) {
    super(
      'basis.nmf-negative',
      `NMF needs non-negative activations, but unit ${unit} reaches ${formatNumber(value)}; harvest after a ReLU or choose another method.`,
    );
    this.name = 'NegativeActivationsError';
  }
}

function formatNumber(v: number): string {
  const s = Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(1);
  return s.replace('-', '−');
}

const EPS = 1e-12;
const CHUNK = 8192;

interface Init {
  kind: 'nndsvda' | 'nndsvd' | 'random';
  avg: number;
  /** NNDSVD: projection rows V/σ (m × d), per-component sign (+1, −1, 0 = abs) and coefficient. */
  proj?: Float32Array;
  sign?: Int8Array;
  coef?: Float64Array;
}

export class NmfBasis implements Basis {
  readonly method = 'nmf' as const;
  readonly params: Record<string, unknown>;
  private readonly m: number;
  private readonly solver: 'hals' | 'mu';
  private readonly init: 'nndsvda' | 'nndsvd' | 'random';
  private readonly maxIter: number;
  private readonly tol: number;
  private readonly innerIter: number;
  private readonly encodeIter: number;
  private readonly memoryCapBytes: number;
  private h: Float32Array | null = null;
  private readonly zero: Float32Array;
  /** Final ‖X − WH‖²_F and passes used. */
  loss = NaN;
  nIter = 0;

  constructor(
    params: NmfParams,
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    const p = params as Record<string, unknown>;
    this.m = intParam(p, 'nComponents', defaultFor(nmfSpec, 'nFeatures', dim) as number, 1, 'number of NMF components');
    this.solver = enumParam(p, 'solver', optDefault<'hals' | 'mu'>(nmfSpec, 'solver'), ['hals', 'mu'] as const, 'NMF solver');
    this.init = enumParam(p, 'init', 'nndsvda', ['nndsvda', 'nndsvd', 'random'] as const, 'NMF initialisation');
    if (this.init !== 'random' && this.m > dim) {
      throw new BasisParamError('basis.too-many-components', `NNDSVD initialisation can start at most ${dim} NMF components in ${dim} dimensions, but nComponents is ${this.m}; choose ${dim} or fewer, or init 'random'.`);
    }
    this.maxIter = intParam(p, 'maxIter', numDefault(nmfSpec, 'maxIter'), 1, 'maximum number of passes');
    this.tol = numParam(p, 'tol', 1e-4, -1, 'tolerance');
    this.innerIter = intParam(p, 'innerIter', 5, 1, 'number of inner updates');
    this.encodeIter = intParam(p, 'encodeIter', 100, 1, 'number of encoding sweeps');
    this.memoryCapBytes = numParam(p, 'memoryCapBytes', 512 * 1024 * 1024, -1, 'memory cap');
    this.params = { nComponents: this.m, solver: this.solver, init: this.init, maxIter: this.maxIter, tol: this.tol, innerIter: this.innerIter, encodeIter: this.encodeIter };
    this.zero = new Float32Array(dim);
  }

  get nFeatures(): number {
    return this.m;
  }

  get components(): Float32Array {
    if (!this.h) throw notFitted('NMF');
    return this.h.slice();
  }

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    const d = this.dim;
    const m = this.m;
    if (stream.dim !== d) throw new Error(`NMF basis of dim ${d} fitted on a stream of dim ${stream.dim}.`);
    checkRows('NMF', 1, stream.rows, 'a factorisation');
    // Pass 1: non-negativity, mean, uncentred Gram (for NNDSVD) and ‖X‖².
    const mom = await streamMoments(stream, ctx, { trackMin: true, precision: 'float64', progress: (f) => ctx.progress({ fraction: 0.02 * f, message: 'Checking activations' }) });
    for (let j = 0; j < d; j++) if (mom.min[j]! < 0) throw new NegativeActivationsError(j, mom.min[j]!);
    const n = mom.rows;
    const gram = mom.scatter;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) gram[i * d + j] = gram[i * d + j]! + n * mom.mean[i]! * mom.mean[j]!;
    let xNorm2 = 0;
    let xMean = 0;
    for (let j = 0; j < d; j++) {
      xNorm2 += gram[j * d + j]!;
      xMean += mom.mean[j]!;
    }
    xMean /= d;
    if (xNorm2 === 0) throw new BasisDataError('basis.nmf-zero', 'NMF cannot factorise activations that are all zero; harvest a layer or stimuli that activate it.');

    // Initialisation of H and of the per-row W.
    const init: Init = { kind: this.init, avg: Math.sqrt(xMean / m) };
    const h = new Float64Array(m * d);
    if (this.init === 'random') {
      const rng = new Rng(this.seed);
      for (let i = 0; i < m * d; i++) h[i] = init.avg * Math.abs(rng.normal());
    } else {
      init.avg = xMean;
      const { values, vectors } = await eighAuto(gram, d);
      const sigma = Array.from(values.subarray(0, m), (v) => Math.sqrt(Math.max(v, 0)));
      const proj = new Float32Array(m * d);
      for (let j = 0; j < m; j++) for (let t = 0; t < d; t++) proj[j * d + t] = sigma[j]! > 0 ? vectors[j * d + t]! / sigma[j]! : 0;
      // Norms of the positive and negative parts of u_j = X v_j / σ_j (one pass).
      const up = new Float64Array(m);
      const un = new Float64Array(m);
      for await (const block of stream.blocks()) {
        ctx.throwIfCancelled();
        const u = await mapRowChunks(block.data, block.rowCount, d, m, (c, r) => affineProject(c, r, d, this.zero, proj, m), CHUNK);
        for (let i = 0; i < block.rowCount; i++) {
          for (let j = 0; j < m; j++) {
            const v = u[i * m + j]!;
            if (v > 0) up[j] = up[j]! + v * v;
            else un[j] = un[j]! + v * v;
          }
        }
      }
      const sign = new Int8Array(m);
      const coef = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const y = vectors.subarray(j * d, j * d + d);
        if (j === 0) {
          sign[j] = 0;
          coef[j] = Math.sqrt(sigma[0]!);
          for (let t = 0; t < d; t++) h[t] = Math.sqrt(sigma[0]!) * Math.abs(y[t]!);
          continue;
        }
        let yp = 0;
        let yn = 0;
        for (let t = 0; t < d; t++) {
          if (y[t]! > 0) yp += y[t]! ** 2;
          else yn += y[t]! ** 2;
        }
        const xp = Math.sqrt(up[j]!);
        const xn = Math.sqrt(un[j]!);
        yp = Math.sqrt(yp);
        yn = Math.sqrt(yn);
        const mp = xp * yp;
        const mn = xn * yn;
        const usePos = mp > mn;
        const s = usePos ? mp : mn;
        const lbd = Math.sqrt(sigma[j]! * s);
        const xn0 = usePos ? xp : xn;
        const yn0 = usePos ? yp : yn;
        sign[j] = usePos ? 1 : -1;
        coef[j] = xn0 > 0 ? lbd / xn0 : 0;
        for (let t = 0; t < d; t++) {
          const v = usePos ? Math.max(y[t]!, 0) : Math.max(-y[t]!, 0);
          h[j * d + t] = yn0 > 0 ? (lbd * v) / yn0 : 0;
        }
      }
      for (let i = 0; i < m * d; i++) {
        if (h[i]! < EPS) h[i] = this.init === 'nndsvda' ? xMean : 0;
      }
      Object.assign(init, { proj, sign, coef });
    }

    // W kept in memory when it fits.
    const keepW = n * m * 4 <= this.memoryCapBytes;
    const wAll = keepW ? new Float32Array(n * m) : null;
    let prevLoss = Infinity;
    let firstLoss = NaN;
    this.nIter = 0;
    for (let pass = 1; pass <= this.maxIter; pass++) {
      const h32 = Float32Array.from(h);
      const hht = gramRows(h, m, d);
      const a = new Float64Array(m * m);
      const bStat = new Float64Array(m * d);
      let row0 = 0;
      for await (const block of stream.blocks()) {
        ctx.throwIfCancelled();
        for (let r = 0; r < block.rowCount; r += CHUNK) {
          const rows = Math.min(CHUNK, block.rowCount - r);
          const x = block.data.subarray(r * d, (r + rows) * d);
          const p = await matmulABt(x, rows, d, h32, m);
          const globalRow = row0 + r;
          let w: Float32Array;
          if (wAll && pass > 1) {
            w = wAll.subarray(globalRow * m, (globalRow + rows) * m);
          } else {
            w = await this.initW(x, rows, globalRow, init);
            if (wAll) wAll.set(w, globalRow * m);
            if (wAll) w = wAll.subarray(globalRow * m, (globalRow + rows) * m);
          }
          for (let it = 0; it < this.innerIter; it++) {
            if (this.solver === 'hals') halsRows(w, p, hht, rows, m);
            else muRows(w, p, hht, rows, m);
          }
          const ata = await matmulAtB(w, rows, m, w, m);
          const atb = await matmulAtB(w, rows, m, x, d);
          for (let i = 0; i < m * m; i++) a[i] = a[i]! + ata[i]!;
          for (let i = 0; i < m * d; i++) bStat[i] = bStat[i]! + atb[i]!;
        }
        row0 += block.rowCount;
      }
      // Loss with the updated W and the current H.
      let bh = 0;
      for (let i = 0; i < m * d; i++) bh += bStat[i]! * h[i]!;
      let ahh = 0;
      for (let i = 0; i < m * m; i++) ahh += a[i]! * hht[i]!;
      const loss = Math.max(xNorm2 - 2 * bh + ahh, 0);
      if (pass === 1) firstLoss = loss;
      this.loss = loss;
      this.nIter = pass;
      ctx.progress({ fraction: 0.05 + (0.95 * pass) / this.maxIter, message: `NMF pass ${pass}`, done: pass, total: this.maxIter, unit: 'passes', live: { step: pass, loss, relativeError: Math.sqrt(loss / xNorm2) } });
      if (pass > 1 && (prevLoss - loss) / Math.max(firstLoss, EPS) < this.tol) break;
      prevLoss = loss;
      // H update from the statistics.
      for (let it = 0; it < this.innerIter; it++) {
        if (this.solver === 'hals') halsH(h, a, bStat, m, d);
        else muH(h, a, bStat, m, d);
      }
    }
    this.h = Float32Array.from(h);
    ctx.progress({ fraction: 1, message: `NMF done (relative error ${Math.sqrt(this.loss / xNorm2).toPrecision(3)})` });
  }

  /** Initial W for rows starting at global index `row0`. */
  private async initW(x: Float32Array, rows: number, row0: number, init: Init): Promise<Float32Array> {
    const m = this.m;
    const w = new Float32Array(rows * m);
    if (init.kind === 'random') {
      for (let i = 0; i < rows; i++) {
        const rng = Rng.stream(this.seed, 1, row0 + i);
        for (let j = 0; j < m; j++) w[i * m + j] = init.avg * Math.abs(rng.normal());
      }
      return w;
    }
    const u = await affineProject(x, rows, this.dim, this.zero, init.proj!, m);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < m; j++) {
        const s = init.sign![j]!;
        const v = u[i * m + j]!;
        let val = init.coef![j]! * (s === 0 ? Math.abs(v) : Math.max(s * v, 0));
        if (val < EPS) val = init.kind === 'nndsvda' ? init.avg : 0;
        w[i * m + j] = val;
      }
    }
    return w;
  }

  /** @internal */
  setComponents(h: Float32Array): this {
    this.h = h;
    return this;
  }

  /** Non-negative least squares for each row with H fixed: the row's feature activations W. */
  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.h) throw notFitted('NMF');
    checkInput('NMF', x, rows, this.dim);
    const h = this.h;
    const m = this.m;
    const d = this.dim;
    const hht = gramRows(h, m, d);
    return mapRowChunks(x, rows, d, m, async (c, r) => {
      const p = await matmulABt(c, r, d, h, m);
      // Start from the clipped diagonal solution, then HALS sweeps.
      const w = new Float32Array(r * m);
      for (let i = 0; i < r; i++) for (let j = 0; j < m; j++) w[i * m + j] = hht[j * m + j]! > 0 ? Math.max(p[i * m + j]! / hht[j * m + j]! / m, 0) : 0;
      for (let it = 0; it < this.encodeIter; it++) halsRows(w, p, hht, r, m);
      return w;
    }, CHUNK);
  }

  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.h) throw notFitted('NMF');
    checkInput('NMF', f, rows, this.m, 'feature');
    const h = this.h;
    return mapRowChunks(f, rows, this.m, this.dim, (c, r) => affineReconstruct(c, r, h, this.m, this.dim, this.zero));
  }

  directions(): Float32Array {
    if (!this.h) throw notFitted('NMF');
    return normalizeRows(this.h.slice(), this.m, this.dim) as Float32Array;
  }

  state(): BasisState {
    if (!this.h) throw notFitted('NMF');
    return { components: tensor([this.m, this.dim], this.h), loss: tensor([1], [this.loss]) };
  }
}

/** H·Hᵀ (m × m) in float64. */
function gramRows(h: ArrayLike<number>, m: number, d: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += h[i * d + t]! * h[j * d + t]!;
      g[i * m + j] = g[j * m + i] = s;
    }
  }
  return g;
}

/** One HALS sweep over the columns of W (rows × m) given P = X·Hᵀ and G = H·Hᵀ. */
function halsRows(w: Float32Array, p: Float32Array, g: Float64Array, rows: number, m: number): void {
  for (let i = 0; i < rows; i++) {
    const o = i * m;
    for (let j = 0; j < m; j++) {
      const gjj = g[j * m + j]!;
      if (gjj <= 0) continue;
      let s = 0;
      for (let l = 0; l < m; l++) s += w[o + l]! * g[l * m + j]!;
      const v = w[o + j]! + (p[o + j]! - s) / gjj;
      w[o + j] = v > 0 ? v : 0;
    }
  }
}

/** One multiplicative update of W: W ← W ⊙ P / (W·G). */
function muRows(w: Float32Array, p: Float32Array, g: Float64Array, rows: number, m: number): void {
  const den = new Float64Array(m);
  for (let i = 0; i < rows; i++) {
    const o = i * m;
    den.fill(0);
    for (let l = 0; l < m; l++) {
      const wl = w[o + l]!;
      if (wl === 0) continue;
      for (let j = 0; j < m; j++) den[j] = den[j]! + wl * g[l * m + j]!;
    }
    for (let j = 0; j < m; j++) w[o + j] = (w[o + j]! * Math.max(p[o + j]!, 0)) / (den[j]! + EPS);
  }
}

/** One HALS sweep over the rows of H (m × d) given A = WᵀW, B = WᵀX. */
function halsH(h: Float64Array, a: Float64Array, b: Float64Array, m: number, d: number): void {
  const row = new Float64Array(d);
  for (let j = 0; j < m; j++) {
    const ajj = a[j * m + j]!;
    if (ajj <= 0) continue;
    row.fill(0);
    for (let l = 0; l < m; l++) {
      const al = a[j * m + l]!;
      if (al === 0) continue;
      for (let t = 0; t < d; t++) row[t] = row[t]! + al * h[l * d + t]!;
    }
    for (let t = 0; t < d; t++) {
      const v = h[j * d + t]! + (b[j * d + t]! - row[t]!) / ajj;
      h[j * d + t] = v > 0 ? v : 0;
    }
  }
}

/** One multiplicative update of H: H ← H ⊙ B / (A·H). */
function muH(h: Float64Array, a: Float64Array, b: Float64Array, m: number, d: number): void {
  const den = new Float64Array(m * d);
  for (let j = 0; j < m; j++) {
    for (let l = 0; l < m; l++) {
      const al = a[j * m + l]!;
      if (al === 0) continue;
      for (let t = 0; t < d; t++) den[j * d + t] = den[j * d + t]! + al * h[l * d + t]!;
    }
  }
  for (let i = 0; i < m * d; i++) h[i] = (h[i]! * Math.max(b[i]!, 0)) / (den[i]! + EPS);
}

export const nmfSpec: BasisSpec = {
  params: [
    { key: 'nFeatures', kind: 'int', default: null, perDim: 1, min: 1, meaning: 'Number of non-negative components (default d)' },
    { key: 'solver', kind: 'enum', default: 'hals', options: ['hals', 'mu'], meaning: 'Hierarchical ALS or multiplicative updates' },
    { key: 'maxIter', kind: 'int', default: 200, min: 1, meaning: 'Maximum iterations' },
  ],
  tags: { trained: false, sweep: null },
};

export const nmfFactory: BasisFactory = {
  spec: nmfSpec,
  create: (params, seed, dim) => new NmfBasis(params as NmfParams, seed, dim),
  load(params, seed, state) {
    const c = getTensor(state, 'components', 'NMF', [null, null]);
    const [m, d] = c.shape as [number, number];
    const b = new NmfBasis({ ...(params as NmfParams), nComponents: m, ...(m > d ? { init: 'random' } : {}) }, seed, d);
    b.loss = state.loss?.data[0] ?? NaN;
    return b.setComponents(c.data.slice());
  },
};
