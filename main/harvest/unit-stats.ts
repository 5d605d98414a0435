// Per-unit statistics, histograms and extreme rows of a harvest, each computed by streaming its chunks.
import type { Histogram, UnitStats } from './types';
import { UserError } from '../errors';
import { streamChunks } from '../store/activations';
import type { Db } from '../store/project';
import { getHarvest, saveUnitStats } from '../store/repo';
import { loadFoldKernel, type FoldKernel } from './unit-stats-simd';

/**
 * Rows per tile of the fold: about 64 KiB of a chunk, which stays in the core's cache while every unit walks down its
 * column, so each row is read from memory once per pass instead of once per unit sharing its cache line (#14: a
 * whole-chunk column walk re-read a 4 MB chunk 16 times per pass). At least 16 rows, so a wide row still pays one
 * store of the partial sums per 16 values.
 */
const TILE_VALUES = 16384;
const MIN_TILE_ROWS = 16;

/**
 * Mean, standard deviation (n − 1), range and fraction active per unit, accumulated chunk by chunk in float64:
 * each chunk by a two-pass sum (no division per value), chunks combined by Chan et al.'s parallel update. The
 * harvest feeds it each chunk as it commits it, so the statistics cost no second pass over the data.
 */
export class UnitStatsAccumulator {
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly active: Float64Array;
  /** The current chunk's per-unit sums, then its means, and its squared deviations: reused chunk after chunk. */
  private readonly chunkSum: Float64Array;
  private readonly chunkM2: Float64Array;
  private readonly tileRows: number;
  private n = 0;

  /**
   * `kernel: 'js'` folds with the JS loops below even where the WebAssembly kernel runs (the tests' reference; the
   * two give the same bits). Without WebAssembly SIMD the JS loops run either way.
   */
  constructor(readonly dim: number, private readonly options: { kernel?: 'wasm' | 'js' } = {}) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
    this.min = new Float64Array(dim).fill(Infinity);
    this.max = new Float64Array(dim).fill(-Infinity);
    this.active = new Float64Array(dim);
    this.chunkSum = new Float64Array(dim);
    this.chunkM2 = new Float64Array(dim);
    this.tileRows = Math.max(MIN_TILE_ROWS, Math.floor(TILE_VALUES / Math.max(1, dim)));
  }

  /**
   * Adds `rowCount` rows of `dim` values each, row-major, from the start of `data`. Tile by tile of rows, and within
   * a tile four units at a time (a strided walk down four adjacent columns of cached rows: four independent chains of
   * float64 adds instead of one, which the core overlaps), so each unit's sums, range and count live in registers over
   * the tile; each unit still sums its rows in row order, carrying its float64 partial sum from tile to tile, so the
   * results are exactly the row-by-row loop's. The walk runs in the WebAssembly SIMD kernel (foldWasm) where this
   * runtime has WebAssembly SIMD and dim ≥ 4, else in JS (foldJs); both give the same bits.
   */
  add(data: Float32Array, rowCount: number): void {
    if (rowCount === 0) return;
    const { dim, mean, m2, chunkSum, chunkM2 } = this;
    chunkSum.fill(0);
    chunkM2.fill(0);
    const kernel = dim >= 4 && this.options.kernel !== 'js' ? loadFoldKernel() : null;
    if (kernel) this.foldWasm(kernel, data, rowCount);
    else this.foldJs(data, rowCount);
    const n = this.n;
    const total = n + rowCount;
    for (let u = 0; u < dim; u++) {
      const cMean = chunkSum[u]!;
      const delta = cMean - mean[u]!;
      m2[u]! += chunkM2[u]! + (delta * delta * n * rowCount) / total;
      mean[u]! += (delta * rowCount) / total;
    }
    this.n = total;
  }

  /** The chunk's sums, range, active counts, means (into chunkSum) and squared deviations (chunkM2), in JS. */
  private foldJs(data: Float32Array, rowCount: number): void {
    const { dim, chunkSum, tileRows } = this;
    const quads = dim - (dim % 4);
    for (let r0 = 0; r0 < rowCount; r0 += tileRows) {
      const end = Math.min(rowCount, r0 + tileRows) * dim;
      for (let u = 0; u < quads; u += 4) this.sumQuad(data, r0 * dim + u, end, u);
      for (let u = quads; u < dim; u++) this.sumOne(data, r0 * dim + u, end, u);
    }
    // From here chunkSum holds the chunk's means.
    for (let u = 0; u < dim; u++) chunkSum[u] = chunkSum[u]! / rowCount;
    for (let r0 = 0; r0 < rowCount; r0 += tileRows) {
      const end = Math.min(rowCount, r0 + tileRows) * dim;
      for (let u = 0; u < quads; u += 4) this.squaresQuad(data, r0 * dim + u, end, u);
      for (let u = quads; u < dim; u++) this.squaresOne(data, r0 * dim + u, end, u);
    }
  }

  /**
   * foldJs's results bit for bit (NaNs' payloads aside): the units up to a multiple of 4 by the WebAssembly kernel
   * (unit-stats-simd.ts; its second pass eight units at a time, then the last four) over the same tiles of rows, each tile copied into the kernel's memory for each pass (that
   * measured faster than copying the whole chunk in once: 1.10 against 1.24 ms per 1M values warm, and no 4 MB of
   * kernel memory per thread); the last dim mod 4 units by the JS loops (each unit still in row order).
   */
  private foldWasm(k: FoldKernel, data: Float32Array, rowCount: number): void {
    const { dim, chunkSum, chunkM2, min, max, active, tileRows } = this;
    const quads = dim - (dim % 4);
    const octs = dim - (dim % 8);
    const v = k.layout(quads, Math.min(rowCount, tileRows) * dim);
    const stride = dim * 4;
    const end = rowCount * dim;
    v.sum.fill(0);
    v.lo.set(min.subarray(0, quads));
    v.hi.set(max.subarray(0, quads));
    v.cnt.fill(0);
    /** Copies the tile's rows from r0 into the kernel's memory; returns their byte offset there. */
    const tile = (r0: number, rows: number): number => {
      v.rows.set(data.subarray(r0 * dim, (r0 + rows) * dim));
      return v.dataAt;
    };
    for (let r0 = 0; r0 < rowCount; r0 += tileRows) {
      const rows = Math.min(tileRows, rowCount - r0);
      k.fold1(tile(r0, rows), rows, stride, quads, v.sumAt, v.loAt, v.hiAt, v.cntAt);
    }
    for (let u = quads; u < dim; u++) this.sumOne(data, u, end, u);
    chunkSum.set(v.sum);
    min.set(v.lo);
    max.set(v.hi);
    for (let u = 0; u < quads; u++) active[u]! += v.cnt[u]!;
    // From here chunkSum holds the chunk's means, and so does the kernel's sum array.
    for (let u = 0; u < dim; u++) chunkSum[u] = chunkSum[u]! / rowCount;
    v.sum.set(chunkSum.subarray(0, quads));
    v.m2.fill(0);
    for (let r0 = 0; r0 < rowCount; r0 += tileRows) {
      const rows = Math.min(tileRows, rowCount - r0);
      const at = tile(r0, rows);
      k.fold2x8(at, rows, stride, octs, v.sumAt, v.m2At);
      if (octs < quads) k.fold2(at + octs * 4, rows, stride, 4, v.sumAt + octs * 8, v.m2At + octs * 8);
    }
    for (let u = quads; u < dim; u++) this.squaresOne(data, u, end, u);
    chunkM2.set(v.m2);
  }

  /** Sum, range and active count of unit u over the values at `from`, `from + dim`, … below `end`. */
  private sumOne(data: Float32Array, from: number, end: number, u: number): void {
    const { dim, chunkSum, min, max, active } = this;
    let sum = chunkSum[u]!;
    let lo = min[u]!;
    let hi = max[u]!;
    let on = 0;
    for (let at = from; at < end; at += dim) {
      const x = data[at]!;
      sum += x;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      if (x > 0) on++;
    }
    chunkSum[u] = sum;
    min[u] = lo;
    max[u] = hi;
    active[u]! += on;
  }

  /** sumOne for units u..u+3 at once. */
  private sumQuad(data: Float32Array, from: number, end: number, u: number): void {
    const { dim, chunkSum, min, max, active } = this;
    let s0 = chunkSum[u]!, s1 = chunkSum[u + 1]!, s2 = chunkSum[u + 2]!, s3 = chunkSum[u + 3]!;
    let lo0 = min[u]!, lo1 = min[u + 1]!, lo2 = min[u + 2]!, lo3 = min[u + 3]!;
    let hi0 = max[u]!, hi1 = max[u + 1]!, hi2 = max[u + 2]!, hi3 = max[u + 3]!;
    let on0 = 0, on1 = 0, on2 = 0, on3 = 0;
    for (let at = from; at < end; at += dim) {
      const x0 = data[at]!, x1 = data[at + 1]!, x2 = data[at + 2]!, x3 = data[at + 3]!;
      s0 += x0;
      s1 += x1;
      s2 += x2;
      s3 += x3;
      if (x0 < lo0) lo0 = x0;
      if (x1 < lo1) lo1 = x1;
      if (x2 < lo2) lo2 = x2;
      if (x3 < lo3) lo3 = x3;
      if (x0 > hi0) hi0 = x0;
      if (x1 > hi1) hi1 = x1;
      if (x2 > hi2) hi2 = x2;
      if (x3 > hi3) hi3 = x3;
      if (x0 > 0) on0++;
      if (x1 > 0) on1++;
      if (x2 > 0) on2++;
      if (x3 > 0) on3++;
    }
    chunkSum[u] = s0; chunkSum[u + 1] = s1; chunkSum[u + 2] = s2; chunkSum[u + 3] = s3;
    min[u] = lo0; min[u + 1] = lo1; min[u + 2] = lo2; min[u + 3] = lo3;
    max[u] = hi0; max[u + 1] = hi1; max[u + 2] = hi2; max[u + 3] = hi3;
    active[u]! += on0; active[u + 1]! += on1; active[u + 2]! += on2; active[u + 3]! += on3;
  }

  /** Squared deviations of unit u from its chunk mean (in chunkSum) over the values at `from`, `from + dim`, …. */
  private squaresOne(data: Float32Array, from: number, end: number, u: number): void {
    const { dim, chunkSum, chunkM2 } = this;
    const mean = chunkSum[u]!;
    let acc = chunkM2[u]!;
    for (let at = from; at < end; at += dim) {
      const d = data[at]! - mean;
      acc += d * d;
    }
    chunkM2[u] = acc;
  }

  /** squaresOne for units u..u+3 at once. */
  private squaresQuad(data: Float32Array, from: number, end: number, u: number): void {
    const { dim, chunkSum, chunkM2 } = this;
    const m0 = chunkSum[u]!, m1 = chunkSum[u + 1]!, m2 = chunkSum[u + 2]!, m3 = chunkSum[u + 3]!;
    let a0 = chunkM2[u]!, a1 = chunkM2[u + 1]!, a2 = chunkM2[u + 2]!, a3 = chunkM2[u + 3]!;
    for (let at = from; at < end; at += dim) {
      const d0 = data[at]! - m0, d1 = data[at + 1]! - m1, d2 = data[at + 2]! - m2, d3 = data[at + 3]! - m3;
      a0 += d0 * d0;
      a1 += d1 * d1;
      a2 += d2 * d2;
      a3 += d3 * d3;
    }
    chunkM2[u] = a0; chunkM2[u + 1] = a1; chunkM2[u + 2] = a2; chunkM2[u + 3] = a3;
  }

  result(): UnitStats[] {
    const { n, mean, m2, min, max, active } = this;
    const stats: UnitStats[] = [];
    for (let u = 0; u < this.dim; u++) {
      stats.push({
        unit: u,
        mean: n ? mean[u]! : 0,
        std: n > 1 ? Math.sqrt(m2[u]! / (n - 1)) : 0,
        min: n ? min[u]! : 0,
        max: n ? max[u]! : 0,
        fracActive: n ? active[u]! / n : 0,
      });
    }
    return stats;
  }
}

/** Recomputes and stores a harvest's unit statistics from its committed chunks. */
export function computeUnitStats(db: Db, harvestId: number): UnitStats[] {
  const acc = new UnitStatsAccumulator(getHarvest(db, harvestId).dim);
  for (const { data, rowCount } of streamChunks(db, harvestId)) acc.add(data, rowCount);
  const stats = acc.result();
  saveUnitStats(db, harvestId, stats);
  return stats;
}

function checkUnit(db: Db, harvestId: number, unit: number): number {
  const { dim } = getHarvest(db, harvestId);
  if (unit >= dim) throw new UserError('harvest.unit', `Harvest ${harvestId} has ${dim} units; unit ${unit} does not exist.`);
  return dim;
}

/** Histogram of one unit's activations over every row. */
export function unitHistogram(db: Db, harvestId: number, unit: number, bins: number): Histogram {
  const dim = checkUnit(db, harvestId, unit);
  let lo = Infinity;
  let hi = -Infinity;
  const values: Float32Array[] = [];
  let rows = 0;
  // Two passes over one column would re-read every chunk; one column of a harvest is small, so keep it.
  for (const chunk of streamChunks(db, harvestId)) {
    const col = new Float32Array(chunk.rowCount);
    for (let r = 0; r < chunk.rowCount; r++) {
      const x = chunk.data[r * dim + unit]!;
      col[r] = x;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    values.push(col);
    rows += chunk.rowCount;
  }
  if (rows === 0) return { edges: [0, 1], counts: [0], rows: 0 };
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const col of values) {
    for (const x of col) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  return { edges, counts, rows };
}

/** The k rows with the largest (or smallest) activation of one unit, best first. */
export function extremeRows(db: Db, harvestId: number, unit: number, k: number, order: 'top' | 'bottom'): { row: number; value: number }[] {
  const dim = checkUnit(db, harvestId, unit);
  const sign = order === 'top' ? 1 : -1;
  // A small sorted buffer beats a heap for k ≤ 256: insertions are rare once it fills.
  const best: { row: number; value: number }[] = [];
  for (const chunk of streamChunks(db, harvestId)) {
    for (let r = 0; r < chunk.rowCount; r++) {
      const v = sign * chunk.data[r * dim + unit]!;
      if (best.length === k && v <= best[best.length - 1]!.value) continue;
      let i = best.length;
      while (i > 0 && best[i - 1]!.value < v) i--;
      best.splice(i, 0, { row: chunk.firstRow + r, value: v });
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => ({ row: b.row, value: sign * b.value }));
}
