// Feature statistics, metrics and collections in the project file (migration 3). Examples and histograms are BLOBs
// per feature, so a basis of 16,384 features is 16,384 rows per table, written in one transaction.
import type { MetricName } from '../analyses/types';
import { saveMetricColumn, StatColumnsWriter } from './scale'; // scale (#18)
import type { Db } from './project';

export interface FeatureRunRecord {
  basisId: number;
  jobId: number | null;
  topK: number;
  bands: number;
  bins: number;
  seed: number;
  rows: number;
  params: Record<string, unknown>;
  createdAt: string;
}

export interface FeatureStatsRecord {
  feature: number;
  density: number;
  mean: number;
  min: number;
  max: number;
}

export interface FeatureExamplesRecord {
  topRows: Int32Array;
  topActs: Float32Array;
  bottomRows: Int32Array;
  bottomActs: Float32Array;
  bandLo: number;
  bandHi: number;
  bandCounts: Int32Array;
  /** bands × bandSize, -1 where a band had fewer rows than slots. */
  bandRows: Int32Array;
  bandActs: Float32Array;
}

const blob = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function i32(b: Buffer): Int32Array {
  const out = new Int32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
function f32(b: Buffer): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Replace every stored statistic of a basis in one transaction. */
export function saveFeatureStats(
  db: Db,
  run: Omit<FeatureRunRecord, 'createdAt'>,
  stats: FeatureStatsRecord[],
  examples: FeatureExamplesRecord[],
  histograms: { lo: number; hi: number; counts: Int32Array }[],
): void {
  saveFeatureStatsEach(db, run, stats.length, (f) => ({ stat: stats[f]!, example: examples[f]!, histogram: histograms[f]! }));
}

/** As saveFeatureStats, asking for feature f's records in order (#18: m features' records need not all be alive). */
export function saveFeatureStatsEach(
  db: Db,
  run: Omit<FeatureRunRecord, 'createdAt'>,
  m: number,
  feature: (f: number) => { stat: FeatureStatsRecord; example: FeatureExamplesRecord; histogram: { lo: number; hi: number; counts: Int32Array } },
): void {
  const insStat = db.prepare('INSERT INTO feature_stats(basis_id, feature, density, mean, min, max) VALUES (?, ?, ?, ?, ?, ?)');
  const insEx = db.prepare(
    `INSERT INTO feature_examples(basis_id, feature, top_rows, top_acts, bottom_rows, bottom_acts, band_lo, band_hi, band_counts, band_rows, band_acts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insHist = db.prepare('INSERT INTO feature_histograms(basis_id, feature, lo, hi, counts) VALUES (?, ?, ?, ?, ?)');
  const b = run.basisId;
  const columns = new StatColumnsWriter(m); // scale (#18): the panel's columns as blocks, beside the rows
  db.transaction(() => {
    for (const t of ['feature_stats', 'feature_examples', 'feature_histograms', 'feature_runs']) db.prepare(`DELETE FROM ${t} WHERE basis_id = ?`).run(b);
    db.prepare('INSERT INTO feature_runs(basis_id, job_id, top_k, bands, bins, seed, rows, params_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      b,
      run.jobId,
      run.topK,
      run.bands,
      run.bins,
      run.seed,
      run.rows,
      JSON.stringify(run.params),
    );
    for (let f = 0; f < m; f++) {
      const { stat: s, example: e, histogram: h } = feature(f);
      insStat.run(b, s.feature, s.density, s.mean, s.min, s.max);
      columns.add(s); // scale (#18)
      insEx.run(b, f, blob(e.topRows), blob(e.topActs), blob(e.bottomRows), blob(e.bottomActs), e.bandLo, e.bandHi, blob(e.bandCounts), blob(e.bandRows), blob(e.bandActs));
      insHist.run(b, f, h.lo, h.hi, blob(h.counts));
    }
    columns.save(db, b); // scale (#18)
  })();
}

export function getFeatureRun(db: Db, basisId: number): FeatureRunRecord | null {
  const r = db.prepare('SELECT * FROM feature_runs WHERE basis_id = ?').get(basisId) as
    | { basis_id: number; job_id: number | null; top_k: number; bands: number; bins: number; seed: number; rows: number; params_json: string; created_at: string }
    | undefined;
  if (!r) return null;
  return { basisId: r.basis_id, jobId: r.job_id, topK: r.top_k, bands: r.bands, bins: r.bins, seed: r.seed, rows: r.rows, params: JSON.parse(r.params_json) as Record<string, unknown>, createdAt: r.created_at };
}

/** Every feature's summary with its metrics, in one query (the metrics as a JSON object per feature). */
export function featureTableRows(db: Db, basisId: number): (FeatureStatsRecord & { metrics: Partial<Record<MetricName, number>> })[] {
  const rows = db
    .prepare(
      `SELECT s.feature, s.density, s.mean, s.min, s.max,
         (SELECT json_group_object(m.metric, m.value) FROM feature_metrics m WHERE m.basis_id = s.basis_id AND m.feature = s.feature) AS metrics
       FROM feature_stats s WHERE s.basis_id = ? ORDER BY s.feature`,
    )
    .all(basisId) as (FeatureStatsRecord & { metrics: string | null })[];
  return rows.map((r) => {
    const metrics = r.metrics ? (JSON.parse(r.metrics) as Record<string, number | null>) : {};
    for (const k of Object.keys(metrics)) if (metrics[k] === null) delete metrics[k];
    return { feature: r.feature, density: r.density, mean: r.mean, min: r.min, max: r.max, metrics: metrics as Partial<Record<MetricName, number>> };
  });
}

export function getFeatureStats(db: Db, basisId: number, feature: number): FeatureStatsRecord | null {
  return (db.prepare('SELECT feature, density, mean, min, max FROM feature_stats WHERE basis_id = ? AND feature = ?').get(basisId, feature) as FeatureStatsRecord | undefined) ?? null;
}

export function getFeatureExamples(db: Db, basisId: number, feature: number): FeatureExamplesRecord | null {
  const r = db.prepare('SELECT * FROM feature_examples WHERE basis_id = ? AND feature = ?').get(basisId, feature) as
    | { top_rows: Buffer; top_acts: Buffer; bottom_rows: Buffer; bottom_acts: Buffer; band_lo: number; band_hi: number; band_counts: Buffer; band_rows: Buffer; band_acts: Buffer }
    | undefined;
  if (!r) return null;
  return {
    topRows: i32(r.top_rows),
    topActs: f32(r.top_acts),
    bottomRows: i32(r.bottom_rows),
    bottomActs: f32(r.bottom_acts),
    bandLo: r.band_lo,
    bandHi: r.band_hi,
    bandCounts: i32(r.band_counts),
    bandRows: i32(r.band_rows),
    bandActs: f32(r.band_acts),
  };
}

/** Top and bottom rows of every feature of a basis (for the metrics job), streamed. */
export function* iterateFeatureExamples(db: Db, basisId: number): Generator<{ feature: number; top: Int32Array; bottom: Int32Array }> {
  const stmt = db.prepare('SELECT feature, top_rows, bottom_rows FROM feature_examples WHERE basis_id = ? ORDER BY feature');
  for (const r of stmt.iterate(basisId) as Iterable<{ feature: number; top_rows: Buffer; bottom_rows: Buffer }>) {
    yield { feature: r.feature, top: i32(r.top_rows), bottom: i32(r.bottom_rows) };
  }
}

export function getFeatureHistogram(db: Db, basisId: number, feature: number): { lo: number; hi: number; counts: Int32Array } | null {
  const r = db.prepare('SELECT lo, hi, counts FROM feature_histograms WHERE basis_id = ? AND feature = ?').get(basisId, feature) as
    | { lo: number; hi: number; counts: Buffer }
    | undefined;
  return r ? { lo: r.lo, hi: r.hi, counts: i32(r.counts) } : null;
}

// ----- metrics -----

export interface NullStats {
  basisId: number;
  mean: number;
  sd: number;
  n: number;
}

export function insertMetricRun(db: Db, basisId: number, jobId: number | null, metrics: MetricName[], params: unknown): number {
  return Number(
    db.prepare('INSERT INTO metric_runs(basis_id, job_id, metrics_json, params_json) VALUES (?, ?, ?, ?)').run(basisId, jobId, JSON.stringify(metrics), JSON.stringify(params)).lastInsertRowid,
  );
}

export function saveMetricValues(db: Db, basisId: number, runId: number, metric: MetricName, values: Float64Array | number[]): void {
  const ins = db.prepare('INSERT OR REPLACE INTO feature_metrics(basis_id, feature, metric, value, run_id) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM feature_metrics WHERE basis_id = ? AND metric = ?').run(basisId, metric);
    for (let f = 0; f < values.length; f++) {
      const v = values[f]!;
      ins.run(basisId, f, metric, Number.isFinite(v) ? v : null, runId);
    }
    saveMetricColumn(db, basisId, metric, values); // scale (#18)
  })();
}

export function setMetricRunNull(db: Db, runId: number, nulls: Partial<Record<MetricName, NullStats>>): void {
  db.prepare('UPDATE metric_runs SET null_json = ? WHERE id = ?').run(JSON.stringify(nulls), runId);
}

/** The values of one metric over every feature of a basis (NaN where not computed). */
export function metricValues(db: Db, basisId: number, metric: MetricName): number[] {
  const rows = db.prepare('SELECT feature, value FROM feature_metrics WHERE basis_id = ? AND metric = ? ORDER BY feature').all(basisId, metric) as { feature: number; value: number | null }[];
  return rows.map((r) => r.value ?? NaN);
}

/** Metrics stored for a basis. */
export function metricNamesOf(db: Db, basisId: number): MetricName[] {
  return (db.prepare('SELECT DISTINCT metric FROM feature_metrics WHERE basis_id = ? ORDER BY metric').all(basisId) as { metric: MetricName }[]).map((r) => r.metric);
}

/** The latest null statistics stored for each metric of a basis. */
export function latestNulls(db: Db, basisId: number): Partial<Record<MetricName, NullStats>> {
  const rows = db.prepare('SELECT null_json FROM metric_runs WHERE basis_id = ? AND null_json IS NOT NULL ORDER BY id').all(basisId) as { null_json: string }[];
  const out: Partial<Record<MetricName, NullStats>> = {};
  for (const r of rows) Object.assign(out, JSON.parse(r.null_json) as Partial<Record<MetricName, NullStats>>);
  return out;
}

export function metricRunsOf(db: Db, basisId: number): { id: number; metrics: MetricName[]; params: Record<string, unknown>; nulls: Partial<Record<MetricName, NullStats>> | null; createdAt: string }[] {
  return (db.prepare('SELECT * FROM metric_runs WHERE basis_id = ? ORDER BY id').all(basisId) as { id: number; metrics_json: string; params_json: string; null_json: string | null; created_at: string }[]).map((r) => ({
    id: r.id,
    metrics: JSON.parse(r.metrics_json) as MetricName[],
    params: JSON.parse(r.params_json) as Record<string, unknown>,
    nulls: r.null_json ? (JSON.parse(r.null_json) as Partial<Record<MetricName, NullStats>>) : null,
    createdAt: r.created_at,
  }));
}

// ----- collections -----

export function pin(db: Db, name: string, basisId: number, feature: number, pinned: boolean): void {
  if (pinned) db.prepare('INSERT OR IGNORE INTO collections(name, basis_id, feature) VALUES (?, ?, ?)').run(name, basisId, feature);
  else db.prepare('DELETE FROM collections WHERE name = ? AND basis_id = ? AND feature = ?').run(name, basisId, feature);
}

export function listCollections(db: Db): { name: string; items: { basisId: number; feature: number }[] }[] {
  const rows = db.prepare('SELECT name, basis_id, feature FROM collections ORDER BY name, created_at, basis_id, feature').all() as { name: string; basis_id: number; feature: number }[];
  const out = new Map<string, { basisId: number; feature: number }[]>();
  for (const r of rows) {
    if (!out.has(r.name)) out.set(r.name, []);
    out.get(r.name)!.push({ basisId: r.basis_id, feature: r.feature });
  }
  return [...out].map(([name, items]) => ({ name, items }));
}

/** What a comparison of a harvest's bases is computed from, one row per basis: any new basis, finished fit or metric value changes it. */
export interface ComparisonInputRow {
  id: number;
  status: string;
  n_features: number;
  finished_at: string | null;
  q: number;
  run: number | null;
  n: number;
  sum: number;
}

export function comparisonInputs(db: Db, harvestId: number): ComparisonInputRow[] {
  return db
    .prepare(
      `SELECT b.id, b.status, b.n_features, b.finished_at, b.quality_json IS NOT NULL AS q,
         (SELECT max(r.id) FROM metric_runs r WHERE r.basis_id = b.id) AS run,
         (SELECT count(m.value) FROM feature_metrics m WHERE m.basis_id = b.id) AS n,
         (SELECT total(m.value) FROM feature_metrics m WHERE m.basis_id = b.id) AS sum
       FROM bases b WHERE b.harvest_id = ? ORDER BY b.id`,
    )
    .all(harvestId) as ComparisonInputRow[];
}
