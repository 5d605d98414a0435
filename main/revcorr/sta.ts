// Spike-triggered average: the response-weighted mean stimulus, for every unit at once (one GEMM per chunk), with a
// z map per pixel against nulls that re-align the same responses with other stimuli (extra rows of the same GEMM).
// Raw responses give the stimulus–response cross-covariance (1/n)Σ(r−r̄)(x−x̄), signed, so an OFF unit's filter
// comes out negative; rectified or thresholded responses give Σw(x−x̄)/Σw, the classic STA.
import { UserError } from '../errors';
import { accumulate, weightedSums } from './kernels';
import { defaultChunkRows, isHeldOut, loadResponses, nullMaps, streamPass, trainingRows, transformResponse, type PassState } from './pass';
import { checkStreams } from './streams';
import type { EstimateBase, Estimator, EstimatorContext, ResponseStream, ResponseTransform, StimulusStream } from './types';

export interface StaOptions {
  transform: ResponseTransform;
  /** Null re-alignments for the z map (0: no z map). */
  nulls: number;
  seed: number;
  chunkRows?: number;
}

export interface StaResult extends EstimateBase {
  kind: 'sta';
  transform: ResponseTransform;
  /** units × dim z scores against the nulls (zeros when nulls = 0). */
  z: Float32Array;
  nulls: number;
  /** Per unit: Σ of the transformed responses over the rows used (the spike count when thresholded). */
  weightSums: number[];
}

export const defaultStaOptions: StaOptions = { transform: { kind: 'rectified' }, nulls: 20, seed: 0 };

/** The arithmetic of one STA from its sums, shared with the nulls. */
function staFromSums(g: Float64Array, off: number, sw: number, sx: Float64Array, n: number, raw: boolean, out: Float64Array): boolean {
  const d = sx.length;
  if (raw) {
    const wbar = sw / n;
    for (let i = 0; i < d; i++) out[i] = g[off + i]! / n - (wbar * sx[i]!) / n;
    return true;
  }
  if (sw <= 0) return false;
  for (let i = 0; i < d; i++) out[i] = g[off + i]! / sw - sx[i]! / n;
  return true;
}

export const staEstimator: Estimator<StaOptions, StaResult> = {
  kind: 'sta',
  validate(stimuli, responses, options) {
    checkStreams(stimuli, responses, HOLDOUT_MIN);
    if (!Number.isInteger(options.nulls) || options.nulls < 0 || options.nulls > 1000) throw new UserError('revcorr.nulls', `The number of null shuffles must be a whole number from 0 to 1000; got ${options.nulls}.`);
    if (options.nulls > 0 && options.nulls < 2) throw new UserError('revcorr.nulls', 'A z map needs at least 2 null shuffles (or 0 for none).');
    if (options.transform.kind === 'threshold' && !Number.isFinite(options.transform.value)) throw new UserError('revcorr.threshold', 'The spike threshold must be a finite number.');
  },
  async run(stimuli: StimulusStream, responses: ResponseStream, options: StaOptions, ctx: EstimatorContext): Promise<StaResult> {
    this.validate(stimuli, responses, options);
    const n = stimuli.count;
    const d = stimuli.dim;
    const units = responses.units;
    const resp = await loadResponses(responses);
    const maps = nullMaps(options.nulls, n, responses.ordering, options.seed);
    // Weight rows: [0, units) the units, then units × nulls null rows (unit-major), then one row of 1s (Σx).
    const k = units * (1 + options.nulls) + 1;
    const state: PassState = { arrays: { g: new Float64Array(k * d), sw: new Float64Array(k) }, scalars: {} };
    const chunkRows = options.chunkRows ?? Math.max(16, Math.min(defaultChunkRows(d), Math.floor((16 * 1024 * 1024) / (4 * k))));
    let w = new Float32Array(0);
    await streamPass(
      stimuli,
      0,
      state,
      async (x, start, rows) => {
        if (w.length !== k * rows) w = new Float32Array(k * rows);
        else w.fill(0);
        const sw = state.arrays.sw!;
        for (let j = 0; j < rows; j++) {
          const t = start + j;
          if (isHeldOut(t)) continue;
          for (let u = 0; u < units; u++) {
            const base = u * n;
            const v = transformResponse(resp[base + t]!, options.transform);
            w[u * rows + j] = v;
            sw[u]! += v;
            for (let q = 0; q < options.nulls; q++) {
              const row = units + u * options.nulls + q;
              const vq = transformResponse(resp[base + maps[q]![t]!]!, options.transform);
              w[row * rows + j] = vq;
              sw[row]! += vq;
            }
          }
          w[(k - 1) * rows + j] = 1;
          sw[k - 1]! += 1;
        }
        accumulate(state.arrays.g!, await weightedSums(w, k, x, rows, d));
      },
      ctx,
      { chunkRows, rowsBefore: 0, totalRows: n, label: 'spike-triggered average' },
    );
    const { g, sw } = state.arrays as { g: Float64Array; sw: Float64Array };
    const nTrain = trainingRows(n);
    const sx = g.slice((k - 1) * d, k * d);
    const raw = options.transform.kind === 'raw';
    const filters = new Float32Array(units * d);
    const z = new Float32Array(units * d);
    const notes: (string | null)[] = [];
    const one = new Float64Array(d);
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (let u = 0; u < units; u++) {
      if (!staFromSums(g, u * d, sw[u]!, sx, nTrain, raw, one)) {
        notes.push(`${responses.unitNames[u]} never responded above zero on the rows used, so it has no spike-triggered average.`);
        continue;
      }
      notes.push(null);
      filters.set(one, u * d);
      if (options.nulls < 2) continue;
      mean.fill(0);
      sq.fill(0);
      const nullOne = new Float64Array(d);
      for (let q = 0; q < options.nulls; q++) {
        const row = units + u * options.nulls + q;
        if (!staFromSums(g, row * d, sw[row]!, sx, nTrain, raw, nullOne)) nullOne.fill(0);
        for (let i = 0; i < d; i++) {
          mean[i]! += nullOne[i]!;
          sq[i]! += nullOne[i]! * nullOne[i]!;
        }
      }
      for (let i = 0; i < d; i++) {
        const m = mean[i]! / options.nulls;
        const sd = Math.sqrt(Math.max(0, sq[i]! / options.nulls - m * m) * (options.nulls / (options.nulls - 1)));
        z[u * d + i] = sd > 0 ? (one[i]! - m) / sd : 0;
      }
    }
    return {
      kind: 'sta',
      units,
      dim: d,
      itemShape: [...stimuli.itemShape],
      filters,
      rowsUsed: nTrain,
      notes,
      transform: options.transform,
      z,
      nulls: options.nulls,
      weightSums: Array.from(sw.subarray(0, units)),
    };
  },
};

/** Enough rows that the held-out fifth is not empty. */
const HOLDOUT_MIN = 10;
