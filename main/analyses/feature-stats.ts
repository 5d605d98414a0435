// The feature-statistics job: a basis encodes its harvest block by block (never the whole rows × features matrix),
// and per feature the lab keeps its density, mean, range, top-k and bottom-k rows (pass 1), then a fixed-bin histogram
// over [min, max] and reservoir samples from equal-width activation intervals (pass 2, Anthropic-style dashboards).
import type { Basis } from '../bases/types';
import { UserError } from '../errors';
import type { JobContext } from '../jobs/types';
import { loadBasis } from '../bases/load';
import { SaeArchEncoder } from '../bases/sae-arch-encoder'; // scale (#18)
import { SaeEncoder } from '../bases/sae-encoder';
import { streamChunks } from '../store/activations';
import { getBasis } from '../store/bases';
import { saveFeatureStatsEach, type FeatureExamplesRecord, type FeatureStatsRecord } from '../store/features';
import type { Db } from '../store/project';
import { getHarvest } from '../store/repo';
import { deriveSeed, Rng } from '../util/random';
import { computeSparseFeatureStats, SPARSE_CODE_METHODS } from './feature-stats-sparse';
import { storeFeatureVectors, storeSaeFeatureVectors } from './feature-vectors';

export interface FeatureStatsParams {
  basisId: number;
  topK: number;
  bands: number;
  /** Reservoir slots per band. */
  bandSize?: number;
  bins?: number;
  seed?: number;
}

export const DEFAULT_BINS = 50;
export const DEFAULT_BAND_SIZE = 10;
/** Feature activations held at once: rows × m ≤ this (16 MB of float32). */
const BLOCK_VALUES = 1 << 22;

/** Per-feature bounded min-heaps in flat arrays: keeps the k largest (value, row) pairs of every feature. */
export class TopK {
  readonly vals: Float32Array;
  readonly rows: Int32Array;
  readonly size: Int32Array;
  /** The smallest kept value once a heap is full, else −∞: a value must beat it to enter. */
  readonly threshold: Float32Array;
  constructor(
    readonly m: number,
    readonly k: number,
  ) {
    this.vals = new Float32Array(m * k);
    this.rows = new Int32Array(m * k);
    this.size = new Int32Array(m);
    this.threshold = new Float32Array(m).fill(-Infinity);
  }

  /** Call only when v > threshold[f]. */
  push(f: number, v: number, row: number): void {
    const k = this.k;
    const base = f * k;
    const vals = this.vals;
    const rows = this.rows;
    let n = this.size[f]!;
    if (n < k) {
      // sift up
      let i = n++;
      this.size[f] = n;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (vals[base + p]! <= v) break;
        vals[base + i] = vals[base + p]!;
        rows[base + i] = rows[base + p]!;
        i = p;
      }
      vals[base + i] = v;
      rows[base + i] = row;
      if (n === k) this.threshold[f] = vals[base]!;
      return;
    }
    // replace the root, sift down
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= k) break;
      const r = l + 1;
      const c = r < k && vals[base + r]! < vals[base + l]! ? r : l;
      if (vals[base + c]! >= v) break;
      vals[base + i] = vals[base + c]!;
      rows[base + i] = rows[base + c]!;
      i = c;
    }
    vals[base + i] = v;
    rows[base + i] = row;
    this.threshold[f] = vals[base]!;
  }

  /** Feature f's kept pairs, largest first (ties: earlier row first). */
  sorted(f: number): { rows: Int32Array; vals: Float32Array } {
    const n = this.size[f]!;
    const idx = Array.from({ length: n }, (_, i) => f * this.k + i);
    idx.sort((a, b) => this.vals[b]! - this.vals[a]! || this.rows[a]! - this.rows[b]!);
    return { rows: Int32Array.from(idx, (i) => this.rows[i]!), vals: Float32Array.from(idx, (i) => this.vals[i]!) };
  }
}

/**
 * Reservoir samples of size S per (feature, band) by Li's Algorithm L (skips ahead geometrically, so a dense feature
 * costs one counter increment per row, not one random draw).
 */
export class Reservoirs {
  readonly count: Int32Array;
  readonly rows: Int32Array;
  readonly vals: Float32Array;
  private readonly next: Float64Array;
  private readonly w: Float64Array;
  constructor(
    cells: number,
    readonly s: number,
    private readonly rng: Rng,
  ) {
    this.count = new Int32Array(cells);
    this.rows = new Int32Array(cells * s).fill(-1);
    this.vals = new Float32Array(cells * s);
    this.next = new Float64Array(cells);
    this.w = new Float64Array(cells);
  }
  private u(): number {
    // (0, 1]: log(0) must not happen
    return 1 - this.rng.float();
  }
  offer(cell: number, v: number, row: number): void {
    const s = this.s;
    const c = ++this.count[cell]!;
    if (c <= s) {
      this.rows[cell * s + c - 1] = row;
      this.vals[cell * s + c - 1] = v;
      if (c === s) {
        this.w[cell] = Math.exp(Math.log(this.u()) / s);
        this.next[cell] = c + Math.floor(Math.log(this.u()) / Math.log(1 - this.w[cell]!)) + 1;
      }
      return;
    }
    if (c !== this.next[cell]) return;
    const slot = this.rng.int(0, s);
    this.rows[cell * s + slot] = row;
    this.vals[cell * s + slot] = v;
    this.w[cell]! *= Math.exp(Math.log(this.u()) / s);
    this.next[cell]! += Math.floor(Math.log(this.u()) / Math.log(1 - this.w[cell]!)) + 1;
  }
}

/** Encoded blocks of a harvest: (first row, rows, rows × m feature activations). */
async function* encodedBlocks(db: Db, harvestId: number, basis: Basis, ctx: JobContext | null): AsyncGenerator<{ first: number; rows: number; f: Float32Array }> {
  const d = basis.dim;
  const blockRows = Math.max(1, Math.floor(BLOCK_VALUES / Math.max(basis.nFeatures, d)));
  for (const chunk of streamChunks(db, harvestId)) {
    for (let r = 0; r < chunk.rowCount; r += blockRows) {
      ctx?.throwIfCancelled();
      const n = Math.min(blockRows, chunk.rowCount - r);
      const f = await basis.encode(chunk.data.subarray(r * d, (r + n) * d), n);
      yield { first: chunk.firstRow + r, rows: n, f };
    }
  }
}

export interface FeatureStatsResult {
  stats: FeatureStatsRecord[];
  examples: FeatureExamplesRecord[];
  histograms: { lo: number; hi: number; counts: Int32Array }[];
  rows: number;
}

/** One feature's records. */
export interface OneFeatureStats {
  stat: FeatureStatsRecord;
  example: FeatureExamplesRecord;
  histogram: { lo: number; hi: number; counts: Int32Array };
}

/** Statistics whose per-feature records are built on demand, in feature order, once each (the sparse job's). */
export interface FeatureStats {
  rows: number;
  nFeatures: number;
  feature(j: number): OneFeatureStats;
}

/** The dense job's arrays as on-demand statistics. */
export function featureStatsOf(r: FeatureStatsResult): FeatureStats {
  return { rows: r.rows, nFeatures: r.stats.length, feature: (j) => ({ stat: r.stats[j]!, example: r.examples[j]!, histogram: r.histograms[j]! }) };
}

/** On-demand statistics gathered into arrays (tests compare them whole). */
export function collectFeatureStats(s: FeatureStats): FeatureStatsResult {
  const out: FeatureStatsResult = { stats: [], examples: [], histograms: [], rows: s.rows };
  for (let j = 0; j < s.nFeatures; j++) {
    const f = s.feature(j);
    out.stats.push(f.stat);
    out.examples.push(f.example);
    out.histograms.push(f.histogram);
  }
  return out;
}

export async function computeFeatureStats(db: Db, basis: Basis, harvestId: number, p: Required<Omit<FeatureStatsParams, 'basisId'>>, ctx: JobContext | null): Promise<FeatureStatsResult> {
  const m = basis.nFeatures;
  const h = getHarvest(db, harvestId);
  const totalRows = h.rowsDone;
  if (totalRows === 0) throw new UserError('features.empty', `Harvest ${harvestId} has no rows, so its features have no statistics.`);
  const k = Math.min(p.topK, totalRows);
  const sum = new Float64Array(m);
  const min = new Float32Array(m).fill(Infinity);
  const max = new Float32Array(m).fill(-Infinity);
  const pos = new Float64Array(m);
  const nz = new Float64Array(m);
  const top = new TopK(m, k);
  const bottom = new TopK(m, k); // on −v
  const tThr = top.threshold;
  const bThr = bottom.threshold;
  let done = 0;
  // Pass 1: moments, range, extremes.
  for await (const { first, rows, f } of encodedBlocks(db, harvestId, basis, ctx)) {
    for (let r = 0; r < rows; r++) {
      const off = r * m;
      const row = first + r;
      for (let j = 0; j < m; j++) {
        const v = f[off + j]!;
        sum[j]! += v;
        if (v < min[j]!) min[j] = v;
        if (v > max[j]!) max[j] = v;
        if (v > 0) pos[j]!++;
        if (v > 1e-8 || v < -1e-8) nz[j]!++;
        if (v > tThr[j]!) top.push(j, v, row);
        if (-v > bThr[j]!) bottom.push(j, -v, row);
      }
    }
    done += rows;
    ctx?.progress({ fraction: 0.5 * (done / totalRows), done, total: 2 * totalRows, unit: 'rows/s', message: `Pass 1 of 2: ${done.toLocaleString('en-US')} of ${totalRows.toLocaleString('en-US')} rows` });
  }
  // Pass 2: histograms over [min, max] and band reservoirs.
  const bins = p.bins;
  const B = p.bands;
  const counts = new Int32Array(m * bins);
  const hLo = new Float64Array(m);
  const hInvW = new Float64Array(m);
  const bLo = new Float64Array(m);
  const bHi = new Float64Array(m);
  const bInvW = new Float64Array(m);
  const nonNeg = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    const lo = min[j]!;
    const hi = max[j]! > lo ? max[j]! : lo + 1;
    hLo[j] = lo;
    hInvW[j] = bins / (hi - lo);
    nonNeg[j] = lo >= 0 ? 1 : 0;
    // Non-negative codes: bands split (0, max] and only active rows count; signed codes: [min, max].
    bLo[j] = nonNeg[j] ? 0 : lo;
    bHi[j] = max[j]!;
    bInvW[j] = bHi[j]! > bLo[j]! ? B / (bHi[j]! - bLo[j]!) : 0;
  }
  const res = new Reservoirs(m * B, p.bandSize, new Rng(deriveSeed(p.seed, basis.nFeatures, totalRows)));
  // Extremes that are ties: a ReLU or sparse code is 0 on most rows, so its k lowest rows are all at its minimum
  // (likewise a saturating feature's highest rows at its maximum). Which k of the tied rows become the examples is
  // then drawn uniformly (seeded reservoirs over pass 2) rather than taken in row order, which would give every
  // sparse feature the same first rows — or the positions of one stimulus in an all-positions harvest.
  const topSorted = Array.from({ length: m }, (_, j) => top.sorted(j));
  const bottomSorted = Array.from({ length: m }, (_, j) => bottom.sorted(j));
  const topTied = new Uint8Array(m);
  const bottomTied = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    if (!(max[j]! > min[j]!)) continue; // constant: no examples either way
    const t = topSorted[j]!;
    const b = bottomSorted[j]!;
    topTied[j] = t.vals.length === k && t.vals[k - 1] === max[j] ? 1 : 0;
    bottomTied[j] = b.vals.length === k && -b.vals[k - 1]! === min[j] ? 1 : 0;
  }
  const ties = new Reservoirs(2 * m, k, new Rng(deriveSeed(p.seed, basis.nFeatures, totalRows, 1)));
  done = 0;
  for await (const { first, rows, f } of encodedBlocks(db, harvestId, basis, ctx)) {
    for (let r = 0; r < rows; r++) {
      const off = r * m;
      const row = first + r;
      for (let j = 0; j < m; j++) {
        const v = f[off + j]!;
        let bin = Math.floor((v - hLo[j]!) * hInvW[j]!);
        if (bin >= bins) bin = bins - 1;
        else if (bin < 0) bin = 0;
        counts[j * bins + bin]!++;
        if (topTied[j] && v === max[j]) ties.offer(2 * j, v, row);
        else if (bottomTied[j] && v === min[j]) ties.offer(2 * j + 1, v, row);
        const iw = bInvW[j]!;
        if (iw === 0 || (nonNeg[j] && v <= 0)) continue;
        let band = Math.floor((v - bLo[j]!) * iw);
        if (band >= B) band = B - 1;
        else if (band < 0) band = 0;
        res.offer(j * B + band, v, row);
      }
    }
    done += rows;
    ctx?.progress({ fraction: 0.5 + 0.45 * (done / totalRows), done: totalRows + done, total: 2 * totalRows, unit: 'rows/s', message: `Pass 2 of 2: ${done.toLocaleString('en-US')} of ${totalRows.toLocaleString('en-US')} rows` });
  }
  const stats: FeatureStatsRecord[] = [];
  const examples: FeatureExamplesRecord[] = [];
  const histograms: { lo: number; hi: number; counts: Int32Array }[] = [];
  const S = p.bandSize;
  for (let j = 0; j < m; j++) {
    const density = (nonNeg[j] ? pos[j]! : nz[j]!) / totalRows;
    stats.push({ feature: j, density, mean: sum[j]! / totalRows, min: min[j]!, max: max[j]! });
    // Top examples lie above the feature's minimum and bottom examples below its maximum: a feature active on 8 rows
    // has 8 top examples, not 8 followed by arbitrary inactive rows.
    const t = topTied[j] ? tiedSample(ties, 2 * j, k, max[j]!) : aboveOrBelow(topSorted[j]!, (v) => v > min[j]!);
    const b = bottomTied[j] ? tiedSample(ties, 2 * j + 1, k, -min[j]!) : aboveOrBelow(bottomSorted[j]!, (v) => -v < max[j]!);
    const { bandRows, bandActs } = sortedBandSamples(res, j, B, S);
    examples.push({
      topRows: t.rows,
      topActs: t.vals,
      bottomRows: b.rows,
      bottomActs: b.vals.map((v) => -v),
      bandLo: bLo[j]!,
      bandHi: bHi[j]!,
      bandCounts: res.count.slice(j * B, (j + 1) * B),
      bandRows,
      bandActs,
    });
    histograms.push({ lo: hLo[j]!, hi: hLo[j]! + bins / hInvW[j]!, counts: counts.slice(j * bins, (j + 1) * bins) });
  }
  return { stats, examples, histograms, rows: totalRows };
}

/** The kept pairs whose value passes `keep` (they are sorted, so a prefix). */
/** A feature's band samples (reservoir cells j·B … j·B+B−1), sorted by activation, largest first, inside each band;
 * empty slots hold row −1. Shared by the dense and the sparse statistics jobs. */
export function sortedBandSamples(res: Reservoirs, j: number, B: number, S: number): { bandRows: Int32Array; bandActs: Float32Array } {
  const bandRows = new Int32Array(B * S).fill(-1);
  const bandActs = new Float32Array(B * S);
  for (let band = 0; band < B; band++) {
    const cell = j * B + band;
    const n = Math.min(S, res.count[cell]!);
    const order = Array.from({ length: n }, (_, i) => cell * S + i).sort((x, y) => res.vals[y]! - res.vals[x]! || res.rows[x]! - res.rows[y]!);
    order.forEach((src, i) => {
      bandRows[band * S + i] = res.rows[src]!;
      bandActs[band * S + i] = res.vals[src]!;
    });
  }
  return { bandRows, bandActs };
}

export function aboveOrBelow(sorted: { rows: Int32Array; vals: Float32Array }, keep: (v: number) => boolean): { rows: Int32Array; vals: Float32Array } {
  let n = 0;
  while (n < sorted.vals.length && keep(sorted.vals[n]!)) n++;
  return n === sorted.vals.length ? sorted : { rows: sorted.rows.slice(0, n), vals: sorted.vals.slice(0, n) };
}

/** A reservoir's sample of tied rows (all with value `v`), in row order. */
export function tiedSample(ties: Reservoirs, cell: number, k: number, v: number): { rows: Int32Array; vals: Float32Array } {
  const n = Math.min(k, ties.count[cell]!);
  const rows = ties.rows.slice(cell * k, cell * k + n).sort();
  return { rows, vals: new Float32Array(n).fill(v) };
}

export async function runFeatureStatsJob(raw: unknown, ctx: JobContext): Promise<{ basisId: number; features: number; rows: number }> {
  const p = raw as FeatureStatsParams;
  const { db } = ctx;
  const rec = getBasis(db, p.basisId);
  const full = { topK: p.topK, bands: p.bands, bandSize: p.bandSize ?? DEFAULT_BAND_SIZE, bins: p.bins ?? DEFAULT_BINS, seed: p.seed ?? 0 };
  // #18: sparse codes take the non-zeros-only path (feature-stats-sparse.ts); it returns null on a negative code. A lab
  // SAE is read as its encoder alone (sae-encoder.ts): no decoder, no copies of the 256 MB matrices at 131,072 features.
  const sparseCode = SPARSE_CODE_METHODS.has(rec.method);
  // scale (#18): an imported JumpReLU or Gated SAE (stored under sae-l1) is read as its encoder alone too.
  let encoder: SaeEncoder | SaeArchEncoder | null = sparseCode ? (SaeEncoder.load(db, rec) ?? SaeArchEncoder.load(db, rec)) : null;
  let basis: Basis | null = encoder ? null : loadBasis(db, rec);
  let r = sparseCode ? await computeSparseFeatureStats(db, (encoder ?? basis)!, rec.harvestId, full, ctx) : null;
  if (!r) {
    await encoder?.release(); // a signed code (a negative BatchTopK threshold): the dense job needs the whole basis
    encoder = null;
    basis ??= loadBasis(db, rec);
    r = featureStatsOf(await computeFeatureStats(db, basis, rec.harvestId, full, ctx));
  }
  ctx.progress({ fraction: 0.96, message: 'Saving feature statistics' });
  saveFeatureStatsEach(db, { basisId: p.basisId, jobId: ctx.jobId, topK: full.topK, bands: full.bands, bins: full.bins, seed: full.seed, rows: r.rows, params: full }, r.nFeatures, r.feature);
  const { rows, nFeatures } = r;
  r = null; // the per-feature state can go before the vectors are written
  // #18: cards read one feature's vectors
  if (encoder) {
    await encoder.release();
    storeSaeFeatureVectors(db, p.basisId, encoder);
  } else storeFeatureVectors(db, p.basisId, basis!);
  return { basisId: p.basisId, features: nFeatures, rows };
}
