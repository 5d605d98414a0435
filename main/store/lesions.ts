// SQL for lesion runs (#10): a run row (sweep, MSA or loss recovered) with its full parameters and summary, and one
// result row per lesion of a sweep, committed group by group so a resumed sweep skips what is stored.
import { UserError } from '../errors';
import type { Db } from './project';

export type LesionRunKind = 'sweep' | 'shapley' | 'loss-recovered';

export interface LesionRunRecord {
  id: number;
  kind: LesionRunKind;
  jobId: number | null;
  harvestId: number;
  basisId: number | null;
  params: Record<string, unknown>;
  elements: number[];
  status: string;
  summary: Record<string, unknown> | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface LesionResultRecord {
  position: number;
  element: number;
  name: string;
  alpha: number | null;
  effects: unknown;
}

interface RunRow {
  id: number;
  kind: string;
  job_id: number | null;
  harvest_id: number;
  basis_id: number | null;
  params_json: string;
  elements_json: string;
  status: string;
  summary_json: string | null;
  created_at: string;
  finished_at: string | null;
}

const fromRow = (r: RunRow): LesionRunRecord => ({
  id: r.id,
  kind: r.kind as LesionRunKind,
  jobId: r.job_id,
  harvestId: r.harvest_id,
  basisId: r.basis_id,
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  elements: JSON.parse(r.elements_json) as number[],
  status: r.status,
  summary: r.summary_json ? (JSON.parse(r.summary_json) as Record<string, unknown>) : null,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export function insertLesionRun(db: Db, r: { kind: LesionRunKind; harvestId: number; basisId: number | null; params: Record<string, unknown>; elements: number[] }): number {
  return Number(
    db
      .prepare("INSERT INTO lesion_runs (kind, harvest_id, basis_id, params_json, elements_json, status) VALUES (?, ?, ?, ?, ?, 'pending')")
      .run(r.kind, r.harvestId, r.basisId, JSON.stringify(r.params), JSON.stringify(r.elements)).lastInsertRowid,
  );
}

export function setLesionJob(db: Db, runId: number, jobId: number): void {
  db.prepare('UPDATE lesion_runs SET job_id = ? WHERE id = ?').run(jobId, runId);
}

export function setLesionStatus(db: Db, runId: number, status: string): void {
  db.prepare('UPDATE lesion_runs SET status = ? WHERE id = ?').run(status, runId);
}

export function finishLesionRun(db: Db, runId: number, summary: unknown): void {
  db.prepare("UPDATE lesion_runs SET status = 'done', summary_json = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?").run(JSON.stringify(summary), runId);
}

export function getLesionRun(db: Db, runId: number): LesionRunRecord {
  const row = db.prepare('SELECT * FROM lesion_runs WHERE id = ?').get(runId) as RunRow | undefined;
  if (!row) throw new UserError('lesions.unknown-run', `There is no lesion run ${runId} in this project.`);
  return fromRow(row);
}

export function listLesionRuns(db: Db): LesionRunRecord[] {
  return (db.prepare('SELECT * FROM lesion_runs ORDER BY id').all() as RunRow[]).map(fromRow);
}

/** The latest finished loss-recovered summary of each basis. */
export function latestLossRecovered(db: Db): Map<number, Record<string, unknown>> {
  const rows = db
    .prepare("SELECT basis_id, summary_json FROM lesion_runs WHERE kind = 'loss-recovered' AND status = 'done' AND basis_id IS NOT NULL ORDER BY id")
    .all() as { basis_id: number; summary_json: string }[];
  return new Map(rows.map((r) => [r.basis_id, JSON.parse(r.summary_json) as Record<string, unknown>]));
}

export function saveLesionResults(db: Db, runId: number, rows: readonly LesionResultRecord[]): void {
  const insert = db.prepare('INSERT OR REPLACE INTO lesion_results (run_id, position, element, name, alpha, effects_json) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) insert.run(runId, r.position, r.element, r.name, r.alpha, JSON.stringify(r.effects));
  })();
}

export function lesionResults(db: Db, runId: number): LesionResultRecord[] {
  return (db.prepare('SELECT * FROM lesion_results WHERE run_id = ? ORDER BY position').all(runId) as { position: number; element: number; name: string; alpha: number | null; effects_json: string }[]).map(
    (r) => ({ position: r.position, element: r.element, name: r.name, alpha: r.alpha, effects: JSON.parse(r.effects_json) as unknown }),
  );
}

export function storedResultCount(db: Db, runId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM lesion_results WHERE run_id = ?').get(runId) as { n: number }).n;
}

/** The n features of a basis with the highest stored value of a metric (ties by feature index). */
export function topFeaturesByMetric(db: Db, basisId: number, metric: string, n: number): number[] {
  const rows = db
    .prepare('SELECT feature FROM feature_metrics WHERE basis_id = ? AND metric = ? AND value IS NOT NULL ORDER BY value DESC, feature LIMIT ?')
    .all(basisId, metric, n) as { feature: number }[];
  if (rows.length === 0) throw new UserError('lesions.no-metric', `Basis ${basisId} has no stored values of ${metric}; compute that metric first (cajal metrics), or name the features.`);
  return rows.map((r) => r.feature);
}
