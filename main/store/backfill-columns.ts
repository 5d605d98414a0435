// The Features panel's columns for projects older than feature_column_blocks (h18ui, #18): read from the rows once,
// then stored as blocks (store/backfill.ts says when a read may write).
import type { MetricName } from '../analyses/types';
import { tryWrite } from './backfill';
import { featureStatColumns } from './feature-columns';
import { metricValues } from './features';
import type { Db } from './project';
import { metricKey, readMetricColumn, readStatColumns, STAT_COLUMNS, writeColumn, type StatColumn } from './scale';

/** The statistics run a basis' rows belong to (saveFeatureStatsEach replaces it, with the rows and their blocks). */
function statRunKey(db: Db, basisId: number): string | null {
  const r = db.prepare('SELECT job_id, created_at, rows FROM feature_runs WHERE basis_id = ?').get(basisId) as { job_id: number | null; created_at: string; rows: number } | undefined;
  return r ? JSON.stringify(r) : null;
}

/** The four statistics columns: from their blocks, or computed from the rows and then stored as blocks. */
export function statColumnsHealing(db: Db, basisId: number, m: number): Record<StatColumn, Float64Array> {
  const stored = readStatColumns(db, basisId, m);
  if (stored) return stored;
  const run = statRunKey(db, basisId);
  const cols = featureStatColumns(db, basisId, m);
  if (run !== null) {
    tryWrite(db, () => {
      if (readStatColumns(db, basisId, m) || statRunKey(db, basisId) !== run) return false;
      for (const c of STAT_COLUMNS) writeColumn(db, basisId, c, cols[c]);
      return true;
    });
  }
  return cols;
}

/** The metric run a metric's rows come from, and how many there are (saveMetricValues replaces them with their block). */
function metricRowsKey(db: Db, basisId: number, metric: MetricName): string {
  return JSON.stringify(db.prepare('SELECT max(run_id) AS run, count(*) AS n FROM feature_metrics WHERE basis_id = ? AND metric = ?').get(basisId, metric));
}

/** One metric's column: from its block, or computed from the rows (NaN where none) and then stored as a block. */
export function metricColumnHealing(db: Db, basisId: number, metric: MetricName): Float64Array {
  const stored = readMetricColumn(db, basisId, metric);
  if (stored) return stored;
  const key = metricRowsKey(db, basisId, metric);
  const v = Float64Array.from(metricValues(db, basisId, metric));
  tryWrite(db, () => {
    if (readMetricColumn(db, basisId, metric) || metricRowsKey(db, basisId, metric) !== key) return false;
    writeColumn(db, basisId, metricKey(metric), v);
    return true;
  });
  return v;
}

