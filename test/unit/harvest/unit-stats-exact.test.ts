// The unit statistics a harvest folds in chunk by chunk (#14 made the fold walk four units at a time over cached
// tiles of rows, keeping its sums in registers): exactly, bit for bit, what the row-by-row two-pass fold gives —
// statistics stored by earlier versions stay reproducible — and right against a plain float64 reference. The fold
// runs as a WebAssembly SIMD kernel (harvest/unit-stats-simd.ts) where it can; the JS fold is its reference, bit for bit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnitStatsAccumulator } from '../../../main/harvest/unit-stats';
import { loadFoldKernel } from '../../../main/harvest/unit-stats-simd';
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

/** Rows whose units are of six kinds (by u mod 6): ReLU-like, ±0 only, denormals, with ±Inf, with NaNs (several payloads), huge and tiny mixed. */
function awkward(rows: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(rows * dim + 3 * dim); // longer than its rows, as a reused chunk buffer is
  const bits = new Uint32Array(out.buffer);
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < out.length; i++) {
    const r = next();
    const v = (next() - 0.4) * 6;
    switch ((i % dim) % 6) {
      case 0: out[i] = v > 0 ? v : 0; break;
      case 1: out[i] = r < 0.5 ? -0 : 0; break;
      case 2: bits[i] = ((r < 0.5 ? 0x80000000 : 0) | Math.floor(next() * 0x800000)) >>> 0; break; // a subnormal or ±0
      case 3: out[i] = r < 0.05 ? Infinity : r < 0.1 ? -Infinity : v; break;
      case 4: if (r < 0.05) bits[i] = ((r < 0.025 ? 0xffc00000 : 0x7f800000) | (1 + Math.floor(next() * 0x3fffff))) >>> 0; else out[i] = v; break;
      default: out[i] = r < 0.1 ? v * 1e37 : r < 0.2 ? v * 1e-40 : v;
    }
  }
  return out;
}

const f64Bits = (x: number) => new BigUint64Array(new Float64Array([x]).buffer)[0]!;

/**
 * NaN against NaN counts as equal whatever the payload and sign: neither engine fixes them (ECMAScript lets a
 * Float64Array store any NaN's bits, and V8 canonicalizes some and commutes `sum + x` when it likes, so the JS picks
 * which input NaN survives by register allocation; WebAssembly's arithmetic NaNs are nondeterministic too).
 * Everything else, −0 against +0 included, must have the same bits.
 */
test('the WebAssembly SIMD fold gives the JS fold’s statistics bit for bit: NaN, ±0, ±Inf and subnormals included, any dim and row count', () => {
  assert.ok(loadFoldKernel(), 'this Node runs WebAssembly SIMD, so the kernel (not the JS fallback) is what is tested');
  let checked = 0;
  const seen = { nan: 0, inf: 0, negZero: 0 };
  for (const dim of [1, 3, 4, 5, 255, 256, 1024]) {
    for (const rows of [1, 17, 4096]) {
      const chunks = [rows, 17, rows].map((n, k) => ({ data: awkward(n, dim, dim * 7919 + rows * 31 + k), rows: n }));
      const wasm = new UnitStatsAccumulator(dim);
      const js = new UnitStatsAccumulator(dim, { kernel: 'js' });
      for (const c of chunks) {
        wasm.add(c.data, c.rows);
        js.add(c.data, c.rows);
      }
      const [a, b] = [wasm.result(), js.result()];
      for (let u = 0; u < dim; u++) {
        for (const key of ['mean', 'std', 'min', 'max', 'fracActive'] as const) {
          const [x, y] = [a[u]![key], b[u]![key]];
          if (Number.isNaN(x)) seen.nan++;
          else if (!Number.isFinite(x)) seen.inf++;
          else if (Object.is(x, -0)) seen.negZero++;
          if (Number.isNaN(x) ? !Number.isNaN(y) : f64Bits(x) !== f64Bits(y)) assert.fail(`dim ${dim}, rows ${rows}, unit ${u}: ${key} ${a[u]![key]} against ${b[u]![key]}`);
          checked++;
        }
      }
    }
  }
  assert.equal(checked, 5 * 3 * (1 + 3 + 4 + 5 + 255 + 256 + 1024));
  assert.ok(seen.nan > 0 && seen.inf > 0 && seen.negZero > 0, JSON.stringify(seen));
});
