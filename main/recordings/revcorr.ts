// Where a recording meets reverse correlation: its streams for L lags, and the per-cell detail only a
// spatio-temporal filter has (its rank-1 separable decomposition and the temporal kernel's peak lag).
import type { Db } from '../store/project';
import type { RecordingRecord } from '../store/recordings';
import type { ResponseStream, StimulusStream } from '../revcorr/types';
import { separate } from './separable';
import { recordingResponseStream, recordingStimulusStream } from './streams';

export function recordingStreams(db: Db, rec: RecordingRecord, cells: number[], lags: number): { stimuli: StimulusStream; responses: ResponseStream } {
  return { stimuli: recordingStimulusStream(db, rec, lags), responses: recordingResponseStream(db, rec, cells, lags) };
}

/** Detail stored with each cell's result: the separable parts, as plain arrays for JSON. */
export function spatioTemporalDetail(filter: Float32Array, lags: number, frameShape: number[]): Record<string, unknown> {
  const s = separate(filter, lags);
  return { lags, frameShape, temporal: s.temporal, spatial: Array.from(s.spatial), peakLag: s.peakLag, separability: s.separability };
}
