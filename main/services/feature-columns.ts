// features.columns (#18): the feature table as typed columns read straight from SQLite (one query per column
// family, no per-feature JSON), encoded as base64 float64 for any transport (IPC, HTTP, direct).
import type { FeatureColumnsPayload } from '../api/schemas/w18';
import type { MetricName } from '../analyses/types';
import { getBasis } from '../store/bases';
import { featureStatRange, metricRange } from '../store/feature-columns';
import * as store from '../store/features';
import type { Db } from '../store/project';
import { metricColumnHealing, statColumnsHealing } from '../store/backfill-columns'; // h18ui: older projects heal on first read
import { UserError } from '../errors';

const b64 = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function featureColumns(db: Db, basisId: number): FeatureColumnsPayload {
  const rec = getBasis(db, basisId);
  const m = rec.nFeatures;
  const run = store.getFeatureRun(db, basisId);
  const empty = b64(new Float64Array(0));
  if (!run) return { basisId, nFeatures: m, computed: false, metricNames: [], density: empty, mean: empty, min: empty, max: empty, metrics: {}, zScores: {} };
  // scale (#18): the columns stored whole when the statistics (and each metric) were saved; rows where they predate
  // them — h18ui: and then stored whole, so an older project is read from its rows once.
  const cols = statColumnsHealing(db, basisId, m);
  const metricNames = store.metricNamesOf(db, basisId);
  const nulls = store.latestNulls(db, basisId);
  const metrics: Partial<Record<MetricName, string>> = {};
  const zScores: Partial<Record<MetricName, string>> = {};
  for (const name of metricNames) {
    const v = metricColumnHealing(db, basisId, name);
    metrics[name] = b64(v);
    const n = nulls[name];
    // As features.table's zScoresOf: only where the null has spread and the value is finite.
    if (n && n.sd > 0) zScores[name] = b64(v.map((x) => (Number.isFinite(x) ? (x - n.mean) / n.sd : NaN)));
  }
  return { basisId, nFeatures: m, computed: true, metricNames, density: b64(cols.density), mean: b64(cols.mean), min: b64(cols.min), max: b64(cols.max), metrics, zScores };
}

/** features.columnsPage: the same columns for features offset … offset+limit−1 only (clipped to the basis), so the
 * Features panel can show its first rows at once — a primary-key range of a few hundred rows — while the whole
 * columns (131,072 rows read from SQLite) are still on their way. */
export function featureColumnsPage(db: Db, basisId: number, offset: number, limit: number): FeatureColumnsPayload {
  const rec = getBasis(db, basisId);
  const m = rec.nFeatures;
  if (offset > m) throw new UserError('features.params', `Offset ${offset} is past the last of the ${m} features of basis ${basisId}.`);
  const lo = offset;
  const hi = Math.min(m, offset + limit);
  const run = store.getFeatureRun(db, basisId);
  const empty = b64(new Float64Array(0));
  if (!run) return { basisId, nFeatures: m, computed: false, metricNames: [], density: empty, mean: empty, min: empty, max: empty, metrics: {}, zScores: {}, offset };
  const cols = featureStatRange(db, basisId, lo, hi);
  const metricNames = store.metricNamesOf(db, basisId);
  const nulls = store.latestNulls(db, basisId);
  const metrics: Partial<Record<MetricName, string>> = {};
  const zScores: Partial<Record<MetricName, string>> = {};
  for (const name of metricNames) {
    const v = metricRange(db, basisId, name, lo, hi);
    metrics[name] = b64(v);
    const n = nulls[name];
    if (n && n.sd > 0) zScores[name] = b64(v.map((x) => (Number.isFinite(x) ? (x - n.mean) / n.sd : NaN)));
  }
  return { basisId, nFeatures: m, computed: true, metricNames, density: b64(cols.density), mean: b64(cols.mean), min: b64(cols.min), max: b64(cols.max), metrics, zScores, offset };
}
