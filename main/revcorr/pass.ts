// What every estimator's pass over the rows shares: responses held whole (units × rows is small next to the
// stimuli, which are only ever streamed), the held-out rows, response transforms, seeded null shuffles, and the
// chunk loop that reports progress, honours cancel and saves / restores its accumulators for resume.
import { Rng } from '../util/random';
import type { EstimatorCheckpoint, EstimatorContext, ResponseOrdering, ResponseStream, ResponseTransform, StimulusStream } from './types';

/** Row t is held out of every estimate (and kept for cross-validation / the LN model's test) iff t % 5 === 4. */
export const HOLDOUT_EVERY = 5;
export const isHeldOut = (t: number): boolean => t % HOLDOUT_EVERY === HOLDOUT_EVERY - 1;
export const trainingRows = (n: number): number => n - Math.floor(n / HOLDOUT_EVERY);

/** Default rows per chunk: bounded so that a chunk of stimuli stays near 8 MB whatever the item size. */
export function defaultChunkRows(dim: number): number {
  return Math.max(64, Math.min(2048, Math.floor((2 * 1024 * 1024) / Math.max(1, dim))));
}

/** Every unit's responses to every row, unit-major (units × count). */
export async function loadResponses(responses: ResponseStream, chunkRows = 8192): Promise<Float32Array> {
  const n = responses.count;
  const out = new Float32Array(responses.units * n);
  for (let start = 0; start < n; start += chunkRows) {
    const rows = Math.min(chunkRows, n - start);
    const block = await responses.read(start, rows);
    for (let u = 0; u < responses.units; u++) out.set(block.subarray(u * rows, (u + 1) * rows), u * n + start);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new Error(`response ${i % n} of unit ${Math.floor(i / n)} is not a finite number`);
  }
  return out;
}

export function transformResponse(v: number, t: ResponseTransform): number {
  switch (t.kind) {
    case 'raw':
      return v;
    case 'rectified':
      return v > 0 ? v : 0;
    case 'threshold':
      return v > t.value ? 1 : 0;
  }
}

/**
 * `count` null alignments of responses to rows: for row t the null k reads response maps[k][t]. Independent rows
 * get a seeded permutation; temporal rows a circular shift by a random lag of at least a tenth of the length, so
 * the response's own autocorrelation survives and its alignment with the stimulus does not.
 */
export function nullMaps(count: number, n: number, ordering: ResponseOrdering, seed: number): Int32Array[] {
  const maps: Int32Array[] = [];
  for (let k = 0; k < count; k++) {
    const rng = Rng.stream(seed, k);
    const m = new Int32Array(n);
    if (ordering === 'temporal') {
      const min = Math.max(1, Math.floor(n / 10));
      const shift = min + Math.floor(rng.float() * Math.max(1, n - 2 * min));
      for (let t = 0; t < n; t++) m[t] = (t + shift) % n;
    } else {
      for (let t = 0; t < n; t++) m[t] = t;
      for (let t = n - 1; t > 0; t--) {
        const j = Math.floor(rng.float() * (t + 1));
        const tmp = m[t]!;
        m[t] = m[j]!;
        m[j] = tmp;
      }
    }
    maps.push(m);
  }
  return maps;
}

export interface PassState {
  arrays: Record<string, Float64Array>;
  scalars: Record<string, number>;
}

/**
 * Streams rows [0, count) of the stimuli in chunks through `step`, which adds the chunk to `state`. Resumes from
 * ctx.checkpoint when it holds state for this pass, saves state every `saveEvery` chunks, and reports progress as
 * rows done out of `totalRows` (over all passes, with `rowsBefore` done in earlier passes). One state object
 * holds every pass's accumulators, so a checkpoint taken in any pass restores all of them.
 */
export async function streamPass(
  stimuli: StimulusStream,
  pass: number,
  state: PassState,
  step: (x: Float32Array, start: number, rows: number) => Promise<void>,
  ctx: EstimatorContext,
  opts: { chunkRows: number; rowsBefore: number; totalRows: number; label: string; saveEvery?: number },
): Promise<void> {
  let next = 0;
  const saved = ctx.checkpoint?.load() ?? null;
  if (saved && saved.pass >= pass && sameShapes(saved, state)) {
    for (const [k, v] of Object.entries(saved.arrays)) state.arrays[k]!.set(v);
    Object.assign(state.scalars, saved.scalars);
    if (saved.pass > pass) return; // this pass finished before the interruption
    next = saved.nextRow;
  }
  const saveEvery = opts.saveEvery ?? 16;
  let chunks = 0;
  for (let start = next; start < stimuli.count; ) {
    ctx.throwIfCancelled();
    const rows = Math.min(opts.chunkRows, stimuli.count - start);
    const x = await stimuli.read(start, rows);
    if (x.length !== rows * stimuli.dim) throw new Error(`the stimulus stream returned ${x.length} values for ${rows} rows of ${stimuli.dim}`);
    await step(x, start, rows);
    start += rows;
    chunks++;
    ctx.progress(opts.rowsBefore + start, opts.totalRows, opts.label);
    if (ctx.checkpoint && start < stimuli.count && chunks % saveEvery === 0) ctx.checkpoint.save(snapshot(state, pass, start));
  }
  // A finished pass is saved too, so a later pass that is interrupted does not redo this one.
  ctx.checkpoint?.save(snapshot(state, pass + 1, 0));
}

function sameShapes(saved: EstimatorCheckpoint, state: PassState): boolean {
  const keys = Object.keys(state.arrays);
  return keys.length === Object.keys(saved.arrays).length && keys.every((k) => saved.arrays[k]?.length === state.arrays[k]!.length);
}

function snapshot(state: PassState, pass: number, nextRow: number): EstimatorCheckpoint {
  return { pass, nextRow, arrays: state.arrays, scalars: { ...state.scalars } };
}
