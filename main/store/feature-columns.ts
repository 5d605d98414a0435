// One feature's vectors and metrics, read alone (#18): a card of a 131,072-feature SAE must not load the whole
// dictionary (two 256 MB tensors) to show one direction and one encoder column. The statistics job writes, per
// feature, its unit direction and (for SAEs) its encoder column as small BLOBs in feature_vectors; the card reads
// one row by primary key. Bases whose statistics predate the table have no rows there and are read as before.
import type { MetricName } from '../analyses/types';
import type { NamedTensor } from '../bases/types';
import { blobToFloat32 } from './activations';
import { isBlocked, readBlockedTensor } from './basis-blocks';
import { metricRunsOf } from './features';
import type { Db } from './project';

const blob = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Replace a basis' per-feature vectors: unit rows of `directions` (m × dim; or its rows in runs, as a blocked W_dec is
 * stored, so the job need not hold the whole matrix) and the columns of `encoder` (dim × m; or, with encoderLayout
 * 'rows', its transpose m × dim, whose rows are the columns: scale #18, an imported JumpReLU or Gated SAE's encoder).
 */
export function saveFeatureVectors(db: Db, basisId: number, m: number, dim: number, directions: Float32Array | Iterable<Float32Array>, encoder: Float32Array | null, encoderLayout: 'columns' | 'rows' = 'columns'): void {
  const ins = db.prepare('INSERT INTO feature_vectors(basis_id, feature, direction, encoder) VALUES (?, ?, ?, ?)');
  const dir = new Float32Array(dim);
  // Encoder columns are gathered a tile of TILE features at a time (row runs of TILE contiguous values), not one
  // column at a time: a column of a dim × 131,072 matrix is dim reads half a megabyte apart.
  const TILE = 256;
  const tile = new Float32Array(TILE * dim);
  let tileStart = -TILE;
  const encoderColumn = (j: number): Float32Array => {
    if (encoderLayout === 'rows') return encoder!.subarray(j * dim, (j + 1) * dim);
    if (j >= tileStart + TILE) {
      tileStart = j;
      const w = Math.min(TILE, m - j);
      for (let k = 0; k < dim; k++) {
        const row = encoder!.subarray(k * m + j, k * m + j + w);
        for (let t = 0; t < w; t++) tile[t * dim + k] = row[t]!;
      }
    }
    return tile.subarray((j - tileStart) * dim, (j - tileStart + 1) * dim);
  };
  db.transaction(() => {
    db.prepare('DELETE FROM feature_vectors WHERE basis_id = ?').run(basisId);
    let j = 0;
    for (const run of directions instanceof Float32Array ? [directions] : directions) {
      for (let at = 0; at < run.length; at += dim, j++) {
        if (j >= m) throw new Error(`Basis ${basisId}'s directions hold more than its ${m} features.`);
        // As analyses/compare.ts' unitRows: a zero row stays zero.
        let n = 0;
        for (let k = 0; k < dim; k++) n += run[at + k]! ** 2;
        const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
        for (let k = 0; k < dim; k++) dir[k] = run[at + k]! * inv;
        ins.run(basisId, j, blob(dir), encoder ? blob(encoderColumn(j)) : null);
      }
    }
    if (j !== m) throw new Error(`Basis ${basisId}'s directions hold ${j} of its ${m} features.`);
  })();
}

/** Feature j's unit direction and encoder column, or null where the statistics job has not stored them. */
export function getFeatureVector(db: Db, basisId: number, feature: number): { direction: Float32Array; encoder: Float32Array | null } | null {
  const r = db.prepare('SELECT direction, encoder FROM feature_vectors WHERE basis_id = ? AND feature = ?').get(basisId, feature) as { direction: Buffer; encoder: Buffer | null } | undefined;
  return r ? { direction: blobToFloat32(r.direction), encoder: r.encoder ? blobToFloat32(r.encoder) : null } : null;
}

/** One stored tensor of a basis (not the others): the statistics job reads W_enc alone for the encoder columns. */
export function readBasisTensor(db: Db, basisId: number, name: string): NamedTensor | null {
  const r = db.prepare('SELECT shape_json, data FROM basis_tensors WHERE basis_id = ? AND name = ?').get(basisId, name) as { shape_json: string; data: Buffer } | undefined;
  if (!r) return null;
  const shape = JSON.parse(r.shape_json) as number[];
  return isBlocked(shape, r.data) ? readBlockedTensor(db, basisId, name, shape) : { shape, data: blobToFloat32(r.data) }; // h18imp: blocked tensors
}

/** One feature's metric values (the table's per-feature JSON object, for one feature instead of all): one primary-key
 * lookup per metric the basis' metric runs computed. */
export function featureMetrics(db: Db, basisId: number, feature: number): Partial<Record<MetricName, number>> {
  const get = db.prepare('SELECT value FROM feature_metrics WHERE basis_id = ? AND metric = ? AND feature = ?');
  const out: Partial<Record<MetricName, number>> = {};
  for (const metric of new Set(metricRunsOf(db, basisId).flatMap((r) => r.metrics))) {
    const r = get.get(basisId, metric, feature) as { value: number | null } | undefined;
    if (r && r.value !== null) out[metric] = r.value;
  }
  return out;
}

/** density, mean, min, max of every feature as float64 columns, in feature order (NaN where a feature has no row). */
export function featureStatColumns(db: Db, basisId: number, m: number): { density: Float64Array; mean: Float64Array; min: Float64Array; max: Float64Array } {
  return featureStatRange(db, basisId, 0, m);
}

/** density, mean, min, max of features lo … hi−1 (a range of the primary key: the Features panel's first page reads
 * these few rows while the whole columns are on their way), NaN where a feature has no row. */
export function featureStatRange(db: Db, basisId: number, lo: number, hi: number): { density: Float64Array; mean: Float64Array; min: Float64Array; max: Float64Array } {
  const n = Math.max(0, hi - lo);
  const out = { density: new Float64Array(n).fill(NaN), mean: new Float64Array(n).fill(NaN), min: new Float64Array(n).fill(NaN), max: new Float64Array(n).fill(NaN) };
  const rows = db.prepare('SELECT feature, density, mean, min, max FROM feature_stats WHERE basis_id = ? AND feature >= ? AND feature < ?').raw().all(basisId, lo, hi) as [number, number, number, number, number][];
  for (const [f, d, mean, min, max] of rows) {
    const i = f - lo;
    out.density[i] = d;
    out.mean[i] = mean;
    out.min[i] = min;
    out.max[i] = max;
  }
  return out;
}

/** One metric's values for features lo … hi−1, NaN where a feature has no value. */
export function metricRange(db: Db, basisId: number, metric: MetricName, lo: number, hi: number): Float64Array {
  const out = new Float64Array(Math.max(0, hi - lo)).fill(NaN);
  const rows = db.prepare('SELECT feature, value FROM feature_metrics WHERE basis_id = ? AND metric = ? AND feature >= ? AND feature < ?').raw().all(basisId, metric, lo, hi) as [number, number | null][];
  for (const [f, v] of rows) if (v !== null) out[f - lo] = v;
  return out;
}
