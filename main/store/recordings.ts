// SQL for recordings (#11 item 4): the recording row that ties a harvest of cells to its stimulus frames, and the
// frames themselves as float32 chunks read back by frame range (a long recording never has to sit in memory).
import { UserError } from '../errors';
import { blobToFloat32, float32ToBlob } from './activations';
import type { Db } from './project';

export interface RecordingRecord {
  id: number;
  name: string;
  harvestId: number;
  /** [C, H, W]: frames are stored channel-first, like a network's NCHW stimuli. */
  frameShape: number[];
  frameRate: number;
  startTime: number;
  frames: number;
  cells: number;
  source: Record<string, unknown>;
  createdAt: string;
}

interface Row {
  id: number;
  name: string;
  harvest_id: number;
  frame_shape_json: string;
  frame_rate: number;
  start_time: number;
  frames: number;
  cells: number;
  source_json: string;
  created_at: string;
}

const fromRow = (r: Row): RecordingRecord => ({
  id: r.id,
  name: r.name,
  harvestId: r.harvest_id,
  frameShape: JSON.parse(r.frame_shape_json) as number[],
  frameRate: r.frame_rate,
  startTime: r.start_time,
  frames: r.frames,
  cells: r.cells,
  source: JSON.parse(r.source_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function insertRecording(db: Db, r: Omit<RecordingRecord, 'id' | 'createdAt'>): number {
  const info = db
    .prepare('INSERT INTO recordings(name, harvest_id, frame_shape_json, frame_rate, start_time, frames, cells, source_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(r.name, r.harvestId, JSON.stringify(r.frameShape), r.frameRate, r.startTime, r.frames, r.cells, JSON.stringify(r.source));
  return Number(info.lastInsertRowid);
}

export function insertFrameChunk(db: Db, recordingId: number, firstFrame: number, frameCount: number, data: Float32Array): void {
  db.prepare('INSERT INTO recording_frames(recording_id, first_frame, frame_count, data) VALUES (?, ?, ?, ?)').run(recordingId, firstFrame, frameCount, float32ToBlob(data));
}

export function getRecording(db: Db, id: number): RecordingRecord {
  const row = db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
  if (!row) throw new UserError('recording.unknown', `There is no recording ${id} in this project.`);
  return fromRow(row);
}

/** The recording whose cells a harvest holds, or null for a harvest of a network. */
export function recordingOfHarvest(db: Db, harvestId: number): RecordingRecord | null {
  const row = db.prepare('SELECT * FROM recordings WHERE harvest_id = ?').get(harvestId) as Row | undefined;
  return row ? fromRow(row) : null;
}

export function listRecordings(db: Db): RecordingRecord[] {
  return (db.prepare('SELECT * FROM recordings ORDER BY id').all() as Row[]).map(fromRow);
}

/** Frames first..first+count−1 as one count × frameSize block. */
export function readFrames(db: Db, rec: RecordingRecord, first: number, count: number): Float32Array {
  const size = rec.frameShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count * size);
  const stmt = db.prepare('SELECT first_frame, frame_count, data FROM recording_frames WHERE recording_id = ? AND first_frame < ? AND first_frame + frame_count > ? ORDER BY first_frame');
  for (const c of stmt.all(rec.id, first + count, first) as { first_frame: number; frame_count: number; data: Buffer }[]) {
    const data = blobToFloat32(c.data);
    const from = Math.max(first, c.first_frame);
    const to = Math.min(first + count, c.first_frame + c.frame_count);
    out.set(data.subarray((from - c.first_frame) * size, (to - c.first_frame) * size), (from - first) * size);
  }
  return out;
}
