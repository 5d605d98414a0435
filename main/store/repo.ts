// Typed reads and writes of the project's catalogue tables (models, stimulus sets, harvests, jobs). Activation data
// itself is in activations.ts.
import type { HarvestInfo, HarvestStatus, Positions, UnitStats } from '../harvest/types';
import type { InlinedBranch } from '../harvest/branches'; // room: i8
import type { JobInfo, JobKind, JobStatus } from '../jobs/types';
import type { TensorInfo } from '../onnx/types';
import type { SubgraphTensor } from '../onnx/subgraphs'; // room: i8
import type { StimulusSpecInput } from '../stimuli/request';
import type { ModelSummary, StimulusSetInfo } from './types';
import { UserError } from '../errors';
import type { Db } from './project';

// ----- models -----

export interface StoredInspection {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  tensors: TensorInfo[];
  opset: number;
  nodeCount: number;
  parameterCount: number;
  irVersion?: number;
  producerName?: string;
  /** room: i8 — tensors inside If/Loop/Scan subgraphs, with their path (absent in models opened before). */
  subgraphTensors?: SubgraphTensor[];
}

interface ModelRow {
  id: number;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  inspection_json: string;
  created_at: string;
}

export function modelFromRow(r: ModelRow): ModelSummary & { inspection: StoredInspection } {
  const inspection = JSON.parse(r.inspection_json) as StoredInspection;
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    sha256: r.sha256,
    bytes: r.bytes,
    opset: inspection.opset,
    nodeCount: inspection.nodeCount,
    parameterCount: inspection.parameterCount,
    inputs: inspection.inputs,
    outputs: inspection.outputs,
    createdAt: r.created_at,
    inspection,
  };
}

export function findModel(db: Db, sha256: string, path: string): number | null {
  const row = db.prepare('SELECT id FROM models WHERE sha256 = ? AND path = ?').get(sha256, path) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

export function insertModel(
  db: Db,
  m: { name: string; path: string; sha256: string; bytes: number; inspection: StoredInspection },
): number {
  const info = db
    .prepare('INSERT INTO models(name, path, sha256, bytes, inspection_json) VALUES (?, ?, ?, ?, ?)')
    .run(m.name, m.path, m.sha256, m.bytes, JSON.stringify(m.inspection));
  return Number(info.lastInsertRowid);
}

export function getModel(db: Db, id: number) {
  const row = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
  if (!row) throw new UserError('model.unknown', `There is no model ${id} in this project.`);
  return modelFromRow(row);
}

export function listModels(db: Db) {
  return (db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map(modelFromRow);
}

// ----- stimulus sets -----

interface StimulusSetRow {
  id: number;
  name: string;
  kind: string;
  spec_json: string;
  count: number;
  item_shape_json: string;
  label_names_json: string | null;
  created_at: string;
}

function stimulusSetFromRow(r: StimulusSetRow): StimulusSetInfo {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as StimulusSetInfo['kind'],
    count: r.count,
    itemShape: JSON.parse(r.item_shape_json) as number[],
    labelNames: r.label_names_json ? (JSON.parse(r.label_names_json) as string[]) : null,
    spec: JSON.parse(r.spec_json) as StimulusSpecInput,
    createdAt: r.created_at,
  };
}

export function insertStimulusSet(
  db: Db,
  s: { name: string; spec: StimulusSpecInput; count: number; itemShape: number[]; labelNames: string[] | null },
  items: { label: number | null; name: string; thumbnail: Uint8Array | null }[],
): number {
  return db.transaction(() => {
    const info = db
      .prepare(
        'INSERT INTO stimulus_sets(name, kind, spec_json, count, item_shape_json, label_names_json) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        s.name,
        s.spec.kind,
        JSON.stringify(s.spec),
        s.count,
        JSON.stringify(s.itemShape),
        s.labelNames ? JSON.stringify(s.labelNames) : null,
      );
    const setId = Number(info.lastInsertRowid);
    const insertItem = db.prepare('INSERT INTO stimulus_items(set_id, idx, label, name, thumbnail) VALUES (?, ?, ?, ?, ?)');
    items.forEach((it, i) => insertItem.run(setId, i, it.label, it.name, it.thumbnail ? Buffer.from(it.thumbnail) : null));
    return setId;
  })();
}

export function getStimulusSet(db: Db, id: number): StimulusSetInfo {
  const row = db.prepare('SELECT * FROM stimulus_sets WHERE id = ?').get(id) as StimulusSetRow | undefined;
  if (!row) throw new UserError('stimuli.unknown', `There is no stimulus set ${id} in this project.`);
  return stimulusSetFromRow(row);
}

export function findStimulusSet(db: Db, spec: StimulusSpecInput): number | null {
  const row = db.prepare('SELECT id FROM stimulus_sets WHERE spec_json = ?').get(JSON.stringify(spec)) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

export function listStimulusSets(db: Db): StimulusSetInfo[] {
  return (db.prepare('SELECT * FROM stimulus_sets ORDER BY id').all() as StimulusSetRow[]).map(stimulusSetFromRow);
}

export function stimulusItems(
  db: Db,
  setId: number,
  indices: number[],
): Map<number, { label: number | null; name: string; thumbnail: Buffer | null }> {
  const stmt = db.prepare('SELECT label, name, thumbnail FROM stimulus_items WHERE set_id = ? AND idx = ?');
  const out = new Map<number, { label: number | null; name: string; thumbnail: Buffer | null }>();
  for (const i of indices) {
    const r = stmt.get(setId, i) as { label: number | null; name: string; thumbnail: Buffer | null } | undefined;
    if (r) out.set(i, r);
  }
  return out;
}

/** Stores drawn thumbnails (PNG bytes) of items of a set, in one transaction. */
export function saveThumbnails(db: Db, setId: number, pngs: Map<number, Uint8Array>): void {
  const save = db.prepare('UPDATE stimulus_items SET thumbnail = ? WHERE set_id = ? AND idx = ?');
  db.transaction(() => {
    for (const [i, png] of pngs) save.run(Buffer.from(png), setId, i);
  })();
}

export function stimulusLabels(db: Db, setId: number): (number | null)[] {
  return (db.prepare('SELECT label FROM stimulus_items WHERE set_id = ? ORDER BY idx').all(setId) as { label: number | null }[]).map(
    (r) => r.label,
  );
}

/** The stored name of every item of a set, in order (null where the source has no names, e.g. MNIST). */
export function stimulusNames(db: Db, setId: number): (string | null)[] {
  return (db.prepare('SELECT name FROM stimulus_items WHERE set_id = ? ORDER BY idx').all(setId) as { name: string | null }[]).map((r) => r.name);
}

// ----- harvests -----

interface HarvestRow {
  id: number;
  model_id: number | null;
  stimulus_set_id: number | null;
  job_id: number | null;
  source: string;
  tensor: string;
  tensor_shape_json: string;
  positions: string;
  dim: number;
  rows_per_item: number;
  items_expected: number;
  rows_expected: number;
  rows_done: number;
  chunk_rows: number;
  status: string;
  params_json: string;
  created_at: string;
  finished_at: string | null;
  model_name: string | null;
  set_name: string | null;
}

export interface HarvestRecord extends HarvestInfo {
  rowsPerItem: number;
  itemsExpected: number;
  chunkRows: number;
  params: Record<string, unknown>;
}

function harvestFromRow(r: HarvestRow): HarvestRecord {
  return {
    id: r.id,
    modelId: r.model_id ?? 0,
    modelName: r.model_name ?? '(imported)',
    stimulusSetId: r.stimulus_set_id ?? 0,
    stimulusSetName: r.set_name ?? '(none)',
    tensor: r.tensor,
    tensorShape: JSON.parse(r.tensor_shape_json) as number[],
    positions: r.positions as Positions,
    dim: r.dim,
    rowsExpected: r.rows_expected,
    rowsDone: r.rows_done,
    status: r.status as HarvestStatus,
    jobId: r.job_id,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    source: r.source as 'model' | 'import',
    rowsPerItem: r.rows_per_item,
    itemsExpected: r.items_expected,
    chunkRows: r.chunk_rows,
    params: JSON.parse(r.params_json) as Record<string, unknown>,
  };
}

const harvestSelect = `SELECT h.*, m.name AS model_name, s.name AS set_name FROM harvests h
  LEFT JOIN models m ON m.id = h.model_id LEFT JOIN stimulus_sets s ON s.id = h.stimulus_set_id`;

/** The contract's view of a harvest (without the store's bookkeeping fields). */
export function publicHarvest(h: HarvestRecord): HarvestInfo {
  const { rowsPerItem: _a, itemsExpected: _b, chunkRows: _c, params: _d, ...info } = h;
  const inputs = (h.params as { inputs?: Record<string, string> }).inputs; // room: i8 — the other inputs' values
  const branches = (h.params as { branches?: InlinedBranch[] }).branches; // room: i8 — If branches inlined
  return { ...info, ...(inputs && Object.keys(inputs).length > 0 ? { inputs } : {}), ...(branches?.length ? { branches } : {}) };
}

export function getHarvest(db: Db, id: number): HarvestRecord {
  const row = db.prepare(`${harvestSelect} WHERE h.id = ?`).get(id) as HarvestRow | undefined;
  if (!row) throw new UserError('harvest.unknown', `There is no harvest ${id} in this project.`);
  return harvestFromRow(row);
}

export function listHarvests(db: Db): HarvestRecord[] {
  return (db.prepare(`${harvestSelect} ORDER BY h.id`).all() as HarvestRow[]).map(harvestFromRow);
}

export function harvestsOfJob(db: Db, jobId: number): HarvestRecord[] {
  return (db.prepare(`${harvestSelect} WHERE h.job_id = ? ORDER BY h.id`).all(jobId) as HarvestRow[]).map(harvestFromRow);
}

export function insertHarvest(
  db: Db,
  h: {
    modelId: number | null;
    stimulusSetId: number | null;
    jobId: number | null;
    source: 'model' | 'import';
    tensor: string;
    tensorShape: number[];
    positions: Positions;
    dim: number;
    rowsPerItem: number;
    itemsExpected: number;
    chunkRows: number;
    params: unknown;
  },
): number {
  const info = db
    .prepare(
      `INSERT INTO harvests(model_id, stimulus_set_id, job_id, source, tensor, tensor_shape_json, positions, dim,
         rows_per_item, items_expected, rows_expected, chunk_rows, status, params_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    )
    .run(
      h.modelId,
      h.stimulusSetId,
      h.jobId,
      h.source,
      h.tensor,
      JSON.stringify(h.tensorShape),
      h.positions,
      h.dim,
      h.rowsPerItem,
      h.itemsExpected,
      h.rowsPerItem * h.itemsExpected,
      h.chunkRows,
      JSON.stringify(h.params),
    );
  return Number(info.lastInsertRowid);
}

export function setHarvestStatus(db: Db, id: number, status: HarvestStatus): void {
  const finished = status === 'done' || status === 'failed' || status === 'cancelled';
  db.prepare(
    `UPDATE harvests SET status = ?, finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE NULL END WHERE id = ?`,
  ).run(status, finished ? 1 : 0, id);
}

export function saveUnitStats(db: Db, harvestId: number, stats: UnitStats[]): void {
  const ins = db.prepare(
    'INSERT OR REPLACE INTO unit_stats(harvest_id, unit, mean, std, min, max, frac_active) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const s of stats) ins.run(harvestId, s.unit, s.mean, s.std, s.min, s.max, s.fracActive);
  })();
}

export function loadUnitStats(db: Db, harvestId: number): UnitStats[] {
  return (
    db
      .prepare('SELECT unit, mean, std, min, max, frac_active FROM unit_stats WHERE harvest_id = ? ORDER BY unit')
      .all(harvestId) as { unit: number; mean: number; std: number; min: number; max: number; frac_active: number }[]
  ).map((r) => ({ unit: r.unit, mean: r.mean, std: r.std, min: r.min, max: r.max, fracActive: r.frac_active }));
}

// ----- jobs -----

interface JobRow {
  id: number;
  kind: string;
  title: string;
  params_json: string;
  status: string;
  progress: number;
  message: string | null;
  error: string | null;
  result_json: string | null;
  checkpoint_json: string | null;
  owner_pid: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export function jobFromRow(r: JobRow): JobInfo {
  return {
    id: r.id,
    kind: r.kind as JobKind,
    title: r.title,
    status: r.status as JobStatus,
    progress: r.progress,
    rate: null,
    rateUnit: 'rows/s',
    etaSeconds: null,
    message: r.message,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    params: JSON.parse(r.params_json) as unknown,
    result: r.result_json ? (JSON.parse(r.result_json) as unknown) : null,
    live: null,
  };
}

export function insertJob(db: Db, kind: JobKind, title: string, params: unknown): number {
  const info = db
    .prepare("INSERT INTO jobs(kind, title, params_json, status, owner_pid) VALUES (?, ?, ?, 'queued', ?)")
    .run(kind, title, JSON.stringify(params), process.pid);
  return Number(info.lastInsertRowid);
}

export function getJob(db: Db, id: number): JobInfo {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!row) throw new UserError('job.unknown', `There is no job ${id} in this project.`);
  return jobFromRow(row);
}

export function listJobs(db: Db): JobInfo[] {
  return (db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT 200').all() as JobRow[]).map(jobFromRow);
}

export function markJobRunning(db: Db, id: number, pid: number): void {
  db.prepare(
    "UPDATE jobs SET status = 'running', owner_pid = ?, error = NULL, started_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), finished_at = NULL WHERE id = ?",
  ).run(pid, id);
}

/** A harvest's rows per chunk, set once when its job's tensors agree on a chunk size in stimuli. */
export function setHarvestChunkRows(db: Db, harvestId: number, chunkRows: number): void {
  db.prepare('UPDATE harvests SET chunk_rows = ? WHERE id = ?').run(chunkRows, harvestId);
}

export function setJobParams(db: Db, jobId: number, params: unknown): void {
  db.prepare('UPDATE jobs SET params_json = ? WHERE id = ?').run(JSON.stringify(params), jobId);
}

export function updateJobProgress(db: Db, id: number, progress: number, message: string | null): void {
  db.prepare('UPDATE jobs SET progress = ?, message = ? WHERE id = ?').run(progress, message, id);
}

export function finishJob(
  db: Db,
  id: number,
  status: Extract<JobStatus, 'done' | 'failed' | 'cancelled'>,
  fields: { result?: unknown; error?: string; message?: string },
): void {
  db.prepare(
    `UPDATE jobs SET status = ?, result_json = ?, error = ?, message = COALESCE(?, message),
       progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END,
       finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
  ).run(
    status,
    fields.result === undefined ? null : JSON.stringify(fields.result),
    fields.error ?? null,
    fields.message ?? null,
    status,
    id,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Jobs left 'running' by a process that no longer exists were interrupted (killed, crashed, power cut). */
export function markOrphanedJobsInterrupted(db: Db): number[] {
  const running = db.prepare("SELECT id, owner_pid FROM jobs WHERE status IN ('running', 'queued')").all() as {
    id: number;
    owner_pid: number | null;
  }[];
  const orphaned = running.filter((j) => j.owner_pid === null || (j.owner_pid !== process.pid && !processAlive(j.owner_pid)));
  const mark = db.prepare("UPDATE jobs SET status = 'interrupted', message = 'Interrupted; it can resume from its last checkpoint.' WHERE id = ?");
  const markHarvests = db.prepare("UPDATE harvests SET status = 'interrupted' WHERE job_id = ? AND status IN ('running', 'pending')");
  db.transaction(() => {
    for (const j of orphaned) {
      mark.run(j.id);
      markHarvests.run(j.id);
    }
  })();
  return orphaned.map((j) => j.id);
}
