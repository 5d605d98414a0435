// Principal component analysis, after scikit-learn's PCA: centred, explained_variance_ with n − 1, components
// as rows sorted by variance. Two solvers over a stream:
//  - 'full': the d × d scatter matrix in one pass (block Gram matrices on onnxruntime, summed in float64), then
//    a dense symmetric eigendecomposition (Householder + implicit QL; for d ≥ 128 a blocked Householder
//    reduction with float64 rank-2b updates on onnxruntime, inverse iteration on the tridiagonal and a
//    compact-WY back-transformation; main/linalg/eigh).
//  - 'randomized': Halko, Martinsson & Tropp's range finder with power iterations, one pass per iteration, each
//    pass computing Xcᵀ(Xc·Q) on onnxruntime; a final Rayleigh–Ritz step on the l × l matrix (Xc·Q)ᵀ(Xc·Q).
// Signs follow scikit-learn ≥ 1.5 (largest-magnitude loading of each component positive).
import { eigh } from '../linalg/eigh';
import { flipRowSigns, matmul, orthonormalizeRows, transpose } from '../linalg/dense';
import { affineProject, affineReconstruct, eighAuto, rangeStats } from '../linalg/ort';
import { streamMoments } from '../linalg/moments';
import { Rng } from '../util/random';
import {
  boolParam,
  checkComponents,
  checkDim,
  checkInput,
  checkRows,
  enumParam,
  getTensor,
  intParam,
  mapRowChunks,
  notFitted,
  tensor,
  toF32,
} from './classical-common';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from './types';
import { optDefault, type BasisSpec } from './param-spec';

export interface PcaParams {
  /** Number of components (default min(rows, d), decided at fit). */
  nComponents?: number;
  solver?: 'full' | 'randomized';
  /** Divide encoded components by √explained variance (unit-variance features). */
  whiten?: boolean;
  /** Randomized solver: extra random directions (default 10) and power iterations (default 7 if k < 0.1·min(n, d), else 4). */
  nOversamples?: number;
  nIter?: number;
  /** Full solver: precision of the scatter-matrix GEMM (default 'float64'; 'float32' is faster but loses the
   * smallest eigenvalues of a wide spectrum to rounding). */
  precision?: 'float32' | 'float64';
}

interface PcaFit {
  mean: Float32Array;
  components: Float32Array; // k × d
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  nSamples: number;
}

export class PcaBasis implements Basis {
  readonly method = 'pca' as const;
  readonly params: Record<string, unknown>;
  private readonly requested: number | undefined;
  private readonly solver: 'full' | 'randomized';
  private readonly whiten: boolean;
  private readonly nOversamples: number;
  private readonly nIter: number | undefined;
  private readonly precision: 'float32' | 'float64';
  private fitted: PcaFit | null = null;
  private encodeMatrix: Float32Array | null = null;
  private decodeMatrix: Float32Array | null = null;

  constructor(
    params: PcaParams,
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    const p = params as Record<string, unknown>;
    this.requested = p.nComponents == null ? undefined : intParam(p, 'nComponents', undefined, 1, 'number of principal components');
    if (this.requested !== undefined) checkComponents('PCA', this.requested, dim);
    this.solver = enumParam(p, 'solver', optDefault<'full' | 'randomized'>(pcaSpec, 'solver'), ['full', 'randomized'] as const, 'PCA solver');
    this.whiten = boolParam(p, 'whiten', optDefault<boolean>(pcaSpec, 'whiten'));
    this.nOversamples = intParam(p, 'nOversamples', 10, 0, 'number of oversamples');
    this.precision = enumParam(p, 'precision', 'float64', ['float32', 'float64'] as const, 'PCA precision');
    this.nIter = p.nIter == null || p.nIter === 'auto' ? undefined : intParam(p, 'nIter', undefined, 0, 'number of power iterations');
    this.params = {
      nComponents: this.requested ?? null,
      solver: this.solver,
      whiten: this.whiten,
      ...(this.solver === 'randomized' ? { nOversamples: this.nOversamples, nIter: this.nIter ?? 'auto' } : { precision: this.precision }),
    };
  }

  get nFeatures(): number {
    return this.fitted ? this.fitted.explainedVariance.length : (this.requested ?? this.dim);
  }

  get mean(): Float32Array {
    if (!this.fitted) throw notFitted('PCA');
    return this.fitted.mean.slice();
  }
  get components(): Float32Array {
    if (!this.fitted) throw notFitted('PCA');
    return this.fitted.components.slice();
  }
  get explainedVariance(): Float64Array {
    if (!this.fitted) throw notFitted('PCA');
    return this.fitted.explainedVariance.slice();
  }
  get explainedVarianceRatio(): Float64Array {
    if (!this.fitted) throw notFitted('PCA');
    return this.fitted.explainedVarianceRatio.slice();
  }

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    if (stream.dim !== this.dim) throw new Error(`PCA basis of dim ${this.dim} fitted on a stream of dim ${stream.dim}.`);
    checkRows('PCA', 2, stream.rows, 'a variance');
    const k = this.requested ?? Math.min(stream.rows, this.dim);
    checkRows('PCA', k, stream.rows, `${k} components`);
    const fit = this.solver === 'full' ? await this.fitFull(stream, ctx, k) : await this.fitRandomized(stream, ctx, k);
    this.setFit(fit);
    ctx.progress({ fraction: 1, message: 'PCA done' });
  }

  private async fitFull(stream: ActivationStream, ctx: FitContext, k: number): Promise<PcaFit> {
    const d = this.dim;
    const mom = await streamMoments(stream, ctx, { precision: this.precision, progress: (f) => ctx.progress({ fraction: 0.9 * f, message: 'Covariance pass' }) });
    ctx.throwIfCancelled();
    const n = mom.rows;
    const cov = mom.scatter;
    for (let i = 0; i < d * d; i++) cov[i] = cov[i]! / (n - 1);
    let total = 0;
    for (let i = 0; i < d; i++) total += cov[i * d + i]!;
    const { values, vectors } = await eighAuto(cov, d);
    const comps = flipRowSigns(vectors.slice(0, k * d), k, d);
    const ev = new Float64Array(k);
    const ratio = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      ev[i] = Math.max(values[i]!, 0);
      ratio[i] = total > 0 ? ev[i]! / total : 0;
    }
    return { mean: toF32(mom.mean), components: toF32(comps), explainedVariance: ev, explainedVarianceRatio: ratio, nSamples: n };
  }

  private async fitRandomized(stream: ActivationStream, ctx: FitContext, k: number): Promise<PcaFit> {
    const d = this.dim;
    const l = Math.min(d, k + this.nOversamples);
    const nIter = this.nIter ?? (k < 0.1 * Math.min(stream.rows, d) ? 7 : 4);
    const passes = nIter + 2;
    // Pass 0: mean and total variance (shifted sums in float64).
    const sum = new Float64Array(d);
    const sq = new Float64Array(d);
    let shift: Float64Array | null = null;
    let n = 0;
    for await (const block of stream.blocks()) {
      ctx.throwIfCancelled();
      const x = block.data;
      if (!shift) {
        shift = new Float64Array(d);
        for (let j = 0; j < d; j++) shift[j] = x[j]!;
      }
      for (let r = 0; r < block.rowCount; r++) {
        const o = r * d;
        for (let j = 0; j < d; j++) {
          const v = x[o + j]! - shift[j]!;
          sum[j] = sum[j]! + v;
          sq[j] = sq[j]! + v * v;
        }
      }
      n += block.rowCount;
    }
    const mean64 = new Float64Array(d);
    let total = 0;
    for (let j = 0; j < d; j++) {
      mean64[j] = shift![j]! + sum[j]! / n;
      total += (sq[j]! - (sum[j]! * sum[j]!) / n) / (n - 1);
    }
    const mean = toF32(mean64);
    ctx.progress({ fraction: 1 / passes, message: 'Mean pass' });
    // Range finder: Q (stored as l × d orthonormal rows; fed as d × l).
    const rng = new Rng(this.seed);
    let qRows: Float64Array = new Float64Array(l * d);
    rng.fillNormal(qRows);
    orthonormalizeRows(qRows, l, d, rng);
    let yty = new Float64Array(l * l);
    for (let it = 0; it <= nIter; it++) {
      const qT = toF32(transpose(qRows, l, d)); // d × l
      const xty = new Float64Array(d * l);
      yty = new Float64Array(l * l);
      for await (const block of stream.blocks()) {
        ctx.throwIfCancelled();
        for (let r0 = 0; r0 < block.rowCount; r0 += 8192) {
          const m = Math.min(8192, block.rowCount - r0);
          const s = await rangeStats(block.data.subarray(r0 * d, (r0 + m) * d), m, d, mean, qT, l);
          for (let i = 0; i < d * l; i++) xty[i] = xty[i]! + s.xty[i]!;
          for (let i = 0; i < l * l; i++) yty[i] = yty[i]! + s.yty[i]!;
        }
      }
      ctx.progress({ fraction: (it + 2) / passes, message: `Power iteration ${it + 1} of ${nIter + 1}` });
      if (it < nIter) {
        qRows = transpose(xty, d, l); // l × d
        orthonormalizeRows(qRows, l, d, rng);
      }
    }
    // Rayleigh–Ritz: eigenvectors u of Qᵀ Xcᵀ Xc Q give components uᵀ Qᵀ.
    const { values, vectors } = eigh(yty, l);
    const comps = flipRowSigns(matmul(vectors.subarray(0, k * l), qRows, k, l, d), k, d);
    const ev = new Float64Array(k);
    const ratio = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      ev[i] = Math.max(values[i]!, 0) / (n - 1);
      ratio[i] = total > 0 ? ev[i]! / total : 0;
    }
    return { mean, components: toF32(comps), explainedVariance: ev, explainedVarianceRatio: ratio, nSamples: n };
  }

  /** @internal */
  setFit(fit: PcaFit): this {
    // Kept at float32 precision, as stored, so a loaded basis encodes bit-identically.
    fit.explainedVariance = Float64Array.from(Float32Array.from(fit.explainedVariance));
    fit.explainedVarianceRatio = Float64Array.from(Float32Array.from(fit.explainedVarianceRatio));
    this.fitted = fit;
    const k = fit.explainedVariance.length;
    const d = this.dim;
    const enc = fit.components.slice();
    const dec = fit.components.slice();
    if (this.whiten) {
      for (let i = 0; i < k; i++) {
        const s = Math.sqrt(fit.explainedVariance[i]!);
        const inv = s > 0 ? 1 / s : 0;
        for (let j = 0; j < d; j++) {
          enc[i * d + j] = enc[i * d + j]! * inv;
          dec[i * d + j] = dec[i * d + j]! * s;
        }
      }
    }
    this.encodeMatrix = enc;
    this.decodeMatrix = dec;
    return this;
  }

  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.fitted) throw notFitted('PCA');
    checkInput('PCA', x, rows, this.dim);
    const { mean } = this.fitted;
    const m = this.encodeMatrix!;
    const k = this.nFeatures;
    return mapRowChunks(x, rows, this.dim, k, (c, r) => affineProject(c, r, this.dim, mean, m, k));
  }

  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.fitted) throw notFitted('PCA');
    const k = this.nFeatures;
    checkInput('PCA', f, rows, k, 'feature');
    const { mean } = this.fitted;
    const m = this.decodeMatrix!;
    return mapRowChunks(f, rows, k, this.dim, (c, r) => affineReconstruct(c, r, m, k, this.dim, mean));
  }

  directions(): Float32Array {
    return this.components;
  }

  state(): BasisState {
    if (!this.fitted) throw notFitted('PCA');
    const f = this.fitted;
    const k = f.explainedVariance.length;
    return {
      mean: tensor([this.dim], f.mean),
      components: tensor([k, this.dim], f.components),
      explainedVariance: tensor([k], f.explainedVariance),
      explainedVarianceRatio: tensor([k], f.explainedVarianceRatio),
      nSamples: tensor([1], [f.nSamples]),
    };
  }
}

export const pcaSpec: BasisSpec = {
  params: [
    { key: 'nFeatures', kind: 'int', default: null, min: 1, meaning: 'Number of principal components (default: all, min(rows, d))' },
    { key: 'whiten', kind: 'bool', default: false, meaning: 'Scale components to unit variance' },
    { key: 'solver', kind: 'enum', default: 'full', options: ['full', 'randomized'], meaning: 'Exact eigendecomposition or randomized SVD' },
  ],
  tags: { trained: false, sweep: null },
};

export const pcaFactory: BasisFactory = {
  spec: pcaSpec,
  create: (params, seed, dim) => new PcaBasis(params as PcaParams, seed, dim),
  load(params, seed, state) {
    const comps = getTensor(state, 'components', 'PCA', [null, null]);
    const [k, d] = comps.shape as [number, number];
    const b = new PcaBasis({ ...(params as PcaParams), nComponents: k }, seed, d);
    return b.setFit({
      mean: getTensor(state, 'mean', 'PCA', [d]).data.slice(),
      components: comps.data.slice(),
      explainedVariance: Float64Array.from(getTensor(state, 'explainedVariance', 'PCA', [k]).data),
      explainedVarianceRatio: Float64Array.from(getTensor(state, 'explainedVarianceRatio', 'PCA', [k]).data),
      nSamples: state.nSamples?.data[0] ?? 0,
    });
  },
};
