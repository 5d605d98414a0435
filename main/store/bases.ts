// Fitted bases in the project file: their parameters, weights (named float32 tensors), training log and checkpoints.
import { UserError } from '../errors';
import type { BasisState } from '../bases/types';
import { blobToFloat32, float32ToBlob } from './activations';
import { deleteTensorBlocks, isBlocked, readBlockedTensor } from './basis-blocks'; // h18imp (#18 item 4)
import type { Db } from './project';

export interface BasisRecord {
  id: number;
  harvestId: number;
  jobId: number | null;
  method: string;
  name: string;
  params: Record<string, unknown>;
  seed: number;
  nFeatures: number;
  dim: number;
  status: string;
  quality: Record<string, unknown> | null;
  createdAt: string;
  finishedAt: string | null;
}

interface BasisRow {
  id: number;
  harvest_id: number;
  job_id: number | null;
  method: string;
  name: string;
  params_json: string;
  seed: number;
  n_features: number;
  dim: number;
  status: string;
  quality_json: string | null;
  created_at: string;
  finished_at: string | null;
}

function fromRow(r: BasisRow): BasisRecord {
  return {
    id: r.id,
    harvestId: r.harvest_id,
    jobId: r.job_id,
    method: r.method,
    name: r.name,
    params: JSON.parse(r.params_json) as Record<string, unknown>,
    seed: r.seed,
    nFeatures: r.n_features,
    dim: r.dim,
    status: r.status,
    quality: r.quality_json ? (JSON.parse(r.quality_json) as Record<string, unknown>) : null,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export function insertBasis(
  db: Db,
  b: { harvestId: number; jobId: number | null; method: string; name: string; params: unknown; seed: number; nFeatures: number; dim: number; status: string },
): number {
  const info = db
    .prepare('INSERT INTO bases(harvest_id, job_id, method, name, params_json, seed, n_features, dim, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(b.harvestId, b.jobId, b.method, b.name, JSON.stringify(b.params), b.seed, b.nFeatures, b.dim, b.status);
  return Number(info.lastInsertRowid);
}

export function getBasis(db: Db, id: number): BasisRecord {
  const row = db.prepare('SELECT * FROM bases WHERE id = ?').get(id) as BasisRow | undefined;
  if (!row) throw new UserError('basis.unknown', `There is no basis ${id} in this project.`);
  return fromRow(row);
}

/** The bases of the project (or of one harvest); an import still under way (h18imp: status 'importing') is not listed. */
export function listBases(db: Db, harvestId?: number): BasisRecord[] {
  const rows = (harvestId === undefined
    ? db.prepare("SELECT * FROM bases WHERE status != 'importing' ORDER BY id").all()
    : db.prepare("SELECT * FROM bases WHERE harvest_id = ? AND status != 'importing' ORDER BY id").all(harvestId)) as BasisRow[];
  return rows.map(fromRow);
}

/** Ties a basis to the fit job that trains it (the job is inserted after the basis, so it names the basis). */
export function setBasisJob(db: Db, basisId: number, jobId: number): void {
  db.prepare('UPDATE bases SET job_id = ? WHERE id = ?').run(jobId, basisId);
}

export function setBasisStatus(db: Db, id: number, status: string, fields: { quality?: unknown; nFeatures?: number } = {}): void {
  const finished = status === 'done' || status === 'failed' || status === 'cancelled';
  db.prepare(
    `UPDATE bases SET status = ?, quality_json = COALESCE(?, quality_json), n_features = COALESCE(?, n_features),
       finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE NULL END WHERE id = ?`,
  ).run(status, fields.quality === undefined ? null : JSON.stringify(fields.quality), fields.nFeatures ?? null, finished ? 1 : 0, id);
}

/** Replace tensors whose names start with `prefix` by `state` (names prefixed), in one transaction. */
export function saveBasisTensors(db: Db, basisId: number, state: BasisState, prefix = ''): void {
  // The final weights (no prefix) and a checkpoint ('ckpt/') live side by side; replacing one keeps the other.
  const del = prefix
    ? db.prepare('DELETE FROM basis_tensors WHERE basis_id = ? AND substr(name, 1, ?) = ?').bind(basisId, prefix.length, prefix)
    : db.prepare("DELETE FROM basis_tensors WHERE basis_id = ? AND name NOT LIKE 'ckpt/%'").bind(basisId);
  const ins = db.prepare('INSERT INTO basis_tensors(basis_id, name, shape_json, data) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    del.run();
    deleteTensorBlocks(db, basisId, prefix); // h18imp
    for (const [name, t] of Object.entries(state)) ins.run(basisId, prefix + name, JSON.stringify(t.shape), float32ToBlob(t.data));
  })();
}

export function loadBasisTensors(db: Db, basisId: number, prefix = ''): BasisState {
  const rows = db.prepare('SELECT name, shape_json, data FROM basis_tensors WHERE basis_id = ? ORDER BY name').all(basisId) as {
    name: string;
    shape_json: string;
    data: Buffer;
  }[];
  const state: BasisState = {};
  for (const r of rows) {
    if (!r.name.startsWith(prefix) || (prefix === '' && r.name.startsWith('ckpt/'))) continue;
    const shape = JSON.parse(r.shape_json) as number[];
    // h18imp: a tensor imported in blocks is reassembled from them.
    state[r.name.slice(prefix.length)] = isBlocked(shape, r.data) ? readBlockedTensor(db, basisId, r.name, shape) : { shape, data: blobToFloat32(r.data) };
  }
  return state;
}

export function appendTrainingLog(db: Db, basisId: number, step: number, metrics: Record<string, number>): void {
  db.prepare('INSERT OR REPLACE INTO training_log(basis_id, step, metrics_json) VALUES (?, ?, ?)').run(basisId, step, JSON.stringify(metrics));
}

export function trainingLog(db: Db, basisId: number): { step: number; metrics: Record<string, number> }[] {
  return (db.prepare('SELECT step, metrics_json FROM training_log WHERE basis_id = ? ORDER BY step').all(basisId) as { step: number; metrics_json: string }[]).map(
    (r) => ({ step: r.step, metrics: JSON.parse(r.metrics_json) as Record<string, number> }),
  );
}

/** A training checkpoint: tensors under 'ckpt/' plus the step and extra state in the job row, in one transaction. */
export function saveCheckpoint(db: Db, basisId: number, jobId: number, step: number, state: BasisState, extra: Record<string, unknown>): void {
  db.transaction(() => {
    saveBasisTensors(db, basisId, state, 'ckpt/');
    db.prepare('UPDATE jobs SET checkpoint_json = ? WHERE id = ?').run(JSON.stringify({ basisId, step, extra }), jobId);
  })();
}

export function loadCheckpoint(db: Db, basisId: number, jobId: number): { step: number; state: BasisState; extra: Record<string, unknown> } | null {
  const row = db.prepare('SELECT checkpoint_json FROM jobs WHERE id = ?').get(jobId) as { checkpoint_json: string | null } | undefined;
  if (!row?.checkpoint_json) return null;
  const ck = JSON.parse(row.checkpoint_json) as { basisId: number; step: number; extra: Record<string, unknown> };
  if (ck.basisId !== basisId) return null;
  // Steps logged after the checkpoint will be trained again; drop them so the curve has no duplicates.
  db.prepare('DELETE FROM training_log WHERE basis_id = ? AND step > ?').run(basisId, ck.step);
  return { step: ck.step, state: loadBasisTensors(db, basisId, 'ckpt/'), extra: ck.extra };
}
