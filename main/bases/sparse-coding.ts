// Classical sparse coding (Olshausen & Field; Mairal et al. 2009's online dictionary learning, as scikit-learn's
// MiniBatchDictionaryLearning): codes are inferred per row by an optimiser rather than an encoder — the lasso
// min ½‖x − c·D‖² + α‖c‖₁ by FISTA, or a fixed number of atoms by orthogonal matching pursuit — and the dictionary
// D (m × d, unit rows) is updated by block coordinate descent from the running statistics A = Σ cᵀc and B = Σ cᵀx,
// forgotten at scikit-learn's rate. Mini-batches are fixed runs of consecutive rows by global index, so the fit does
// not depend on how the stream cuts its blocks. The big products (X·Dᵀ, C·G) run on onnxruntime, the lasso's whole
// FISTA iteration in one call (sparse-coding-fista.ts).
import { normalizeRows } from '../linalg/dense';
import { affineReconstruct, matmulABt, matmulAtB } from '../linalg/ort';
import { Rng } from '../util/random';
import { fistaCodes } from './sparse-coding-fista'; // h12bench
import { BasisParamError, checkDim, checkInput, checkRows, enumParam, getTensor, intParam, mapRowChunks, notFitted, numParam, tensor } from './classical-common';
import { defaultFor, numDefault, optDefault, type BasisSpec } from './param-spec';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from './types';

export interface SparseCodingParams {
  /** Number of atoms m (default d). */
  nComponents?: number;
  /** 'lasso' (FISTA) or 'omp' (nNonzero atoms per row), for fitting and encoding alike. */
  algorithm?: 'lasso' | 'omp';
  /** Lasso penalty α (default 0.1). */
  alpha?: number;
  /** Atoms per row for OMP (default max(1, round(m/10))). */
  nNonzero?: number;
  batchSize?: number;
  /** Passes over the data (default 3). */
  maxIter?: number;
  /** FISTA iterations per batch (default 50). */
  lassoIter?: number;
}

const CHUNK = 4096;

export class SparseCodingBasis implements Basis {
  readonly method = 'sparse-coding' as const;
  readonly params: Record<string, unknown>;
  private readonly m: number;
  private readonly algorithm: 'lasso' | 'omp';
  private readonly alpha: number;
  private readonly nNonzero: number;
  private readonly batchSize: number;
  private readonly maxIter: number;
  private readonly lassoIter: number;
  private dict: Float32Array | null = null;
  private readonly zero: Float32Array;

  constructor(
    params: SparseCodingParams,
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    const p = params as Record<string, unknown>;
    this.m = intParam(p, 'nComponents', defaultFor(sparseCodingSpec, 'nFeatures', dim) as number, 1, 'number of atoms');
    this.algorithm = enumParam(p, 'algorithm', optDefault<'lasso' | 'omp'>(sparseCodingSpec, 'algorithm'), ['lasso', 'omp'] as const, 'sparse-coding algorithm');
    this.alpha = numParam(p, 'alpha', numDefault(sparseCodingSpec, 'alpha'), 0, 'lasso penalty');
    this.nNonzero = intParam(p, 'nNonzero', Math.max(1, Math.round(this.m / 10)), 1, 'number of atoms per row');
    if (this.nNonzero > Math.min(this.m, dim)) {
      throw new BasisParamError('basis.param-invalid', `OMP can select at most ${Math.min(this.m, dim)} atoms per row here, but nNonzero is ${this.nNonzero}.`);
    }
    this.batchSize = intParam(p, 'batchSize', numDefault(sparseCodingSpec, 'batchSize'), 1, 'batch size');
    this.maxIter = intParam(p, 'maxIter', numDefault(sparseCodingSpec, 'maxIter'), 1, 'number of passes');
    this.lassoIter = intParam(p, 'lassoIter', numDefault(sparseCodingSpec, 'lassoIter'), 1, 'number of FISTA iterations');
    this.params = { nComponents: this.m, algorithm: this.algorithm, alpha: this.alpha, nNonzero: this.nNonzero, batchSize: this.batchSize, maxIter: this.maxIter, lassoIter: this.lassoIter };
    this.zero = new Float32Array(dim);
  }

  get nFeatures(): number {
    return this.m;
  }

  /** @internal */
  setDictionary(d: Float32Array): this {
    this.dict = d;
    return this;
  }

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    const d = this.dim;
    const m = this.m;
    if (stream.dim !== d) throw new Error(`sparse-coding basis of dim ${d} fitted on a stream of dim ${stream.dim}.`);
    checkRows('Sparse coding', Math.min(m, this.batchSize), stream.rows, 'its dictionary');
    // Init: the first m rows (unit length), seeded Gaussian rows where a row is zero or the harvest is shorter.
    const dict = new Float64Array(m * d);
    let got = 0;
    for await (const block of stream.blocks()) {
      const take = Math.min(m - got, block.rowCount);
      for (let i = 0; i < take * d; i++) dict[got * d + i] = block.data[i]!;
      got += take;
      if (got >= m) break;
    }
    const rng = new Rng(this.seed);
    for (let k = 0; k < m; k++) unitOrRandom(dict, k, d, rng);
    const a = new Float64Array(m * m);
    const b = new Float64Array(m * d);
    const bs = this.batchSize;
    const buf = new Float32Array(bs * d);
    const batchesPerPass = Math.ceil(stream.rows / bs);
    const total = batchesPerPass * this.maxIter;
    let step = 0;
    const codeSum = new Float64Array(m);
    // h12bench: each batch's power iteration starts from the last one's top eigenvector (the dictionary moves little).
    const eigenStart = new Float64Array(m).fill(1 / Math.sqrt(m));
    for (let pass = 0; pass < this.maxIter; pass++) {
      let fill = 0;
      const runBatch = async (rows: number): Promise<void> => {
        ctx.throwIfCancelled();
        const x = buf.subarray(0, rows * d);
        const d32 = Float32Array.from(dict);
        const codes = await this.infer(x, rows, d32, eigenStart);
        // scikit-learn's forgetting factor for the sufficient statistics.
        const theta = step < bs - 1 ? (step + 1) * bs : bs * bs + step + 1 - bs;
        const beta = (theta + 1 - bs) / (theta + 1);
        if (pass === this.maxIter - 1) for (let i = 0; i < rows * m; i++) codeSum[i % m] = codeSum[i % m]! + codes[i]!;
        const ctc = await matmulAtB(codes, rows, m, codes, m);
        const ctx_ = await matmulAtB(codes, rows, m, x, d);
        for (let i = 0; i < m * m; i++) a[i] = beta * a[i]! + ctc[i]!;
        for (let i = 0; i < m * d; i++) b[i] = beta * b[i]! + ctx_[i]!;
        updateDict(dict, a, b, m, d, x, rows, rng);
        step++;
        if (step % 10 === 0 || step === total) ctx.progress({ fraction: step / total, message: `Sparse coding pass ${pass + 1}`, done: step, total, unit: 'batches' });
      };
      for await (const block of stream.blocks()) {
        let r = 0;
        while (r < block.rowCount) {
          const take = Math.min(bs - fill, block.rowCount - r);
          buf.set(block.data.subarray(r * d, (r + take) * d), fill * d);
          fill += take;
          r += take;
          if (fill === bs) {
            await runBatch(bs);
            fill = 0;
          }
        }
      }
      if (fill > 0) await runBatch(fill);
      if (pass < this.maxIter - 1) reviveAtoms(dict, a, b, m, d, buf, fill > 0 ? fill : bs, rng);
    }
    // An atom's sign is arbitrary (codes are signed); orient each so its codes sum positive over the last pass.
    for (let k = 0; k < m; k++) if (codeSum[k]! < 0) for (let j = 0; j < d; j++) dict[k * d + j] = -dict[k * d + j]!;
    this.dict = Float32Array.from(dict);
    ctx.progress({ fraction: 1, message: 'Sparse coding done' });
  }

  /** Codes for rows × d given the dictionary: FISTA lasso or OMP. */
  private async infer(x: Float32Array, rows: number, dict: Float32Array, eigenStart?: Float64Array): Promise<Float32Array> {
    const m = this.m;
    const d = this.dim;
    const gram = await matmulABt(dict, m, d, dict, m);
    if (this.algorithm === 'omp') return ompRows(await matmulABt(x, rows, d, dict, m), gram, rows, m, this.nNonzero);
    const lip = largestEigen(gram, m, eigenStart ?? new Float64Array(m).fill(1 / Math.sqrt(m)));
    const step = 1 / Math.max(lip, 1e-12);
    // h12bench: the whole FISTA iteration in one onnxruntime call (sparse-coding-fista.ts).
    return fistaCodes(x, rows, d, dict, gram, m, step, this.alpha * step, this.lassoIter);
  }

  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.dict) throw notFitted('sparse-coding');
    checkInput('Sparse coding', x, rows, this.dim);
    const dict = this.dict;
    return mapRowChunks(x, rows, this.dim, this.m, (c, n) => this.infer(c, n, dict), CHUNK);
  }

  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.dict) throw notFitted('sparse-coding');
    checkInput('Sparse coding', f, rows, this.m, 'feature');
    const dict = this.dict;
    return mapRowChunks(f, rows, this.m, this.dim, (c, n) => affineReconstruct(c, n, dict, this.m, this.dim, this.zero));
  }

  directions(): Float32Array {
    if (!this.dict) throw notFitted('sparse-coding');
    return normalizeRows(this.dict.slice(), this.m, this.dim) as Float32Array;
  }

  state(): BasisState {
    if (!this.dict) throw notFitted('sparse-coding');
    return { dictionary: tensor([this.m, this.dim], this.dict) };
  }
}

function unitOrRandom(dict: Float64Array, k: number, d: number, rng: Rng): void {
  let s = 0;
  for (let j = 0; j < d; j++) s += dict[k * d + j]! ** 2;
  if (s < 1e-20) {
    s = 0;
    for (let j = 0; j < d; j++) {
      dict[k * d + j] = rng.normal();
      s += dict[k * d + j]! ** 2;
    }
  }
  const n = Math.sqrt(s);
  for (let j = 0; j < d; j++) dict[k * d + j]! /= n;
}

/**
 * scikit-learn's _update_dict: for each atom k, D_k += (B_k − A_k·D) / A_kk, then normalised to unit length; an atom
 * no batch has used yet (A_kk ≈ 0) is replaced by a row of the batch, as scikit-learn does with a random row.
 */
function updateDict(dict: Float64Array, a: Float64Array, b: Float64Array, m: number, d: number, x: Float32Array, rows: number, rng: Rng): void {
  const row = new Float64Array(d);
  for (let k = 0; k < m; k++) {
    const akk = a[k * m + k]!;
    if (akk < 1e-6) {
      const r = Math.floor(rng.float() * rows);
      for (let j = 0; j < d; j++) dict[k * d + j] = x[r * d + j]! + 1e-3 * rng.normal();
      unitOrRandom(dict, k, d, rng);
      continue;
    }
    row.fill(0);
    for (let l = 0; l < m; l++) {
      const al = a[k * m + l]!;
      if (al === 0) continue;
      for (let j = 0; j < d; j++) row[j] = row[j]! + al * dict[l * d + j]!;
    }
    for (let j = 0; j < d; j++) dict[k * d + j] = dict[k * d + j]! + (b[k * d + j]! - row[j]!) / akk;
    unitOrRandom(dict, k, d, rng);
  }
}

/**
 * Between passes, an atom that is nearly unused (A_kk under 1 % of the mean) or that duplicates a more used atom
 * (|cos| > 0.9) is restarted from a row of the last batch, its statistics cleared — a departure from scikit-learn,
 * which only restarts atoms never used, and which otherwise leaves some planted atoms unfound.
 */
function reviveAtoms(dict: Float64Array, a: Float64Array, b: Float64Array, m: number, d: number, x: Float32Array, rows: number, rng: Rng): void {
  let mean = 0;
  for (let k = 0; k < m; k++) mean += a[k * m + k]! / m;
  const restart = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    if (a[k * m + k]! < 0.01 * mean) restart[k] = 1;
    for (let l = 0; l < k && !restart[k]; l++) {
      if (restart[l]) continue;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += dict[k * d + j]! * dict[l * d + j]!;
      if (Math.abs(dot) > 0.9) restart[a[k * m + k]! < a[l * m + l]! ? k : l] = 1;
    }
  }
  for (let k = 0; k < m; k++) {
    if (!restart[k]) continue;
    const r = Math.floor(rng.float() * rows);
    for (let j = 0; j < d; j++) dict[k * d + j] = x[r * d + j]! + 1e-2 * rng.normal();
    unitOrRandom(dict, k, d, rng);
    for (let l = 0; l < m; l++) a[k * m + l] = a[l * m + k] = 0;
    for (let j = 0; j < d; j++) b[k * d + j] = 0;
  }
}

/**
 * The largest eigenvalue of a symmetric m × m matrix by power iteration (the lasso's Lipschitz constant), from the unit
 * vector `v`, which is left holding the last iterate (the next call's start).
 */
function largestEigen(g: Float32Array, m: number, v: Float64Array): number {
  let lam = 0;
  const w = new Float64Array(m);
  for (let it = 0; it < 100; it++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += g[i * m + j]! * v[j]!;
      w[i] = s;
    }
    let n = 0;
    for (let i = 0; i < m; i++) n += w[i]! ** 2;
    n = Math.sqrt(n);
    if (n === 0) return 0;
    for (let i = 0; i < m; i++) v[i] = w[i]! / n;
    const conv = Math.abs(n - lam) < 1e-6 * n;
    lam = n;
    if (conv) break;
  }
  return lam * 1.0001;
}

/** Gram-OMP per row (Rubinstein et al. 2008): greedy atoms by |correlation|, least squares on the chosen set. */
function ompRows(p: Float32Array, g: Float32Array, rows: number, m: number, k: number): Float32Array {
  const out = new Float32Array(rows * m);
  const idx = new Int32Array(k);
  const sub = new Float64Array(k * k);
  const coef = new Float64Array(k);
  const corr = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    const pr = p.subarray(r * m, r * m + m);
    for (let j = 0; j < m; j++) corr[j] = pr[j]!;
    let n = 0;
    for (; n < k; n++) {
      let best = -1;
      let bv = 1e-12;
      for (let j = 0; j < m; j++) {
        const v = Math.abs(corr[j]!);
        if (v > bv && !idx.subarray(0, n).includes(j)) {
          bv = v;
          best = j;
        }
      }
      if (best < 0) break;
      idx[n] = best;
      // Least squares on the chosen atoms: G_SS c = p_S (Cholesky-free Gaussian elimination on a tiny system).
      const s = n + 1;
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) sub[i * s + j] = g[idx[i]! * m + idx[j]!]!;
      for (let i = 0; i < s; i++) coef[i] = pr[idx[i]!]!;
      solveInPlace(sub, coef, s);
      for (let j = 0; j < m; j++) {
        let v = pr[j]!;
        for (let i = 0; i < s; i++) v -= coef[i]! * g[idx[i]! * m + j]!;
        corr[j] = v;
      }
    }
    for (let i = 0; i < n; i++) out[r * m + idx[i]!] = coef[i]!;
    idx.fill(0);
  }
  return out;
}

function solveInPlace(a: Float64Array, b: Float64Array, n: number): void {
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[piv * n + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < n; j++) [a[c * n + j], a[piv * n + j]] = [a[piv * n + j]!, a[c * n + j]!];
      [b[c], b[piv]] = [b[piv]!, b[c]!];
    }
    const d = a[c * n + c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / d;
      if (f === 0) continue;
      for (let j = c; j < n; j++) a[r * n + j] = a[r * n + j]! - f * a[c * n + j]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < n; j++) s -= a[r * n + j]! * b[j]!;
    b[r] = s / (a[r * n + r]! || 1e-12);
  }
}

export const sparseCodingSpec: BasisSpec = {
  params: [
    { key: 'nFeatures', kind: 'int', default: null, perDim: 1, min: 1, meaning: 'Number of dictionary atoms (default d)' },
    { key: 'algorithm', kind: 'enum', default: 'lasso', options: ['lasso', 'omp'], meaning: 'Codes by the lasso (FISTA) or by OMP with a fixed number of atoms' },
    { key: 'alpha', kind: 'number', default: 0.1, min: 0, meaning: 'Lasso penalty on the codes (lasso only)' },
    { key: 'nNonzero', kind: 'int', default: null, min: 1, meaning: 'Atoms per row (OMP only; default one tenth of the atoms)' },
    { key: 'batchSize', kind: 'int', default: 256, min: 1, meaning: 'Rows per dictionary update' },
    { key: 'maxIter', kind: 'int', default: 3, min: 1, meaning: 'Passes over the rows' },
    { key: 'lassoIter', kind: 'int', default: 50, min: 1, meaning: 'FISTA iterations per batch' },
  ],
  tags: { trained: false, sweep: null },
};

export const sparseCodingFactory: BasisFactory = {
  spec: sparseCodingSpec,
  create: (params, seed, dim) => new SparseCodingBasis(params as SparseCodingParams, seed, dim),
  load(params, seed, state) {
    const t = getTensor(state, 'dictionary', 'sparse-coding', [null, null]);
    const [m, d] = t.shape as [number, number];
    const nn = (params as SparseCodingParams).nNonzero;
    const b = new SparseCodingBasis({ ...(params as SparseCodingParams), nComponents: m, ...(nn !== undefined && nn > Math.min(m, d) ? { nNonzero: Math.min(m, d) } : {}) }, seed, d);
    return b.setDictionary(t.data.slice());
  },
};
