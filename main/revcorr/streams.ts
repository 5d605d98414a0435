// Streams over data already in memory (a recording's spike counts, a test's planted responses) and the one check
// every estimator makes before reading: the two streams describe the same rows.
import { UserError } from '../errors';
import type { ResponseOrdering, ResponseStream, StimulusStream } from './types';

/** Rows of a row-major count × dim block. */
export function arrayStimulusStream(data: Float32Array, itemShape: readonly number[]): StimulusStream {
  const dim = itemShape.reduce((a, b) => a * b, 1);
  if (dim <= 0 || data.length % dim !== 0) throw new Error(`stimulus data of length ${data.length} is not a whole number of rows of ${dim}`);
  const count = data.length / dim;
  return {
    count,
    itemShape: [...itemShape],
    dim,
    read: async (start, rows) => data.slice(start * dim, (start + rows) * dim),
  };
}

/** A units × count block (unit-major), e.g. spike counts per cell per frame. */
export function arrayResponseStream(data: Float32Array, units: number, ordering: ResponseOrdering, unitNames?: readonly string[]): ResponseStream {
  if (units <= 0 || data.length % units !== 0) throw new Error(`response data of length ${data.length} is not a whole number of rows for ${units} units`);
  const count = data.length / units;
  return {
    count,
    units,
    unitNames: unitNames ? [...unitNames] : Array.from({ length: units }, (_, u) => `unit ${u}`),
    ordering,
    read: async (start, rows) => {
      const out = new Float32Array(units * rows);
      for (let u = 0; u < units; u++) out.set(data.subarray(u * count + start, u * count + start + rows), u * rows);
      return out;
    },
  };
}

/** Same rows on both sides, and enough of them: the sentence names both counts. */
export function checkStreams(stimuli: StimulusStream, responses: ResponseStream, minRows = 2): void {
  if (stimuli.count !== responses.count) {
    throw new UserError('revcorr.row-mismatch', `The stimuli have ${stimuli.count} rows but the responses have ${responses.count}; they must describe the same stimuli.`);
  }
  if (stimuli.count < minRows) throw new UserError('revcorr.too-few-rows', `Reverse correlation needs at least ${minRows} stimuli; got ${stimuli.count}.`);
  if (responses.units < 1) throw new UserError('revcorr.no-units', 'Choose at least one unit or feature to map.');
}
