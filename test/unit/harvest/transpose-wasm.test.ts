// A conv map's rows at every position, moved by the WebAssembly kernel (#14, harvest/transpose-wasm.ts), are the
// rows the definition gives — row (n·H·W + p) holds channel k of item n at position p — bit for bit (NaN payloads,
// −0 and subnormals included), for odd shapes, batches spanning several kernel calls, and at any destination row;
// a sequence's rows are its items as they are; an item too large for the kernel is moved by the JS loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractRows, rowLayout } from '../../../main/harvest/layout';
import { TRANSPOSE_VALUES, transposeItems } from '../../../main/harvest/transpose-wasm';

/** Values with every kind of bit pattern: random floats, −0, subnormals, infinities and NaNs with payloads (or no NaN at all). */
function values(n: number, seed: number, nans = true): Float32Array {
  const bits = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    bits[i] = i % 97 === 0 ? 0x80000000 : i % 89 === 0 ? 0x00000003 : nans && i % 83 === 0 ? 0x7fc01234 : nans && i % 71 === 0 ? 0xffa00001 : i % 79 === 0 ? 0xff800000 : nans ? s : s & 0xbfffffff;
  }
  return new Float32Array(bits.buffer);
}

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** The definition, moving 32-bit words (V8 may quiet a NaN it moves as a float, and the kernel moves bits). */
function definition(src: Float32Array, count: number, c: number, h: number, w: number, dst: Float32Array, dstRow: number): void {
  const [from, to] = [bitsOf(src), bitsOf(dst)];
  for (let n = 0; n < count; n++) for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) to[(dstRow + n * h * w + p) * c + k] = from[n * c * h * w + k * h * w + p]!;
}

test('every position of a map: the definition\'s rows bit for bit, across shapes, kernel calls and destination rows', () => {
  for (const [c, h, w, count, dstRow] of [[1, 1, 1, 1, 0], [3, 5, 7, 4, 2], [64, 12, 12, 32, 0], [64, 12, 12, 33, 144], [7, 1, 13, 9, 5], [512, 45, 45, 2, 1]] as const) {
    const src = values(c * h * w * count, c + h + w + count);
    const layout = rowLayout([count, c, h, w], 'all', 't');
    const rows = dstRow + count * h * w + 3;
    const got = new Float32Array(rows * c).fill(7);
    const want = new Float32Array(rows * c).fill(7);
    extractRows(layout, src, count, got, dstRow);
    definition(src, count, c, h, w, want, dstRow);
    assert.deepEqual(bitsOf(got), bitsOf(want), `[${count}, ${c}, ${h}, ${w}] at row ${dstRow}`);
  }
  assert.ok(512 * 45 * 45 * 2 > TRANSPOSE_VALUES, 'one case spans more than one kernel call');
});

test('the kernel refuses an item larger than its memory, and extractRows then moves it in JS', () => {
  const c = 2;
  const hw = TRANSPOSE_VALUES / 2 + 1;
  const src = values(c * hw, 3, false); // no NaNs: the JS loop moves floats
  const dst = new Float32Array(c * hw);
  assert.equal(transposeItems(src, 1, c, hw, dst, 0), false);
  assert.ok(dst.every((v) => v === 0), 'nothing written');
  const layout = rowLayout([1, c, 1, hw], 'all', 't');
  const want = new Float32Array(c * hw);
  extractRows(layout, src, 1, dst, 0);
  definition(src, 1, c, 1, hw, want, 0);
  assert.deepEqual(bitsOf(dst), bitsOf(want));
});

test('every position of a sequence [T, D]: its rows are the items as they are', () => {
  const [t, d, count] = [5, 6, 3];
  const src = values(t * d * count, 9); // moved by TypedArray.set, which copies bytes
  const dst = new Float32Array((2 + t * count) * d);
  extractRows(rowLayout([count, t, d], 'all', 't'), src, count, dst, 2);
  assert.deepEqual(bitsOf(dst.subarray(2 * d)), bitsOf(src));
  assert.ok(dst.subarray(0, 2 * d).every((v) => v === 0));
});
