// K-means directions (Klindt, Sanborn et al. 2023): centroids of the activations — with `cosine`, of the
// unit-normalised activations (their MiniBatchKMeans setting) — read out as directions: a feature's activation
// is the projection of a row on its unit-normalised centroid.
//
// Initialisation: greedy k-means++ (Arthur & Vassilvitskii 2007; scikit-learn's 2 + ⌊ln k⌋ local trials) on a
// seeded sample of `initSize` rows gathered in one pass. Then either
//  - 'lloyd': full passes; each assigns every row to its nearest centroid and moves centroids to their means,
//    until the total squared centre shift is ≤ tol × mean per-unit variance (scikit-learn's rule), or
//  - 'minibatch' (Sculley 2010; default): per epoch, rows are taken in windows of 16 batches by their global index,
//    each window shuffled with its own seeded stream and cut into batches; each centre moves toward the mean of
//    its batch rows with the per-centre rate count/(total count) — so the result does not depend on how the
//    stream cuts its blocks. Stops when an epoch's relative centre shift is below tol, or after maxIter epochs.
// Assignment, distances and per-centre sums run in one onnxruntime graph per chunk. Empty clusters keep their
// centre (scikit-learn relocates them; mini-batch's low-count reassignment is not implemented).
// decode reconstructs a row from its code alone: plain k-means by its nearest centroid (vector quantisation, so
// the held-out SSE is the inertia); cosine k-means, which ignores row length, by the row's projection on its
// best-aligned centroid direction.
import { normalizeRows } from '../linalg/dense';
import { affineProject, assignNearest, matmulABt } from '../linalg/ort';
import { Rng } from '../util/random';
import {
  boolParam,
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

export interface KmeansParams {
  /** Number of clusters k (default d, as in Klindt et al.). */
  nClusters?: number;
  algorithm?: 'minibatch' | 'lloyd';
  /** Cluster unit-normalised rows (spherical data; directions by angle). */
  cosine?: boolean;
  batchSize?: number;
  /** Lloyd: passes (default 300); mini-batch: epochs (default 100). */
  maxIter?: number;
  tol?: number;
  /** Rows sampled for k-means++ (default min(rows, max(10 000, 3 × batchSize, 10 × k))). */
  initSize?: number;
}

const CHUNK = 8192;

export class KmeansBasis implements Basis {
  readonly method = 'kmeans' as const;
  readonly params: Record<string, unknown>;
  private readonly k: number;
  private readonly algorithm: 'minibatch' | 'lloyd';
  private readonly cosine: boolean;
  private readonly batchSize: number;
  private readonly maxIter: number;
  private readonly tol: number;
  private readonly initSizeParam: number | undefined;
  private centers: Float32Array | null = null;
  private unitCenters: Float32Array | null = null;
  private readonly zero: Float32Array;
  inertia = NaN;
  nIter = 0;

  constructor(
    params: KmeansParams,
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    const p = params as Record<string, unknown>;
    this.k = intParam(p, 'nClusters', defaultFor(kmeansSpec, 'nFeatures', dim) as number, 1, 'number of clusters');
    this.algorithm = enumParam(p, 'algorithm', optDefault<'minibatch' | 'lloyd'>(kmeansSpec, 'algorithm'), ['minibatch', 'lloyd'] as const, 'k-means algorithm');
    this.cosine = boolParam(p, 'cosine', optDefault<boolean>(kmeansSpec, 'cosine'));
    this.batchSize = intParam(p, 'batchSize', numDefault(kmeansSpec, 'batchSize'), 1, 'batch size');
    this.maxIter = intParam(p, 'maxIter', this.algorithm === 'lloyd' ? 300 : 100, 1, 'maximum number of iterations');
    this.tol = numParam(p, 'tol', 1e-4, -1, 'tolerance');
    this.initSizeParam = p.initSize == null ? undefined : intParam(p, 'initSize', undefined, 1, 'k-means++ sample size');
    this.params = {
      nClusters: this.k,
      algorithm: this.algorithm,
      cosine: this.cosine,
      batchSize: this.batchSize,
      maxIter: this.maxIter,
      tol: this.tol,
      initSize: this.initSizeParam ?? null,
    };
    this.zero = new Float32Array(dim);
  }

  get nFeatures(): number {
    return this.k;
  }

  /** k × d centroids (of unit-normalised rows when cosine). */
  get clusterCenters(): Float32Array {
    if (!this.centers) throw notFitted('k-means');
    return this.centers.slice();
  }

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    const d = this.dim;
    const k = this.k;
    if (stream.dim !== d) throw new Error(`k-means basis of dim ${d} fitted on a stream of dim ${stream.dim}.`);
    checkRows('K-means', k, stream.rows, `${k} clusters`);
    const n = stream.rows;
    const rng = new Rng(this.seed);
    // 1. k-means++ on a sample.
    const initSize = Math.min(n, Math.max(k, this.initSizeParam ?? Math.max(10000, 3 * this.batchSize, 10 * k)));
    const pick = rng.sampleIndices(n, initSize).sort();
    const sample = new Float32Array(initSize * d);
    {
      let r0 = 0;
      let p = 0;
      for await (const block of stream.blocks()) {
        ctx.throwIfCancelled();
        while (p < initSize && pick[p]! < r0 + block.rowCount) {
          const r = pick[p]! - r0;
          sample.set(block.data.subarray(r * d, (r + 1) * d), p * d);
          p++;
        }
        r0 += block.rowCount;
        if (p >= initSize) break;
      }
    }
    if (this.cosine) normalizeRows(sample, initSize, d);
    let meanVar = 0;
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let i = 0; i < initSize; i++) m += sample[i * d + j]!;
      m /= initSize;
      let v = 0;
      for (let i = 0; i < initSize; i++) v += (sample[i * d + j]! - m) ** 2;
      meanVar += v / initSize;
    }
    meanVar /= d;
    const centers = await kmeansPlusPlus(sample, initSize, d, k, rng, ctx);
    ctx.progress({ fraction: 0.05, message: 'k-means++ initialisation done' });

    // 2. Iterations.
    if (this.algorithm === 'lloyd') {
      for (let it = 1; it <= this.maxIter; it++) {
        const sums = new Float64Array(k * d);
        const counts = new Float64Array(k);
        await this.pass(stream, ctx, centers, (s) => {
          for (let i = 0; i < k * d; i++) sums[i] = sums[i]! + s.sums[i]!;
          for (let i = 0; i < k; i++) counts[i] = counts[i]! + s.counts[i]!;
        });
        let shift = 0;
        for (let c = 0; c < k; c++) {
          if (counts[c]! === 0) continue;
          for (let j = 0; j < d; j++) {
            const v = sums[c * d + j]! / counts[c]!;
            shift += (v - centers[c * d + j]!) ** 2;
            centers[c * d + j] = v;
          }
        }
        this.nIter = it;
        ctx.progress({ fraction: 0.05 + (0.9 * it) / this.maxIter, message: `Lloyd iteration ${it}`, done: it, total: this.maxIter, unit: 'passes', live: { step: it, shift } });
        if (shift <= this.tol * meanVar) break;
      }
    } else {
      const counts = new Float64Array(k);
      const window = this.batchSize * 16;
      const buf = new Float32Array(window * d);
      for (let epoch = 1; epoch <= this.maxIter; epoch++) {
        const before = centers.slice();
        let filled = 0;
        let windowIndex = 0;
        const flush = async (): Promise<void> => {
          if (filled === 0) return;
          const perm = Rng.stream(this.seed, epoch, windowIndex).permutation(filled);
          const batch = new Float32Array(Math.min(this.batchSize, filled) * d);
          for (let b0 = 0; b0 < filled; b0 += this.batchSize) {
            const m = Math.min(this.batchSize, filled - b0);
            for (let i = 0; i < m; i++) batch.set(buf.subarray(perm[b0 + i]! * d, (perm[b0 + i]! + 1) * d), i * d);
            const s = await assignNearest(batch.subarray(0, m * d), m, d, centers, k, this.cosine);
            for (let c = 0; c < k; c++) {
              const cnt = s.counts[c]!;
              if (cnt === 0) continue;
              counts[c] = counts[c]! + cnt;
              const rate = 1 / counts[c]!;
              for (let j = 0; j < d; j++) centers[c * d + j] = centers[c * d + j]! + rate * (s.sums[c * d + j]! - cnt * centers[c * d + j]!);
            }
          }
          filled = 0;
          windowIndex++;
        };
        for await (const block of stream.blocks()) {
          ctx.throwIfCancelled();
          let r = 0;
          while (r < block.rowCount) {
            const m = Math.min(window - filled, block.rowCount - r);
            buf.set(block.data.subarray(r * d, (r + m) * d), filled * d);
            filled += m;
            r += m;
            if (filled === window) await flush();
          }
        }
        await flush();
        let shift = 0;
        for (let i = 0; i < k * d; i++) shift += (centers[i]! - before[i]!) ** 2;
        this.nIter = epoch;
        ctx.progress({ fraction: 0.05 + (0.9 * epoch) / this.maxIter, message: `Mini-batch epoch ${epoch}`, done: epoch, total: this.maxIter, unit: 'epochs', live: { step: epoch, shift } });
        if (shift <= this.tol * meanVar * k) break;
      }
    }
    // 3. Inertia with the final centres.
    let inertia = 0;
    await this.pass(stream, ctx, centers, (s) => {
      for (let i = 0; i < s.dist.length; i++) inertia += s.dist[i]!;
    });
    this.setCenters(centers, inertia);
    ctx.progress({ fraction: 1, message: `K-means done (inertia ${inertia.toPrecision(4)})` });
  }

  private async pass(
    stream: ActivationStream,
    ctx: FitContext,
    centers: Float32Array,
    each: (s: { sums: Float32Array; counts: Float32Array; dist: Float32Array }) => void,
  ): Promise<void> {
    const d = this.dim;
    for await (const block of stream.blocks()) {
      ctx.throwIfCancelled();
      for (let r = 0; r < block.rowCount; r += CHUNK) {
        const m = Math.min(CHUNK, block.rowCount - r);
        each(await assignNearest(block.data.subarray(r * d, (r + m) * d), m, d, centers, this.k, this.cosine));
      }
    }
  }

  /** @internal */
  setCenters(centers: Float32Array, inertia: number): this {
    this.centers = centers;
    this.unitCenters = normalizeRows(centers.slice(), this.k, this.dim) as Float32Array;
    this.inertia = inertia;
    return this;
  }

  /** Index of each row's nearest centroid (after unit normalisation when cosine). */
  async predict(x: Float32Array, rows: number): Promise<Int32Array> {
    if (!this.centers) throw notFitted('k-means');
    checkInput('K-means', x, rows, this.dim);
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r += CHUNK) {
      const m = Math.min(CHUNK, rows - r);
      const s = await assignNearest(x.subarray(r * this.dim, (r + m) * this.dim), m, this.dim, this.centers, this.k, this.cosine);
      out.set(s.labels, r);
    }
    return out;
  }

  /** Projection of each row on each unit-normalised centroid. */
  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.unitCenters) throw notFitted('k-means');
    checkInput('K-means', x, rows, this.dim);
    const u = this.unitCenters;
    return mapRowChunks(x, rows, this.dim, this.k, (c, m) => affineProject(c, m, this.dim, this.zero, u, this.k));
  }

  /**
   * Codes f (projections on the unit centroids u_c = c/‖c‖) back to rows.
   * - plain: ‖x − c‖² = ‖x‖² − 2‖c‖·f_c + ‖c‖², so a = argmin_c (‖c‖² − 2‖c‖·f_c) is exactly predict()'s nearest
   *   centroid, found from f alone; x̂ = c_a.
   * - cosine: a centroid carries no length, so x̂ = f_a·u_a with a = argmax_c f_c — the projection on the centroid
   *   direction the row is most aligned with (spherical k-means' assignment; the fit assigns unit rows to the
   *   nearest centroid, which can differ from it where centroid norms differ).
   */
  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.centers || !this.unitCenters) throw notFitted('k-means');
    const { k, dim: d } = this;
    if (f.length !== rows * k) throw new Error(`K-means decode got ${f.length} values for ${rows} rows of ${k} features.`);
    const norms = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.centers[c * d + j]! ** 2;
      norms[c] = Math.sqrt(s);
    }
    const out = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      let a = 0;
      let best = Infinity;
      for (let c = 0; c < k; c++) {
        const v = f[r * k + c]!;
        const score = this.cosine ? -v : norms[c]! * norms[c]! - 2 * norms[c]! * v;
        if (score < best) [best, a] = [score, c];
      }
      if (this.cosine) {
        const v = f[r * k + a]!;
        for (let j = 0; j < d; j++) out[r * d + j] = v * this.unitCenters[a * d + j]!;
      } else {
        out.set(this.centers.subarray(a * d, (a + 1) * d), r * d);
      }
    }
    return out;
  }

  directions(): Float32Array {
    if (!this.unitCenters) throw notFitted('k-means');
    return this.unitCenters.slice();
  }

  state(): BasisState {
    if (!this.centers) throw notFitted('k-means');
    return { centers: tensor([this.k, this.dim], this.centers), inertia: tensor([1], [this.inertia]) };
  }
}

/** Greedy k-means++ on n sample rows: returns k × d centres. Distances to candidates via onnxruntime. */
async function kmeansPlusPlus(x: Float32Array, n: number, d: number, k: number, rng: Rng, ctx: FitContext): Promise<Float32Array> {
  const centers = new Float32Array(k * d);
  const xx = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j]! ** 2;
    xx[i] = s;
  }
  const trials = 2 + Math.floor(Math.log(k));
  const distTo = async (idx: number[]): Promise<Float64Array[]> => {
    const c = new Float32Array(idx.length * d);
    idx.forEach((r, t) => c.set(x.subarray(r * d, (r + 1) * d), t * d));
    const dots = await matmulABt(x, n, d, c, idx.length);
    return idx.map((r, t) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.max(0, xx[i]! - 2 * dots[i * idx.length + t]! + xx[r]!);
      return out;
    });
  };
  const first = rng.int(0, n);
  centers.set(x.subarray(first * d, (first + 1) * d), 0);
  let closest = (await distTo([first]))[0]!;
  let pot = closest.reduce((a, b) => a + b, 0);
  for (let c = 1; c < k; c++) {
    ctx.throwIfCancelled();
    const cand: number[] = [];
    for (let t = 0; t < trials; t++) cand.push(pot > 0 ? rng.weightedIndex(closest) : rng.int(0, n));
    const dists = await distTo(cand);
    let best = -1;
    let bestPot = Infinity;
    let bestD: Float64Array | null = null;
    for (let t = 0; t < cand.length; t++) {
      const nd = new Float64Array(n);
      let p = 0;
      for (let i = 0; i < n; i++) {
        nd[i] = Math.min(closest[i]!, dists[t]![i]!);
        p += nd[i]!;
      }
      if (p < bestPot) {
        bestPot = p;
        best = cand[t]!;
        bestD = nd;
      }
    }
    centers.set(x.subarray(best * d, (best + 1) * d), c * d);
    closest = bestD!;
    pot = bestPot;
  }
  return centers;
}

export const kmeansSpec: BasisSpec = {
  params: [
    { key: 'nFeatures', kind: 'int', default: null, perDim: 1, min: 1, meaning: 'Number of clusters (≤ training rows; default d); the engine also takes nClusters' },
    { key: 'cosine', kind: 'bool', default: false, meaning: 'Cluster directions (spherical k-means) rather than points' },
    { key: 'algorithm', kind: 'enum', default: 'minibatch', options: ['minibatch', 'lloyd'], meaning: 'Mini-batch updates (streamed) or full Lloyd iterations' },
    { key: 'batchSize', kind: 'int', default: 1024, min: 1, meaning: 'Rows per mini-batch' },
  ],
  tags: { trained: false, sweep: null },
};

export const kmeansFactory: BasisFactory = {
  spec: kmeansSpec,
  create: (params, seed, dim) => new KmeansBasis(params as KmeansParams, seed, dim),
  load(params, seed, state) {
    const c = getTensor(state, 'centers', 'k-means', [null, null]);
    const [k, d] = c.shape as [number, number];
    const b = new KmeansBasis({ ...(params as KmeansParams), nClusters: k }, seed, d);
    return b.setCenters(c.data.slice(), state.inertia?.data[0] ?? NaN);
  },
};
