// A recording into the project: every check first (spike times inside the stimulus, cells present), then in one
// transaction the cells as an imported harvest (spike counts per frame as rows, the shape import-activations
// stores, so bases, features and metrics take cells as they take units), the frames as chunks, and the recording
// row that ties them together. A refused recording leaves the project as it was.
import { basename } from 'node:path';
import { UserError } from '../errors';
import { computeUnitStats } from '../harvest/unit-stats';
import { commitChunks } from '../store/activations';
import type { Db } from '../store/project';
import { getRecording, insertFrameChunk, insertRecording, type RecordingRecord } from '../store/recordings';
import * as repo from '../store/repo';
import { parseFrameShape, readStimulusFile } from './frames';
import { readNwb } from './nwb';
import { binSpikes, readSpikesFile, type SpikeLayout } from './spikes';
import { frameCount, type RecordingData } from './types';

export interface ImportRecordingRequest {
  name?: string;
  /** Files: stimulus frames and spikes … */
  stimulus?: string;
  frameShape?: string;
  frameRate?: number;
  spikes?: string;
  spikesAs?: SpikeLayout;
  /** … or one NWB file (and optionally which stimulus series in it). */
  nwb?: string;
  series?: string;
}

export async function readRecording(p: ImportRecordingRequest): Promise<RecordingData> {
  if (p.nwb !== undefined) {
    if (p.stimulus !== undefined || p.spikes !== undefined) throw new UserError('recording.usage', 'Give either an NWB file or a stimulus with spikes, not both.');
    return readNwb(p.nwb, p.series);
  }
  if (p.stimulus === undefined || p.spikes === undefined || p.frameShape === undefined || p.frameRate === undefined) {
    throw new UserError('recording.usage', 'A recording needs the stimulus, its frame shape, its frame rate and the spikes (or one NWB file).');
  }
  if (!(Number.isFinite(p.frameRate) && p.frameRate > 0)) throw new UserError('recording.rate', `The frame rate must be a positive number of frames per second, not ${p.frameRate}.`);
  const hwc = parseFrameShape(p.frameShape);
  const { frames, count } = readStimulusFile(p.stimulus, hwc);
  const spikes = readSpikesFile(p.spikes, count, p.spikesAs);
  return { frames, frameShape: [hwc[2], hwc[0], hwc[1]], frameRate: p.frameRate, startTime: 0, spikes, source: { stimulus: p.stimulus, spikes: p.spikes } };
}

export async function importRecording(db: Db, p: ImportRecordingRequest): Promise<RecordingRecord> {
  const data = await readRecording(p);
  const frames = frameCount(data);
  const { counts, cells } = binSpikes(data.spikes, frames, data.frameRate, data.startTime);
  if (cells === 0) throw new UserError('recording.spikes', 'The recording names no cells.');
  const name = p.name ?? basename(p.nwb ?? p.spikes ?? 'recording');
  const size = data.frameShape.reduce((a, b) => a * b, 1);
  const chunkRows = Math.max(1, Math.min(16384, Math.floor((1 << 20) / cells)));
  const frameChunk = Math.max(1, Math.floor((1 << 20) / size));
  const id = db.transaction(() => {
    const harvestId = repo.insertHarvest(db, {
      modelId: null,
      stimulusSetId: null,
      jobId: null,
      source: 'import',
      tensor: name,
      tensorShape: [cells],
      positions: 'centre',
      dim: cells,
      rowsPerItem: 1,
      itemsExpected: frames,
      chunkRows,
      params: { recording: true, frameRate: data.frameRate, ...data.source },
    });
    for (let start = 0, index = 0; start < frames; start += chunkRows, index++) {
      const n = Math.min(chunkRows, frames - start);
      const meta = new Int32Array(n * 4).fill(-1);
      for (let r = 0; r < n; r++) meta[r * 4] = start + r;
      commitChunks(db, [{ harvestId, chunkIndex: index, firstRow: start, rowCount: n, data: counts.slice(start * cells, (start + n) * cells), meta }]);
    }
    repo.setHarvestStatus(db, harvestId, 'done');
    const recId = insertRecording(db, { name, harvestId, frameShape: [...data.frameShape], frameRate: data.frameRate, startTime: data.startTime, frames, cells, source: data.source });
    for (let f = 0; f < frames; f += frameChunk) {
      const n = Math.min(frameChunk, frames - f);
      insertFrameChunk(db, recId, f, n, data.frames.subarray(f * size, (f + n) * size));
    }
    return recId;
  })();
  const rec = getRecording(db, id);
  computeUnitStats(db, rec.harvestId);
  return rec;
}
