// SQL for reverse-correlation runs (#11): a run row, one result row per mapped unit (filter and z map as float32
// blobs, estimator detail as JSON) and the estimator's accumulator state for resume, replaced as the run goes.
import { UserError } from '../errors';
import type { EstimatorCheckpoint } from '../revcorr/types';
import { blobToFloat32, float32ToBlob } from './activations';
import type { Db } from './project';

export interface RevcorrRunRecord {
  id: number;
  jobId: number | null;
  harvestId: number;
  basisId: number | null;
  estimator: string;
  units: number[];
  params: Record<string, unknown>;
  itemShape: number[];
  status: string;
  summary: Record<string, unknown> | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface RevcorrResultRow {
  position: number;
  unit: number;
  name: string;
  filter: Float32Array;
  z: Float32Array | null;
  detail: Record<string, unknown>;
}

interface RunRow {
  id: number;
  job_id: number | null;
  harvest_id: number;
  basis_id: number | null;
  estimator: string;
  units_json: string;
  params_json: string;
  item_shape_json: string;
  status: string;
  summary_json: string | null;
  created_at: string;
  finished_at: string | null;
}

const fromRow = (r: RunRow): RevcorrRunRecord => ({
  id: r.id,
  jobId: r.job_id,
  harvestId: r.harvest_id,
  basisId: r.basis_id,
  estimator: r.estimator,
  units: JSON.parse(r.units_json) as number[],
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  itemShape: JSON.parse(r.item_shape_json) as number[],
  status: r.status,
  summary: r.summary_json ? (JSON.parse(r.summary_json) as Record<string, unknown>) : null,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export function insertRevcorrRun(db: Db, r: { jobId: number | null; harvestId: number; basisId: number | null; estimator: string; units: number[]; params: unknown; itemShape: number[] }): number {
  const info = db
    .prepare('INSERT INTO revcorr_runs(job_id, harvest_id, basis_id, estimator, units_json, params_json, item_shape_json, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(r.jobId, r.harvestId, r.basisId, r.estimator, JSON.stringify(r.units), JSON.stringify(r.params), JSON.stringify(r.itemShape), 'pending');
  return Number(info.lastInsertRowid);
}

export function setRevcorrJob(db: Db, runId: number, jobId: number): void {
  db.prepare('UPDATE revcorr_runs SET job_id = ? WHERE id = ?').run(jobId, runId);
}

export function getRevcorrRun(db: Db, id: number): RevcorrRunRecord {
  const row = db.prepare('SELECT * FROM revcorr_runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) throw new UserError('revcorr.unknown-run', `There is no receptive-field run ${id} in this project.`);
  return fromRow(row);
}

export function listRevcorrRuns(db: Db): RevcorrRunRecord[] {
  return (db.prepare('SELECT * FROM revcorr_runs ORDER BY id').all() as RunRow[]).map(fromRow);
}

export function setRevcorrStatus(db: Db, id: number, status: string): void {
  db.prepare('UPDATE revcorr_runs SET status = ? WHERE id = ?').run(status, id);
}

/** Results and the finished status in one transaction; the checkpoint goes with it. */
export function saveRevcorrResults(db: Db, runId: number, rows: RevcorrResultRow[], summary: unknown): void {
  const put = db.prepare('INSERT OR REPLACE INTO revcorr_results(run_id, position, unit, name, filter, z, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM revcorr_results WHERE run_id = ?').run(runId);
    for (const r of rows) put.run(runId, r.position, r.unit, r.name, float32ToBlob(r.filter), r.z ? float32ToBlob(r.z) : null, JSON.stringify(r.detail));
    db.prepare("UPDATE revcorr_runs SET status = 'done', summary_json = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?").run(JSON.stringify(summary), runId);
    db.prepare('DELETE FROM revcorr_checkpoints WHERE run_id = ?').run(runId);
  })();
}

export function revcorrResults(db: Db, runId: number): RevcorrResultRow[] {
  const rows = db.prepare('SELECT * FROM revcorr_results WHERE run_id = ? ORDER BY position').all(runId) as { position: number; unit: number; name: string; filter: Buffer; z: Buffer | null; detail_json: string }[];
  return rows.map((r) => ({ position: r.position, unit: r.unit, name: r.name, filter: blobToFloat32(r.filter), z: r.z ? blobToFloat32(r.z) : null, detail: JSON.parse(r.detail_json) as Record<string, unknown> }));
}

export function saveRevcorrCheckpoint(db: Db, runId: number, state: EstimatorCheckpoint): void {
  const put = db.prepare('INSERT OR REPLACE INTO revcorr_checkpoints(run_id, name, data) VALUES (?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM revcorr_checkpoints WHERE run_id = ?').run(runId);
    put.run(runId, '$meta', Buffer.from(JSON.stringify({ nextRow: state.nextRow, pass: state.pass, scalars: state.scalars })));
    for (const [name, a] of Object.entries(state.arrays)) put.run(runId, name, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  })();
}

export function loadRevcorrCheckpoint(db: Db, runId: number): EstimatorCheckpoint | null {
  const rows = db.prepare('SELECT name, data FROM revcorr_checkpoints WHERE run_id = ?').all(runId) as { name: string; data: Buffer }[];
  const meta = rows.find((r) => r.name === '$meta');
  if (!meta) return null;
  const m = JSON.parse(meta.data.toString()) as { nextRow: number; pass: number; scalars: Record<string, number> };
  const arrays: Record<string, Float64Array> = {};
  for (const r of rows) {
    if (r.name === '$meta') continue;
    const a = new Float64Array(r.data.byteLength / 8);
    new Uint8Array(a.buffer).set(r.data);
    arrays[r.name] = a;
  }
  return { nextRow: m.nextRow, pass: m.pass, scalars: m.scalars, arrays };
}
