// Spike-triggered covariance: the eigenvectors of ΔC = C_spike − C_prior. Axes whose eigenvalue lies above
// (excitatory) or below (suppressive) every null — the same responses re-aligned with other stimuli — are
// significant; the test is nested (Schwartz et al. 2006): project the significant axes out of the real and the null
// matrices and test the next extreme eigenvalue again. One pass accumulates Xᵀ·diag(w)·X for the unit, its nulls
// and the prior as one batched product on onnxruntime.
import { UserError } from '../errors';
import { eighAuto } from '../linalg/ort';
import { eigh } from '../linalg/eigh';
import { accumulate, weightedGrams, weightedSums } from './kernels';
import { extremeEigenvalues } from './lanczos';
import { defaultChunkRows, isHeldOut, loadResponses, nullMaps, streamPass, trainingRows, transformResponse, type PassState } from './pass';
import { checkStreams } from './streams';
import type { EstimateBase, Estimator, EstimatorContext, ResponseStream, ResponseTransform, StimulusStream } from './types';

export interface StcOptions {
  transform: ResponseTransform;
  nulls: number;
  seed: number;
  /** Most significant axes to look for (the nested test stops earlier when the next one is not significant). */
  maxAxes: number;
  chunkRows?: number;
}

export interface StcAxis {
  vector: Float32Array;
  value: number;
  sign: 'excitatory' | 'suppressive';
  /** Null band the eigenvalue was tested against, after projecting out the axes found before it. */
  band: [number, number];
}

export interface StcUnit {
  /** Eigenvalues of ΔC, descending, and the null band per rank (min and max over the nulls). */
  values: Float64Array;
  nullLow: Float64Array;
  nullHigh: Float64Array;
  axes: StcAxis[];
}

export interface StcResult extends EstimateBase {
  kind: 'stc';
  stc: StcUnit[];
  nulls: number;
}

export const defaultStcOptions: StcOptions = { transform: { kind: 'rectified' }, nulls: 12, seed: 0, maxAxes: 6 };
/** Grams held at once: (units·(nulls+1)+1)·d² doubles. */
const MAX_GRAM_DOUBLES = 48 * 1024 * 1024;

export const stcEstimator: Estimator<StcOptions, StcResult> = {
  kind: 'stc',
  validate(stimuli, responses, options) {
    checkStreams(stimuli, responses, 20);
    if (!Number.isInteger(options.nulls) || options.nulls < 2 || options.nulls > 200) throw new UserError('revcorr.nulls', `STC needs from 2 to 200 null shuffles; got ${options.nulls}.`);
    if (!Number.isInteger(options.maxAxes) || options.maxAxes < 1 || options.maxAxes > stimuli.dim) throw new UserError('revcorr.axes', `The number of STC axes must be a whole number from 1 to ${stimuli.dim}.`);
    const grams = (responses.units * (options.nulls + 1) + 1) * stimuli.dim * stimuli.dim;
    if (grams > MAX_GRAM_DOUBLES) {
      throw new UserError('revcorr.stc-size', `STC of ${responses.units} unit(s) with ${options.nulls} nulls over ${stimuli.dim} pixels needs ${Math.ceil((grams * 8) / 2 ** 20)} MB of covariance matrices; map fewer units at once, use fewer nulls or smaller stimuli.`);
    }
  },
  async run(stimuli: StimulusStream, responses: ResponseStream, options: StcOptions, ctx: EstimatorContext): Promise<StcResult> {
    this.validate(stimuli, responses, options);
    const n = stimuli.count;
    const d = stimuli.dim;
    const units = responses.units;
    const resp = await loadResponses(responses);
    if (options.transform.kind === 'raw' && resp.some((v) => v < 0)) {
      throw new UserError('revcorr.stc-negative', 'STC weighs stimuli by the response, so raw responses must not be negative; use rectified or thresholded responses.');
    }
    const maps = nullMaps(options.nulls, n, responses.ordering, options.seed);
    const k = units * (options.nulls + 1) + 1; // unit u: row u·(nulls+1) real, then its nulls; last row: prior (1s)
    const state: PassState = { arrays: { g: new Float64Array(k * d * d), s: new Float64Array(k * d), sw: new Float64Array(k) }, scalars: {} };
    const chunkRows = options.chunkRows ?? Math.max(32, Math.min(defaultChunkRows(d), Math.floor((64 * 1024 * 1024) / (4 * k * d))));
    await streamPass(
      stimuli,
      0,
      state,
      async (x, start, rows) => {
        const w = new Float32Array(k * rows);
        const sw = state.arrays.sw!;
        for (let j = 0; j < rows; j++) {
          const t = start + j;
          if (isHeldOut(t)) continue;
          for (let u = 0; u < units; u++) {
            for (let q = 0; q <= options.nulls; q++) {
              const src = q === 0 ? t : maps[q - 1]![t]!;
              const v = transformResponse(resp[u * n + src]!, options.transform);
              w[(u * (options.nulls + 1) + q) * rows + j] = v;
              sw[u * (options.nulls + 1) + q]! += v;
            }
          }
          w[(k - 1) * rows + j] = 1;
          sw[k - 1]! += 1;
        }
        accumulate(state.arrays.g!, await weightedGrams(w, k, x, rows, d));
        accumulate(state.arrays.s!, await weightedSums(w, k, x, rows, d));
      },
      ctx,
      { chunkRows, rowsBefore: 0, totalRows: n, label: 'spike-triggered covariance' },
    );
    const { g, s, sw } = state.arrays as Record<'g' | 's' | 'sw', Float64Array>;
    const covariance = (row: number): Float64Array | null => {
      const m = sw[row]!;
      if (!(m > 0)) return null;
      const c = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] = g[row * d * d + i * d + j]! / m - (s[row * d + i]! * s[row * d + j]!) / (m * m);
      return c;
    };
    const prior = covariance(k - 1)!;
    const out: StcUnit[] = [];
    const notes: (string | null)[] = [];
    const filters = new Float32Array(units * d);
    for (let u = 0; u < units; u++) {
      ctx.throwIfCancelled();
      const real = covariance(u * (options.nulls + 1));
      if (!real) {
        notes.push(`${responses.unitNames[u]} never responded above zero on the rows used, so it has no spike-triggered covariance.`);
        out.push({ values: new Float64Array(d), nullLow: new Float64Array(d), nullHigh: new Float64Array(d), axes: [] });
        continue;
      }
      notes.push(null);
      const delta = subtract(real, prior);
      const nullDeltas: Float64Array[] = [];
      for (let q = 1; q <= options.nulls; q++) nullDeltas.push(subtract(covariance(u * (options.nulls + 1) + q) ?? prior, prior));
      const unit = await nestedTest(delta, nullDeltas, d, options.maxAxes, ctx);
      out.push(unit);
      // The filter is the axis with the most evidence (tested first), excitatory or suppressive.
      const lead = unit.axes[0];
      if (lead) filters.set(lead.vector, u * d);
    }
    return { kind: 'stc', units, dim: d, itemShape: [...stimuli.itemShape], filters, rowsUsed: trainingRows(n), notes, stc: out, nulls: options.nulls };
  },
};

function subtract(a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) c[i] = a[i]! - b[i]!;
  return c;
}

/** P·A·P with P = I − VᵀV for orthonormal rows V (the axes found so far). */
function projectOut(a: Float64Array, axes: Float32Array[], d: number): Float64Array {
  let m = a;
  for (const v of axes) {
    // (I − vvᵀ) M (I − vvᵀ) = M − v(vᵀM) − (Mv)vᵀ + (vᵀMv) vvᵀ
    const mv = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += m[i * d + j]! * v[j]!;
      mv[i] = acc;
    }
    let vmv = 0;
    for (let i = 0; i < d; i++) vmv += v[i]! * mv[i]!;
    const next = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) next[i * d + j] = m[i * d + j]! - v[i]! * mv[j]! - mv[i]! * v[j]! + vmv * v[i]! * v[j]!;
    m = next;
  }
  return m;
}

async function nestedTest(delta: Float64Array, nulls: Float64Array[], d: number, maxAxes: number, ctx: EstimatorContext): Promise<StcUnit> {
  const first = await eighAuto(delta, d);
  const nullSpectra = nulls.map((m) => eigh(m, d, { valuesOnly: true }).values);
  const nullLow = new Float64Array(d).fill(Infinity);
  const nullHigh = new Float64Array(d).fill(-Infinity);
  for (const sp of nullSpectra) for (let r = 0; r < d; r++) {
    nullLow[r] = Math.min(nullLow[r]!, sp[r]!);
    nullHigh[r] = Math.max(nullHigh[r]!, sp[r]!);
  }
  const axes: StcAxis[] = [];
  let decomposition = first;
  // Null edges: from the full spectra first, then (after projecting out axes) the extremes by Lanczos.
  let edges = nullSpectra.map((sp) => ({ max: sp[0]!, min: sp[sp.length - 1]! }));
  while (axes.length < maxAxes) {
    ctx.throwIfCancelled();
    const found = axes.map((a) => a.vector);
    // Eigenvalues of the projected matrix, skipping the zero eigenvalues that belong to the axes projected out.
    const candidates: { value: number; vector: Float32Array }[] = [];
    for (let r = 0; r < d; r++) {
      const vec = Float32Array.from(decomposition.vectors.subarray(r * d, (r + 1) * d));
      const inSpan = found.reduce((acc, f) => acc + dot(f, vec) ** 2, 0);
      if (inSpan < 0.5) candidates.push({ value: decomposition.values[r]!, vector: vec });
    }
    if (candidates.length === 0) break;
    const hi = Math.max(...edges.map((e) => e.max));
    const lo = Math.min(...edges.map((e) => e.min));
    const top = candidates[0]!;
    const bottom = candidates[candidates.length - 1]!;
    // The larger excess over its null edge is tested first, so the order of the axes is the order of evidence.
    const excessTop = top.value - hi;
    const excessBottom = lo - bottom.value;
    if (excessTop <= 0 && excessBottom <= 0) break;
    const pick = excessTop >= excessBottom ? { ...top, sign: 'excitatory' as const } : { ...bottom, sign: 'suppressive' as const };
    axes.push({ vector: canonicalSign(pick.vector), value: pick.value, sign: pick.sign, band: [lo, hi] });
    const vs = axes.map((a) => a.vector);
    decomposition = await eighAuto(projectOut(delta, vs, d), d);
    edges = nulls.map((m, i) => extremeEigenvalues(projectOut(m, vs, d), d, undefined, i + 1));
  }
  return { values: first.values, nullLow, nullHigh, axes };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Eigenvectors have no sign; make the largest-magnitude entry positive so results are reproducible. */
function canonicalSign(v: Float32Array): Float32Array {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[best]!)) best = i;
  if (v[best]! < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
  return v;
}
