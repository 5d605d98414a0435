// The linear receptive field for correlated stimuli (natural images, pink noise): the ridge-regularised
// regression β = (XᵀX + λI)⁻¹ Xᵀr on centred data, which is the STA whitened by the stimulus covariance. λ is
// chosen per unit by 4-fold cross-validation on held-out stimuli; one pass collects per-fold sums (Gram matrix,
// stimulus–response products), and every fold's held-out error follows from those sums, so the rows are read once.
import { UserError } from '../errors';
import { eighAuto, shiftedGram } from '../linalg/ort';
import { accumulate, matmul, weightedSums } from './kernels';
import { defaultChunkRows, HOLDOUT_EVERY, isHeldOut, loadResponses, streamPass, trainingRows, transformResponse, type PassState } from './pass';
import { checkStreams } from './streams';
import type { EstimateBase, Estimator, EstimatorContext, ResponseStream, ResponseTransform, StimulusStream } from './types';

export interface RidgeOptions {
  transform: ResponseTransform;
  /** Ridge strengths relative to the mean eigenvalue of the stimulus covariance (default 10^-4 … 10^2). */
  lambdas?: number[];
  chunkRows?: number;
}

export interface RidgeResult extends EstimateBase {
  kind: 'ridge';
  /** The relative λ grid and, per unit, the chosen value. */
  lambdaGrid: number[];
  lambdas: number[];
  /** units × grid: cross-validated R² on held-out folds for each λ. */
  cvR2: number[][];
}

export const defaultRidgeOptions: RidgeOptions = { transform: { kind: 'raw' } };
const FOLDS = HOLDOUT_EVERY - 1;
/** d² doubles per fold: 4,096 pixels already takes 0.5 GB. */
export const RIDGE_MAX_DIM = 4096;
const DEFAULT_GRID = Array.from({ length: 13 }, (_, i) => 10 ** (-4 + i / 2));

export const ridgeEstimator: Estimator<RidgeOptions, RidgeResult> = {
  kind: 'ridge',
  validate(stimuli, responses, options) {
    checkStreams(stimuli, responses, 5 * HOLDOUT_EVERY);
    if (stimuli.dim > RIDGE_MAX_DIM) throw new UserError('revcorr.dim', `The ridge estimator holds a ${stimuli.dim} × ${stimuli.dim} covariance per fold, too large; use at most ${RIDGE_MAX_DIM} pixels (a smaller image or one channel) or the STA.`);
    if (options.lambdas && (options.lambdas.length === 0 || options.lambdas.some((l) => !(l > 0) || !Number.isFinite(l)))) throw new UserError('revcorr.lambdas', 'Ridge strengths must be positive finite numbers.');
  },
  async run(stimuli: StimulusStream, responses: ResponseStream, options: RidgeOptions, ctx: EstimatorContext): Promise<RidgeResult> {
    this.validate(stimuli, responses, options);
    const n = stimuli.count;
    const d = stimuli.dim;
    const units = responses.units;
    const grid = options.lambdas ?? DEFAULT_GRID;
    const resp = await loadResponses(responses);
    const k = units * FOLDS + FOLDS; // per fold: each unit's weights, then a row of 1s (Σx of the fold)
    const state: PassState = {
      arrays: { gram: new Float64Array(FOLDS * d * d), c: new Float64Array(k * d), sr: new Float64Array(units * FOLDS), srr: new Float64Array(units * FOLDS), nf: new Float64Array(FOLDS) },
      scalars: {},
    };
    const chunkRows = options.chunkRows ?? defaultChunkRows(d);
    const zero = new Float32Array(d);
    await streamPass(
      stimuli,
      0,
      state,
      async (x, start, rows) => {
        const w = new Float32Array(k * rows);
        const a = state.arrays as Record<'sr' | 'srr' | 'nf' | 'gram' | 'c', Float64Array>;
        const byFold: number[][] = Array.from({ length: FOLDS }, () => []);
        for (let j = 0; j < rows; j++) {
          const t = start + j;
          if (isHeldOut(t)) continue;
          const f = t % HOLDOUT_EVERY;
          byFold[f]!.push(j);
          a.nf[f]! += 1;
          w[(units * FOLDS + f) * rows + j] = 1;
          for (let u = 0; u < units; u++) {
            const v = transformResponse(resp[u * n + t]!, options.transform);
            w[(f * units + u) * rows + j] = v;
            a.sr[f * units + u]! += v;
            a.srr[f * units + u]! += v * v;
          }
        }
        accumulate(a.c, await weightedSums(w, k, x, rows, d));
        for (let f = 0; f < FOLDS; f++) {
          const idx = byFold[f]!;
          if (idx.length === 0) continue;
          const xf = new Float32Array(idx.length * d);
          idx.forEach((j, i) => xf.set(x.subarray(j * d, (j + 1) * d), i * d));
          accumulate(a.gram, (await shiftedGram(xf, idx.length, d, zero)).gram, f * d * d);
        }
      },
      ctx,
      { chunkRows, rowsBefore: 0, totalRows: n, label: 'ridge: covariance and cross-products' },
    );
    ctx.progress(n, n, 'ridge: cross-validating λ');
    const a = state.arrays as Record<'sr' | 'srr' | 'nf' | 'gram' | 'c', Float64Array>;
    const sums = (include: (f: number) => boolean) => {
      const g = new Float64Array(d * d);
      const c = new Float64Array(units * d);
      const sx = new Float64Array(d);
      const sr = new Float64Array(units);
      const srr = new Float64Array(units);
      let m = 0;
      for (let f = 0; f < FOLDS; f++) {
        if (!include(f)) continue;
        accumulate(g, a.gram.subarray(f * d * d, (f + 1) * d * d));
        for (let u = 0; u < units; u++) {
          accumulate(c, a.c.subarray((f * units + u) * d, (f * units + u + 1) * d), u * d);
          sr[u]! += a.sr[f * units + u]!;
          srr[u]! += a.srr[f * units + u]!;
        }
        accumulate(sx, a.c.subarray((units * FOLDS + f) * d, (units * FOLDS + f + 1) * d));
        m += a.nf[f]!;
      }
      return { g, c, sx, sr, srr, m };
    };
    const cvErr = Array.from({ length: units }, () => new Float64Array(grid.length));
    const cvVar = new Float64Array(units);
    for (let f = 0; f < FOLDS; f++) {
      ctx.throwIfCancelled();
      const tr = sums((g) => g !== f);
      const te = sums((g) => g === f);
      const fit = await ridgePath(tr, d, units, grid);
      const xbar = tr.sx.map((v) => v / tr.m);
      // Held-out error from the fold's sums, centred at the training means: Σ(r−c)² − 2βᵀq + βᵀMβ.
      const mHeld = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) mHeld[i * d + j] = te.g[i * d + j]! - xbar[i]! * te.sx[j]! - te.sx[i]! * xbar[j]! + te.m * xbar[i]! * xbar[j]!;
      const betas = fit.betas; // grid × units × d
      const mb = await matmul(Float32Array.from(betas), grid.length * units, d, Float32Array.from(mHeld), d);
      for (let u = 0; u < units; u++) {
        const c = tr.sr[u]! / tr.m;
        const srrC = te.srr[u]! - 2 * c * te.sr[u]! + te.m * c * c;
        cvVar[u]! += srrC;
        const q = new Float64Array(d);
        for (let i = 0; i < d; i++) q[i] = te.c[u * d + i]! - xbar[i]! * te.sr[u]! - c * te.sx[i]! + te.m * c * xbar[i]!;
        for (let l = 0; l < grid.length; l++) {
          const off = (l * units + u) * d;
          let bq = 0;
          let bmb = 0;
          for (let i = 0; i < d; i++) {
            bq += betas[off + i]! * q[i]!;
            bmb += betas[off + i]! * mb[off + i]!;
          }
          cvErr[u]![l]! += srrC - 2 * bq + bmb;
        }
      }
    }
    const lambdaIndex = cvErr.map((e) => e.indexOf(Math.min(...e)));
    const full = await ridgePath(sums(() => true), d, units, grid);
    const filters = new Float32Array(units * d);
    for (let u = 0; u < units; u++) filters.set(full.betas.subarray((lambdaIndex[u]! * units + u) * d, (lambdaIndex[u]! * units + u + 1) * d), u * d);
    return {
      kind: 'ridge',
      units,
      dim: d,
      itemShape: [...stimuli.itemShape],
      filters,
      rowsUsed: trainingRows(n),
      notes: Array.from(cvVar, (v, u) => (v > 0 ? null : `${responses.unitNames[u]} did not vary on the held-out rows, so its receptive field is undefined.`)),
      lambdaGrid: grid,
      lambdas: lambdaIndex.map((i) => grid[i]!),
      cvR2: cvErr.map((e, u) => Array.from(e, (v) => (cvVar[u]! > 0 ? 1 - v / cvVar[u]! : 0))),
    };
  },
};

/** β(λ) = V diag(1/(s + λ·s̄)) Vᵀ b for every unit and λ, from one eigendecomposition of the centred Gram matrix. */
async function ridgePath(t: { g: Float64Array; c: Float64Array; sx: Float64Array; sr: Float64Array; m: number }, d: number, units: number, grid: number[]): Promise<{ betas: Float64Array }> {
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j] = t.g[i * d + j]! - (t.sx[i]! * t.sx[j]!) / t.m;
  const bm = new Float32Array(d * units); // d × units: centred cross-products as columns
  for (let u = 0; u < units; u++) for (let i = 0; i < d; i++) bm[i * units + u] = t.c[u * d + i]! - (t.sr[u]! * t.sx[i]!) / t.m;
  const { values, vectors } = await eighAuto(s, d); // rows of `vectors` are eigenvectors: Vᵀ
  const vt = Float32Array.from(vectors);
  const p = await matmul(vt, d, d, bm, units); // Vᵀ·B, d × units
  const mean = values.reduce((acc, v) => acc + Math.max(v, 0), 0) / d || 1;
  const scaled = new Float32Array(d * grid.length * units); // d × (grid·units)
  for (let i = 0; i < d; i++) {
    const ev = Math.max(values[i]!, 0);
    for (let l = 0; l < grid.length; l++) {
      const inv = 1 / (ev + grid[l]! * mean);
      for (let u = 0; u < units; u++) scaled[i * grid.length * units + l * units + u] = p[i * units + u]! * inv;
    }
  }
  // V·scaled = Vtᵀ·scaled: transpose Vᵀ once in JS (d², cheap next to the GEMM).
  const v = new Float32Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) v[j * d + i] = vt[i * d + j]!;
  const out = await matmul(v, d, d, scaled, grid.length * units); // d × (grid·units)
  const betas = new Float64Array(grid.length * units * d);
  for (let i = 0; i < d; i++) for (let c = 0; c < grid.length * units; c++) betas[c * d + i] = out[i * grid.length * units + c]!;
  return { betas };
}
