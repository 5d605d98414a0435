// A recording as the two streams reverse correlation reads. Row j of the stimulus is the last L frames before and at
// time bin t = j + L − 1 ([L, H, W] or [L, C, H, W], lag 0 first), so a spatio-temporal filter is an ordinary filter
// over a longer row; the first L − 1 bins have no full history and are left out on both sides. Responses are the
// cells' spike counts per bin, 'temporal', so nulls shift them in time instead of shuffling.
import { UserError } from '../errors';
import { harvestResponseStream } from '../revcorr/sources';
import type { ResponseStream, StimulusStream } from '../revcorr/types';
import type { Db } from '../store/project';
import { readFrames, type RecordingRecord } from '../store/recordings';
import * as repo from '../store/repo';

export const MAX_LAGS = 64;

export function checkLags(rec: RecordingRecord, lags: number): void {
  if (!Number.isInteger(lags) || lags < 1 || lags > MAX_LAGS) throw new UserError('recording.lags', `The number of lags must be a whole number from 1 to ${MAX_LAGS}; got ${lags}.`);
  if (rec.frames - lags + 1 < 10) throw new UserError('recording.lags', `Recording ${rec.id} has ${rec.frames} frames, too few for ${lags} lags.`);
}

export function laggedItemShape(rec: RecordingRecord, lags: number): number[] {
  const [c, h, w] = rec.frameShape as [number, number, number];
  return c === 1 ? [lags, h, w] : [lags, c, h, w];
}

export function recordingStimulusStream(db: Db, rec: RecordingRecord, lags: number): StimulusStream {
  checkLags(rec, lags);
  const size = rec.frameShape.reduce((a, b) => a * b, 1);
  const dim = lags * size;
  return {
    count: rec.frames - lags + 1,
    itemShape: laggedItemShape(rec, lags),
    dim,
    read: async (start, rows) => {
      // Frames start .. start + rows + L − 2 cover every row's history; row j, lag l is frame j + L − 1 − l.
      const frames = readFrames(db, rec, start, rows + lags - 1);
      const out = new Float32Array(rows * dim);
      for (let j = 0; j < rows; j++) {
        for (let l = 0; l < lags; l++) {
          const f = j + lags - 1 - l;
          out.set(frames.subarray(f * size, (f + 1) * size), j * dim + l * size);
        }
      }
      return out;
    },
  };
}

export function recordingResponseStream(db: Db, rec: RecordingRecord, cells: number[], lags: number): ResponseStream {
  const bad = cells.find((c) => !Number.isInteger(c) || c < 0 || c >= rec.cells);
  if (bad !== undefined) throw new UserError('recording.cell-range', `Recording ${rec.id} has ${rec.cells} cells (0 to ${rec.cells - 1}); ${bad} is out of range.`);
  const inner = harvestResponseStream(db, repo.getHarvest(db, rec.harvestId), cells);
  return {
    count: rec.frames - lags + 1,
    units: cells.length,
    unitNames: cells.map((c) => `cell ${c}`),
    ordering: 'temporal',
    read: (start, rows) => inner.read(start + lags - 1, rows),
  };
}
