// FastICA (Hyvärinen & Oja 2000), after scikit-learn's FastICA: PCA whitening to k unit-variance components
// (covariance with 1/n, as sklearn's whiten='unit-variance'), then fixed-point iterations with the logcosh
// (g = tanh(αu)) or cube (g = u³) nonlinearity, either all components at once with symmetric decorrelation
// W ← (WWᵀ)^{-1/2} W ('parallel', also accepted as 'symmetric') or one at a time with Gram–Schmidt deflation.
// Convergence: parallel stops when max_i | |⟨w_i⁺, w_i⟩| − 1 | < tol, deflation per component likewise.
//
// Each iteration needs E[g(Wz) zᵀ] and E[g'(Wz)] over all rows: one onnxruntime graph per row chunk. The
// whitened rows are kept in memory when rows × k × 4 bytes is below `memoryCapBytes` (default 512 MB);
// otherwise every iteration streams the activations again and whitens each block on the fly.
import { inverseSqrtSymmetric } from '../linalg/eigh';
import { matmul, normalizeRows } from '../linalg/dense';
import { affineProject, affineReconstruct, eighAuto, icaStats, type IcaFun } from '../linalg/ort';
import { streamMoments } from '../linalg/moments';
import { Rng } from '../util/random';
import {
  BasisDataError,
  checkComponents,
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
  toF32,
} from './classical-common';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from './types';
import { defaultFor, numDefault, optDefault, type BasisSpec } from './param-spec';

export interface IcaParams {
  /** Number of independent components k ≤ d (default d). */
  nComponents?: number;
  fun?: IcaFun;
  /** logcosh's α in [1, 2] (default 1). */
  alpha?: number;
  algorithm?: 'parallel' | 'symmetric' | 'deflation';
  tol?: number;
  maxIter?: number;
  /** Keep whitened rows in memory up to this many bytes (default 512 MB); stream the data each iteration otherwise. */
  memoryCapBytes?: number;
}

interface IcaFit {
  mean: Float32Array;
  unmixing: Float32Array; // k × d: sources = (x − mean)·unmixingᵀ
  mixing: Float32Array; // k × d: x = sources·mixing + mean
  nIter: number;
}

const CHUNK = 65536;

export class IcaBasis implements Basis {
  readonly method = 'ica' as const;
  readonly params: Record<string, unknown>;
  private readonly k: number;
  private readonly fun: IcaFun;
  private readonly alpha: number;
  private readonly algorithm: 'parallel' | 'deflation';
  private readonly tol: number;
  private readonly maxIter: number;
  private readonly memoryCapBytes: number;
  private fitted: IcaFit | null = null;
  /** Iterations used by the last fit (parallel) or the most any component used (deflation). */
  nIter = 0;
  converged = false;

  constructor(
    params: IcaParams,
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    const p = params as Record<string, unknown>;
    this.k = intParam(p, 'nComponents', defaultFor(icaSpec, 'nFeatures', dim) as number, 1, 'number of independent components');
    checkComponents('ICA', this.k, dim);
    this.fun = enumParam(p, 'fun', optDefault<'logcosh' | 'cube'>(icaSpec, 'fun'), ['logcosh', 'cube'] as const, 'ICA nonlinearity');
    this.alpha = numParam(p, 'alpha', 1, 0, 'logcosh alpha');
    const alg = enumParam(p, 'algorithm', optDefault<'parallel' | 'symmetric' | 'deflation'>(icaSpec, 'algorithm'), ['parallel', 'symmetric', 'deflation'] as const, 'ICA algorithm');
    this.algorithm = alg === 'deflation' ? 'deflation' : 'parallel';
    this.tol = numParam(p, 'tol', numDefault(icaSpec, 'tol'), 0, 'tolerance');
    this.maxIter = intParam(p, 'maxIter', numDefault(icaSpec, 'maxIter'), 1, 'maximum number of iterations');
    this.memoryCapBytes = numParam(p, 'memoryCapBytes', 512 * 1024 * 1024, -1, 'memory cap');
    this.params = { nComponents: this.k, fun: this.fun, alpha: this.alpha, algorithm: this.algorithm, tol: this.tol, maxIter: this.maxIter };
  }

  get nFeatures(): number {
    return this.k;
  }

  get unmixing(): Float32Array {
    if (!this.fitted) throw notFitted('ICA');
    return this.fitted.unmixing.slice();
  }
  get mixing(): Float32Array {
    if (!this.fitted) throw notFitted('ICA');
    return this.fitted.mixing.slice();
  }

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    const d = this.dim;
    const k = this.k;
    if (stream.dim !== d) throw new Error(`ICA basis of dim ${d} fitted on a stream of dim ${stream.dim}.`);
    checkRows('ICA', Math.max(2, k), stream.rows, `${k} components`);
    // 1. Whitening from the covariance (1/n).
    const mom = await streamMoments(stream, ctx, { precision: 'float64', progress: (f) => ctx.progress({ fraction: 0.05 * f, message: 'Whitening pass' }) });
    const n = mom.rows;
    const cov = mom.scatter;
    for (let i = 0; i < d * d; i++) cov[i] = cov[i]! / n;
    const { values, vectors } = await eighAuto(cov, d);
    if (!(values[k - 1]! > 1e-12 * Math.max(values[0]!, 1e-300))) {
      throw new BasisDataError(
        'basis.ica-rank',
        `ICA needs ${k} directions with non-zero variance, but the activations span only ${values.filter((v) => v > 1e-12 * values[0]!).length}; choose fewer components.`,
      );
    }
    const whiten = new Float64Array(k * d); // K = Λ^{-1/2} Eᵀ
    const dewhiten = new Float64Array(k * d); // Λ^{1/2} Eᵀ
    for (let i = 0; i < k; i++) {
      const s = Math.sqrt(values[i]!);
      for (let j = 0; j < d; j++) {
        whiten[i * d + j] = vectors[i * d + j]! / s;
        dewhiten[i * d + j] = vectors[i * d + j]! * s;
      }
    }
    const mean = toF32(mom.mean);
    const whiten32 = toF32(whiten);

    // 2. Whitened rows in memory, or a streaming statistics function.
    let z: Float32Array | null = null;
    if (n * k * 4 <= this.memoryCapBytes) {
      z = new Float32Array(n * k);
      let r = 0;
      for await (const block of stream.blocks()) {
        ctx.throwIfCancelled();
        const zb = await mapRowChunks(block.data, block.rowCount, d, k, (c, m) => affineProject(c, m, d, mean, whiten32, k), CHUNK);
        z.set(zb, r * k);
        r += block.rowCount;
      }
    }
    const stats = async (w: Float64Array, c: number): Promise<{ gz: Float64Array; gp: Float64Array }> => {
      const w32 = toF32(w);
      const gz = new Float64Array(c * k);
      const gp = new Float64Array(c);
      const add = (s: { gz: Float32Array; gp: Float32Array }): void => {
        for (let i = 0; i < c * k; i++) gz[i] = gz[i]! + s.gz[i]!;
        for (let i = 0; i < c; i++) gp[i] = gp[i]! + s.gp[i]!;
      };
      if (z) {
        for (let r = 0; r < n; r += CHUNK) {
          const m = Math.min(CHUNK, n - r);
          add(await icaStats(z.subarray(r * k, (r + m) * k), m, k, w32, c, this.fun, this.alpha));
        }
      } else {
        for await (const block of stream.blocks()) {
          ctx.throwIfCancelled();
          for (let r = 0; r < block.rowCount; r += CHUNK) {
            const m = Math.min(CHUNK, block.rowCount - r);
            const zb = await affineProject(block.data.subarray(r * d, (r + m) * d), m, d, mean, whiten32, k);
            add(await icaStats(zb, m, k, w32, c, this.fun, this.alpha));
          }
        }
      }
      for (let i = 0; i < c * k; i++) gz[i] = gz[i]! / n;
      for (let i = 0; i < c; i++) gp[i] = gp[i]! / n;
      return { gz, gp };
    };

    // 3. Fixed-point iterations.
    const rng = new Rng(this.seed);
    const wInit = new Float64Array(k * k);
    rng.fillNormal(wInit);
    const w = this.algorithm === 'parallel' ? await this.parallel(wInit, stats, ctx) : await this.deflation(wInit, stats, ctx);

    // 4. Back to activation space.
    const unmixing = matmul(w, whiten, k, k, d);
    const mixing = matmul(w, dewhiten, k, k, d); // W orthogonal: (W K)⁺ = Kᵀ(KKᵀ)⁻¹Wᵀ, rows = W Λ^{1/2} Eᵀ
    this.setFit({ mean, unmixing: toF32(unmixing), mixing: toF32(mixing), nIter: this.nIter });
    ctx.progress({ fraction: 1, message: this.converged ? `FastICA converged in ${this.nIter} iterations` : `FastICA stopped after ${this.maxIter} iterations without converging` });
  }

  private async parallel(
    wInit: Float64Array,
    stats: (w: Float64Array, c: number) => Promise<{ gz: Float64Array; gp: Float64Array }>,
    ctx: FitContext,
  ): Promise<Float64Array> {
    const k = this.k;
    let w = symDecorrelate(wInit, k);
    this.converged = false;
    for (let it = 1; it <= this.maxIter; it++) {
      ctx.throwIfCancelled();
      const { gz, gp } = await stats(w, k);
      const w1 = new Float64Array(k * k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) w1[i * k + j] = gz[i * k + j]! - gp[i]! * w[i * k + j]!;
      const wn = symDecorrelate(w1, k);
      let lim = 0;
      for (let i = 0; i < k; i++) {
        let dot = 0;
        for (let j = 0; j < k; j++) dot += wn[i * k + j]! * w[i * k + j]!;
        lim = Math.max(lim, Math.abs(Math.abs(dot) - 1));
      }
      w = wn;
      this.nIter = it;
      ctx.progress({ fraction: 0.05 + (0.95 * it) / this.maxIter, message: `FastICA iteration ${it}`, done: it, total: this.maxIter, unit: 'iterations', live: { step: it, change: lim } });
      if (lim < this.tol) {
        this.converged = true;
        break;
      }
    }
    return w;
  }

  private async deflation(
    wInit: Float64Array,
    stats: (w: Float64Array, c: number) => Promise<{ gz: Float64Array; gp: Float64Array }>,
    ctx: FitContext,
  ): Promise<Float64Array> {
    const k = this.k;
    const w = new Float64Array(k * k);
    this.converged = true;
    this.nIter = 0;
    const orth = (v: Float64Array, upto: number): void => {
      // v ← v − Σ_{i<upto} (v·w_i) w_i, then unit norm.
      for (let i = 0; i < upto; i++) {
        let dot = 0;
        for (let j = 0; j < k; j++) dot += v[j]! * w[i * k + j]!;
        for (let j = 0; j < k; j++) v[j] = v[j]! - dot * w[i * k + j]!;
      }
      let s = 0;
      for (let j = 0; j < k; j++) s += v[j]! * v[j]!;
      s = Math.sqrt(s);
      for (let j = 0; j < k; j++) v[j] = v[j]! / s;
    };
    for (let c = 0; c < k; c++) {
      let v = wInit.slice(c * k, c * k + k);
      orth(v, c);
      let done = false;
      let it = 0;
      for (it = 1; it <= this.maxIter; it++) {
        ctx.throwIfCancelled();
        const { gz, gp } = await stats(v, 1);
        const v1 = new Float64Array(k);
        for (let j = 0; j < k; j++) v1[j] = gz[j]! - gp[0]! * v[j]!;
        orth(v1, c);
        let dot = 0;
        for (let j = 0; j < k; j++) dot += v1[j]! * v[j]!;
        v = v1;
        if (Math.abs(Math.abs(dot) - 1) < this.tol) {
          done = true;
          break;
        }
      }
      this.nIter = Math.max(this.nIter, Math.min(it, this.maxIter));
      if (!done) this.converged = false;
      w.set(v, c * k);
      ctx.progress({ fraction: 0.05 + (0.95 * (c + 1)) / k, message: `FastICA component ${c + 1} of ${k}`, done: c + 1, total: k, unit: 'components' });
    }
    return w;
  }

  /** @internal */
  setFit(fit: IcaFit): this {
    this.fitted = fit;
    this.nIter = fit.nIter;
    return this;
  }

  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.fitted) throw notFitted('ICA');
    checkInput('ICA', x, rows, this.dim);
    const f = this.fitted;
    return mapRowChunks(x, rows, this.dim, this.k, (c, m) => affineProject(c, m, this.dim, f.mean, f.unmixing, this.k));
  }

  async decode(s: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.fitted) throw notFitted('ICA');
    checkInput('ICA', s, rows, this.k, 'feature');
    const f = this.fitted;
    return mapRowChunks(s, rows, this.k, this.dim, (c, m) => affineReconstruct(c, m, f.mixing, this.k, this.dim, f.mean));
  }

  directions(): Float32Array {
    if (!this.fitted) throw notFitted('ICA');
    return normalizeRows(this.fitted.unmixing.slice(), this.k, this.dim) as Float32Array;
  }

  state(): BasisState {
    if (!this.fitted) throw notFitted('ICA');
    const f = this.fitted;
    return {
      mean: tensor([this.dim], f.mean),
      unmixing: tensor([this.k, this.dim], f.unmixing),
      mixing: tensor([this.k, this.dim], f.mixing),
      nIter: tensor([1], [f.nIter]),
    };
  }
}

/** W ← (W Wᵀ)^{-1/2} W. */
export function symDecorrelate(w: Float64Array, k: number): Float64Array {
  const wwt = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += w[i * k + t]! * w[j * k + t]!;
      wwt[i * k + j] = wwt[j * k + i] = s;
    }
  }
  return matmul(inverseSqrtSymmetric(wwt, k), w, k, k, k);
}

export const icaSpec: BasisSpec = {
  params: [
    { key: 'nFeatures', kind: 'int', default: null, perDim: 1, min: 1, meaning: 'Number of independent components (≤ d; default d)' },
    { key: 'fun', kind: 'enum', default: 'logcosh', options: ['logcosh', 'cube'], meaning: 'Contrast function (non-Gaussianity measure)' },
    { key: 'algorithm', kind: 'enum', default: 'parallel', options: ['parallel', 'deflation'], meaning: 'All components at once, or one after another' },
    { key: 'maxIter', kind: 'int', default: 200, min: 1, meaning: 'Maximum fixed-point iterations' },
    { key: 'tol', kind: 'number', default: 1e-4, min: 0, meaning: 'Convergence tolerance' },
  ],
  tags: { trained: false, sweep: null },
};

export const icaFactory: BasisFactory = {
  spec: icaSpec,
  create: (params, seed, dim) => new IcaBasis(params as IcaParams, seed, dim),
  load(params, seed, state) {
    const u = getTensor(state, 'unmixing', 'ICA', [null, null]);
    const [k, d] = u.shape as [number, number];
    const b = new IcaBasis({ ...(params as IcaParams), nComponents: k }, seed, d);
    return b.setFit({
      mean: getTensor(state, 'mean', 'ICA', [d]).data.slice(),
      unmixing: u.data.slice(),
      mixing: getTensor(state, 'mixing', 'ICA', [k, d]).data.slice(),
      nIter: state.nIter?.data[0] ?? 0,
    });
  },
};
