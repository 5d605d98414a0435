// The unit statistics a harvest folds in chunk by chunk (#14 made the fold walk four units at a time over cached
// tiles of rows, keeping its sums in registers): exactly, bit for bit, what the row-by-row two-pass fold gives —
// statistics stored by earlier versions stay reproducible — and right against a plain float64 reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnitStatsAccumulator } from '../../../main/harvest/unit-stats';
import type { UnitStats } from '../../../main/harvest/types';

/** The fold as it was written before: row by row, per-unit accumulators in arrays, same arithmetic per unit. */
function rowByRow(dim: number, chunks: { data: Float32Array; rows: number }[]): UnitStats[] {
  const mean = new Float64Array(dim);
  const m2 = new Float64Array(dim);
  const min = new Float64Array(dim).fill(Infinity);
  const max = new Float64Array(dim).fill(-Infinity);
  const active = new Float64Array(dim);
  let n = 0;
  for (const { data, rows } of chunks) {
    const cMean = new Float64Array(dim);
    const cM2 = new Float64Array(dim);
    for (let r = 0; r < rows; r++) {
      for (let u = 0; u < dim; u++) {
        const x = data[r * dim + u]!;
        cMean[u]! += x;
        if (x < min[u]!) min[u] = x;
        if (x > max[u]!) max[u] = x;
        if (x > 0) active[u]!++;
      }
    }
    for (let u = 0; u < dim; u++) cMean[u]! /= rows;
    for (let r = 0; r < rows; r++) {
      for (let u = 0; u < dim; u++) {
        const d = data[r * dim + u]! - cMean[u]!;
        cM2[u]! += d * d;
      }
    }
    const total = n + rows;
    for (let u = 0; u < dim; u++) {
      const delta = cMean[u]! - mean[u]!;
      m2[u]! += cM2[u]! + (delta * delta * n * rows) / total;
      mean[u]! += (delta * rows) / total;
    }
    n = total;
  }
  return Array.from({ length: dim }, (_, u) => ({
    unit: u,
    mean: mean[u]!,
    std: n > 1 ? Math.sqrt(m2[u]! / (n - 1)) : 0,
    min: min[u]!,
    max: max[u]!,
    fracActive: active[u]! / n,
  }));
}

function chunk(rows: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(rows * dim + 7 * dim); // longer than its rows, as a reused chunk buffer is
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s / 2 ** 32 - 0.3) * 5 + (i % dim) * 0.01;
    out[i] = v > 0 ? v : i % 3 === 0 ? v : 0; // ReLU-like zeros, some negatives
  }
  return out;
}

test('folding tile by tile, unit by unit, gives the row-by-row fold’s statistics bit for bit, over chunks of uneven sizes', () => {
  // dim 37 folds tiles of 442 rows (whole and partial); dim 2,000 the 16-row minimum tile.
  for (const [dim, sizes] of [[37, [4096, 1, 513, 2000]], [2000, [40, 7, 16]]] as const) {
    const chunks = sizes.map((rows, k) => ({ data: chunk(rows, dim, k + 1), rows }));
    const acc = new UnitStatsAccumulator(dim);
    for (const c of chunks) acc.add(c.data, c.rows);
    assert.deepEqual(acc.result(), rowByRow(dim, chunks));
  }
});

test('the fold agrees with a direct float64 mean and variance over all rows', () => {
  const dim = 5;
  const chunks = [300, 77, 1000].map((rows, k) => ({ data: chunk(rows, dim, 11 + k), rows }));
  const acc = new UnitStatsAccumulator(dim);
  for (const c of chunks) acc.add(c.data, c.rows);
  const got = acc.result();
  for (let u = 0; u < dim; u++) {
    const xs = chunks.flatMap((c) => Array.from({ length: c.rows }, (_, r) => c.data[r * dim + u]!));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    assert.ok(Math.abs(got[u]!.mean - mean) < 1e-12 * (1 + Math.abs(mean)));
    assert.ok(Math.abs(got[u]!.std - Math.sqrt(variance)) < 1e-10);
    assert.equal(got[u]!.min, Math.min(...xs));
    assert.equal(got[u]!.max, Math.max(...xs));
    assert.equal(got[u]!.fracActive, xs.filter((x) => x > 0).length / xs.length);
  }
});
