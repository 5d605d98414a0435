// The Features panel's columns stored whole (#18, room scale): reading density, mean, min and max of 131,072
// features from feature_stats (one row each) took 1–3 s and held the server for all of it. The writers of those rows
// (saveFeatureStatsEach, saveMetricValues) also store each column as one float64 BLOB in feature_column_blocks, in
// the same transaction, so features.columns reads four BLOBs (one per metric more) instead of m rows. A project whose
// statistics predate the table has no blocks and is read from the rows as before.
import type { Db } from './project';

/**
 * Row metadata apart from the activations (#18 item 3): activation_chunks keeps row_meta after the chunk's data BLOB,
 * and SQLite reaches a column behind a BLOB by walking its overflow pages, so a card's few dozen example rows read
 * their chunks' whole activations (4 MB a chunk of 2,000 rows of 512): 50 of a cold card's 58 ms at 131,072
 * features on one chunk, ten times that over 20,000 rows. commitChunks writes each chunk's metadata here too.
 */
export function saveChunkRowMeta(db: Db, harvestId: number, chunkIndex: number, firstRow: number, rowCount: number, meta: Buffer): void {
  db.prepare('INSERT OR REPLACE INTO activation_row_meta(harvest_id, chunk_index, first_row, row_count, row_meta) VALUES (?, ?, ?, ?, ?)').run(harvestId, chunkIndex, firstRow, rowCount, meta);
}

/** A lookup of the chunk's metadata holding a row, from the copy (null where the chunk has none: older harvests, merges). */
export function chunkRowMetaFinder(db: Db): (harvestId: number, row: number) => { first_row: number; row_count: number; row_meta: Buffer } | null {
  const find = db.prepare('SELECT first_row, row_count, row_meta FROM activation_row_meta WHERE harvest_id = ? AND first_row <= ? ORDER BY first_row DESC LIMIT 1');
  return (harvestId, row) => {
    const r = find.get(harvestId, row) as { first_row: number; row_count: number; row_meta: Buffer } | undefined;
    return r && row < r.first_row + r.row_count ? r : null;
  };
}

export const STAT_COLUMNS = ['density', 'mean', 'min', 'max'] as const;
export type StatColumn = (typeof STAT_COLUMNS)[number];

export const metricKey = (metric: string): string => `metric:${metric}`;

/** Replaces one stored column of a basis (within the caller's transaction). */
export function writeColumn(db: Db, basisId: number, name: string, values: Float64Array): void {
  db.prepare('INSERT OR REPLACE INTO feature_column_blocks(basis_id, name, data) VALUES (?, ?, ?)').run(basisId, name, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

function readColumn(db: Db, basisId: number, name: string): Float64Array | null {
  const data = db.prepare('SELECT data FROM feature_column_blocks WHERE basis_id = ? AND name = ?').pluck().get(basisId, name) as Buffer | undefined;
  if (!data) return null;
  const out = new Float64Array(data.byteLength / 8);
  new Uint8Array(out.buffer).set(data);
  return out;
}

/** A REAL as SQLite gives it back: −0 is stored as the integer 0 and NaN as NULL. */
const asStored = (v: number, nullAs: number) => (Number.isNaN(v) ? nullAs : v === 0 ? 0 : v);

/**
 * Collects the four statistics as saveFeatureStatsEach writes their rows, then stores them, each value as the rows
 * read back (featureStatRange, where a NULL lands in a Float64Array as 0), so the block equals that read bit for bit.
 */
export class StatColumnsWriter {
  private readonly cols: Record<StatColumn, Float64Array>;

  constructor(private readonly m: number) {
    this.cols = { density: new Float64Array(m).fill(NaN), mean: new Float64Array(m).fill(NaN), min: new Float64Array(m).fill(NaN), max: new Float64Array(m).fill(NaN) };
  }

  add(s: { feature: number; density: number; mean: number; min: number; max: number }): void {
    if (s.feature < 0 || s.feature >= this.m) return;
    for (const c of STAT_COLUMNS) this.cols[c][s.feature] = asStored(s[c], 0);
  }

  save(db: Db, basisId: number): void {
    for (const c of STAT_COLUMNS) writeColumn(db, basisId, c, this.cols[c]);
  }
}

/** The four statistics columns as stored, or null where the basis' statistics have no blocks. */
export function readStatColumns(db: Db, basisId: number, m: number): Record<StatColumn, Float64Array> | null {
  const out: Partial<Record<StatColumn, Float64Array>> = {};
  for (const c of STAT_COLUMNS) {
    const v = readColumn(db, basisId, c);
    if (!v || v.length !== m) return null;
    out[c] = v;
  }
  return out as Record<StatColumn, Float64Array>;
}

/** Stores one metric's column as saveMetricValues stores its rows (non-finite values read back as NaN). */
export function saveMetricColumn(db: Db, basisId: number, metric: string, values: Float64Array | number[]): void {
  writeColumn(db, basisId, metricKey(metric), Float64Array.from(values, (v) => (Number.isFinite(v) ? asStored(v, NaN) : NaN)));
}

export function readMetricColumn(db: Db, basisId: number, metric: string): Float64Array | null {
  return readColumn(db, basisId, metricKey(metric));
}
