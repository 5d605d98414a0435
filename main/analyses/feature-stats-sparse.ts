// Feature statistics for sparse codes (SAEs, NMF, sparse coding) at the cost of encoding: the basis encodes each row
// once per pass (sparse-codes.ts), and every per-feature update — moments, top and bottom examples, histograms, band
// reservoirs — runs over the non-zero activations only, about 25 of 131,072 per row for an SAE, instead of every
// (row, feature) pair. Inactive rows are accounted for in bulk: a feature's zeros fill its histogram's zero bin, and
// the rows it is silent on are drawn by rank (Floyd's sample of k of its z zero ranks, mapped to rows in pass 2).
// The results equal the dense job's (feature-stats.ts) — same densities, moments, top rows, histogram bins and band
// reservoirs, since non-zeros are visited in the same (row, feature) order with the same seeds — except which zero
// rows stand as bottom examples (a different uniform draw) and, where both occur, the draw of rows tied at a
// feature's maximum. Codes with a negative value are left to the dense job (this returns null).
import type { Encoder } from '../bases/sae-encoder';
import { UserError } from '../errors';
import type { JobContext } from '../jobs/types';
import type { Db } from '../store/project';
import type { FeatureStatsRecord } from '../store/features';
import { getHarvest } from '../store/repo';
import { deriveSeed, Rng } from '../util/random';
import { aboveOrBelow, Reservoirs, sortedBandSamples, tiedSample, TopK, type FeatureStats, type FeatureStatsParams, type OneFeatureStats } from './feature-stats';
import { NegativeCode, SparseCodes } from './sparse-codes';

/** Methods whose codes are non-negative and mostly zero: the statistics job takes the sparse path for them. */
export const SPARSE_CODE_METHODS: ReadonlySet<string> = new Set(['sae-l1', 'sae-topk', 'sae-batchtopk', 'sae-matryoshka', 'sae-jumprelu', 'sae-gated', 'nmf', 'sparse-coding']);

type Sorted = { rows: Int32Array; vals: Float32Array };

/** Up to k zero rows per feature, drawn by rank, resolved into row numbers as the feature's non-zeros go by. */
class ZeroRows {
  readonly ranks: Int32Array;
  readonly rows: Int32Array;
  readonly count: Int32Array;
  private readonly ptr: Int32Array;
  private readonly prevNz: Int32Array;
  private readonly before: Float64Array;
  constructor(
    readonly m: number,
    readonly k: number,
  ) {
    this.ranks = new Int32Array(m * k);
    this.rows = new Int32Array(m * k);
    this.count = new Int32Array(m);
    this.ptr = new Int32Array(m);
    this.prevNz = new Int32Array(m).fill(-1);
    this.before = new Float64Array(m);
  }
  /** Ask for all z zero rows of feature j (z ≤ k) or a uniform sample of k of them (Floyd's algorithm). */
  request(j: number, z: number, rng: Rng): void {
    const k = this.k;
    const n = Math.min(k, z);
    const out = this.ranks.subarray(j * k, j * k + n);
    if (z <= k) for (let i = 0; i < n; i++) out[i] = i;
    else {
      const chosen = new Set<number>();
      for (let t = z - k; t < z; t++) {
        const r = rng.int(0, t + 1);
        chosen.add(chosen.has(r) ? t : r);
      }
      let i = 0;
      for (const r of chosen) out[i++] = r;
      out.sort();
    }
    this.count[j] = n;
  }
  /** Feature j is non-zero at `row` (or `row` is the end): the rows since its last non-zero were its zeros. */
  advance(j: number, row: number): void {
    const k = this.k;
    const start = this.prevNz[j]! + 1;
    const end = this.before[j]! + (row - start);
    let p = this.ptr[j]!;
    while (p < this.count[j]! && this.ranks[j * k + p]! < end) {
      this.rows[j * k + p] = start + (this.ranks[j * k + p]! - this.before[j]!);
      p++;
    }
    this.ptr[j] = p;
    this.before[j] = end;
    this.prevNz[j] = row;
  }
  /** Feature j's zero rows, ascending; `zeros` checks that the pass saw every row. */
  finish(j: number, totalRows: number, zeros: number): Int32Array {
    this.advance(j, totalRows);
    if (this.before[j] !== zeros || this.ptr[j] !== this.count[j]) throw new Error(`feature ${j}: the second pass saw ${this.before[j]} zero rows, the first ${zeros}.`);
    return this.rows.slice(j * this.k, j * this.k + this.count[j]!);
  }
}

export async function computeSparseFeatureStats(
  db: Db,
  basis: Encoder,
  harvestId: number,
  p: Required<Omit<FeatureStatsParams, 'basisId'>>,
  ctx: JobContext | null,
): Promise<FeatureStats | null> {
  const m = basis.nFeatures;
  const totalRows = getHarvest(db, harvestId).rowsDone;
  if (totalRows === 0) throw new UserError('features.empty', `Harvest ${harvestId} has no rows, so its features have no statistics.`);
  const k = Math.min(p.topK, totalRows);
  const sum = new Float64Array(m);
  const minPos = new Float32Array(m).fill(Infinity);
  const maxPos = new Float32Array(m);
  const nnz = new Int32Array(m);
  const top = new TopK(m, k);
  const bottom = new TopK(m, k); // on −v, over the non-zeros: the k smallest positive values
  const tThr = top.threshold;
  const bThr = bottom.threshold;
  const codes = new SparseCodes(db, harvestId, basis, ctx);
  let done = 0;
  // Pass 1: moments, range, extremes over the non-zeros.
  try {
    for await (const { first, rows, rowPtr, feat, vals } of codes.pass()) {
      for (let r = 0; r < rows; r++) {
        const row = first + r;
        for (let i = rowPtr[r]!; i < rowPtr[r + 1]!; i++) {
          const j = feat[i]!;
          const v = vals[i]!;
          sum[j]! += v;
          if (v < minPos[j]!) minPos[j] = v;
          if (v > maxPos[j]!) maxPos[j] = v;
          nnz[j]!++;
          if (v > tThr[j]!) top.push(j, v, row);
          if (-v > bThr[j]!) bottom.push(j, -v, row);
        }
      }
      done += rows;
      ctx?.progress({ fraction: 0.5 * (done / totalRows), done, total: 2 * totalRows, unit: 'rows/s', message: `Pass 1 of 2: ${done.toLocaleString('en-US')} of ${totalRows.toLocaleString('en-US')} rows` });
    }
  } catch (e) {
    if (e instanceof NegativeCode) return null;
    throw e;
  }
  const zeros = new Int32Array(m);
  const min = new Float32Array(m);
  const max = new Float32Array(m);
  for (let j = 0; j < m; j++) {
    zeros[j] = totalRows - nnz[j]!;
    min[j] = zeros[j]! > 0 ? 0 : minPos[j]!;
    max[j] = nnz[j]! > 0 ? maxPos[j]! : 0;
  }
  // Pass 2 set-up, as the dense job's (every code is non-negative here).
  const bins = p.bins;
  const B = p.bands;
  const counts = new Int32Array(m * bins);
  const hLo = new Float64Array(m);
  const hInvW = new Float64Array(m);
  const bInvW = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const lo = min[j]!;
    const hi = max[j]! > lo ? max[j]! : lo + 1;
    hLo[j] = lo;
    hInvW[j] = bins / (hi - lo);
    bInvW[j] = max[j]! > 0 ? B / max[j]! : 0;
  }
  const res = new Reservoirs(m * B, p.bandSize, new Rng(deriveSeed(p.seed, m, totalRows)));
  // Tied flags from the heaps' roots (the k-th kept value), not from m sorted copies: a full heap whose smallest kept
  // value is the feature's maximum (top) or minimum (bottom) holds only tied rows.
  const topTied = new Uint8Array(m);
  const bottomTied = new Uint8Array(m); // tied at a positive minimum (no zeros): offered in pass 2 as the dense job does
  const wantZeros = new Uint8Array(m);
  const zeroRows = new ZeroRows(m, k);
  const zeroRng = new Rng(deriveSeed(p.seed, m, totalRows, 2));
  // Tie reservoirs only for the cells that need one (few features tie k rows): cell 2j / 2j+1 → a compact index.
  const tieCell = new Int32Array(2 * m).fill(-1);
  let tieCells = 0;
  for (let j = 0; j < m; j++) {
    if (!(max[j]! > min[j]!)) continue; // constant: no examples either way
    topTied[j] = top.size[j] === k && top.vals[j * k] === max[j] ? 1 : 0;
    if (zeros[j]! > 0) {
      wantZeros[j] = 1;
      zeroRows.request(j, zeros[j]!, zeroRng);
    } else {
      bottomTied[j] = bottom.size[j] === k && -bottom.vals[j * k]! === min[j] ? 1 : 0;
    }
    if (topTied[j]) tieCell[2 * j] = tieCells++;
    if (bottomTied[j]) tieCell[2 * j + 1] = tieCells++;
  }
  // The same seed and the same offers in the same order as the dense job's 2m cells: the same draws.
  const ties = new Reservoirs(tieCells, k, new Rng(deriveSeed(p.seed, m, totalRows, 1)));
  done = 0;
  const replays = codes.replays;
  for await (const { first, rows, rowPtr, feat, vals } of codes.pass()) {
    for (let r = 0; r < rows; r++) {
      const row = first + r;
      for (let i = rowPtr[r]!; i < rowPtr[r + 1]!; i++) {
        const j = feat[i]!;
        const v = vals[i]!;
        let bin = Math.floor((v - hLo[j]!) * hInvW[j]!);
        if (bin >= bins) bin = bins - 1;
        else if (bin < 0) bin = 0;
        counts[j * bins + bin]!++;
        if (topTied[j] && v === max[j]) ties.offer(tieCell[2 * j]!, v, row);
        else if (bottomTied[j] && v === min[j]) ties.offer(tieCell[2 * j + 1]!, v, row);
        if (wantZeros[j]) zeroRows.advance(j, row);
        const iw = bInvW[j]!;
        if (iw === 0) continue;
        let band = Math.floor(v * iw);
        if (band >= B) band = B - 1;
        res.offer(j * B + band, v, row);
      }
    }
    done += rows;
    const what = replays ? 'kept non-zeros' : 'rows';
    ctx?.progress({ fraction: 0.5 + 0.45 * (done / totalRows), done: totalRows + done, total: 2 * totalRows, unit: 'rows/s', message: `Pass 2 of 2 (${what}): ${done.toLocaleString('en-US')} of ${totalRows.toLocaleString('en-US')} rows` });
  }
  const S = p.bandSize;
  // Each feature's records are built when the store asks for them (in feature order, once each), so m features'
  // small arrays are never all alive at once.
  let nextFeature = 0;
  const feature = (j: number): OneFeatureStats => {
    if (j !== nextFeature++) throw new Error(`sparse feature statistics are read in order: asked for ${j}, next is ${nextFeature - 1}.`);
    const stat: FeatureStatsRecord = { feature: j, density: nnz[j]! / totalRows, mean: sum[j]! / totalRows, min: min[j]!, max: max[j]! };
    const hist = counts.slice(j * bins, (j + 1) * bins);
    if (zeros[j]! > 0) {
      let bin = Math.floor((0 - hLo[j]!) * hInvW[j]!);
      if (bin >= bins) bin = bins - 1;
      else if (bin < 0) bin = 0;
      hist[bin]! += zeros[j]!;
    }
    const t = topTied[j] ? tiedSample(ties, tieCell[2 * j]!, k, max[j]!) : aboveOrBelow(top.sorted(j), (v) => v > min[j]!);
    let b: Sorted;
    if (wantZeros[j]) b = aboveOrBelow(withZeros(zeroRows.finish(j, totalRows, zeros[j]!), bottom.sorted(j), k), (v) => -v < max[j]!);
    else if (bottomTied[j]) b = tiedSample(ties, tieCell[2 * j + 1]!, k, -min[j]!);
    else b = aboveOrBelow(bottom.sorted(j), (v) => -v < max[j]!);
    const { bandRows, bandActs } = sortedBandSamples(res, j, B, S);
    return {
      stat,
      example: {
        topRows: t.rows,
        topActs: t.vals,
        bottomRows: b.rows,
        bottomActs: b.vals.map((v) => -v),
        bandLo: 0,
        bandHi: max[j]!,
        bandCounts: res.count.slice(j * B, (j + 1) * B),
        bandRows,
        bandActs,
      },
      histogram: { lo: hLo[j]!, hi: hLo[j]! + bins / hInvW[j]!, counts: hist },
    };
  };
  return { rows: totalRows, nFeatures: m, feature };
}

/** Bottom examples (−v convention, largest first): the zero rows, then the smallest positives up to k in all. */
function withZeros(zeroRowsAsc: Int32Array, positives: Sorted, k: number): Sorted {
  const z = zeroRowsAsc.length;
  const n = Math.min(k, z + positives.rows.length);
  const rows = new Int32Array(n);
  const vals = new Float32Array(n).fill(-0);
  rows.set(zeroRowsAsc.subarray(0, Math.min(z, n)));
  for (let i = z; i < n; i++) {
    rows[i] = positives.rows[i - z]!;
    vals[i] = positives.vals[i - z]!;
  }
  return { rows, vals };
}
