import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRowMeta, encodeRowMeta, rowMetaAt } from '../../../main/store/row-meta';

/** int32 [stimulus, label, posY, posX] per row for `items` stimuli from `first`, each at the given positions. */
function harvestMeta(first: number, items: number, positions: [number, number][], label: (s: number) => number): Int32Array {
  const out = new Int32Array(items * positions.length * 4);
  let at = 0;
  for (let i = 0; i < items; i++) {
    for (const [y, x] of positions) {
      out.set([first + i, label(first + i), y, x], at);
      at += 4;
    }
  }
  return out;
}

const grid = (h: number, w: number): [number, number][] => Array.from({ length: h * w }, (_, k) => [Math.floor(k / w), k % w]);

/** What a stored BLOB decodes to, read both ways (whole, and row by row). */
function assertDecodes(blob: Buffer, meta: Int32Array): void {
  const rows = meta.length / 4;
  assert.deepEqual(Array.from(decodeRowMeta(blob, rows)), Array.from(meta));
  for (let r = 0; r < rows; r++) {
    const opt = (v: number) => (v < 0 ? null : v);
    assert.deepEqual(rowMetaAt(blob, rows, r), { stimulusIndex: meta[4 * r]!, label: opt(meta[4 * r + 1]!), posY: opt(meta[4 * r + 2]!), posX: opt(meta[4 * r + 3]!) }, `row ${r}`);
  }
}

test('a conv map at every position: the regular encoding, 16 + 4·stimuli + 8·positions bytes, decodes to every row', () => {
  const meta = harvestMeta(1000, 7, grid(12, 12), (s) => s % 10);
  const blob = encodeRowMeta(meta);
  assert.equal(blob.byteLength, 16 + 4 * 7 + 8 * 144);
  assert.ok(blob.byteLength < meta.byteLength / 10);
  assertDecodes(blob, meta);
});

test('one centre row per stimulus (positions and labels absent): regular too', () => {
  const meta = harvestMeta(0, 50, [[-1, -1]], () => -1);
  const blob = encodeRowMeta(meta);
  assert.equal(blob.byteLength, 16 + 4 * 50 + 8);
  assertDecodes(blob, meta);
});

test('rows that are not regular keep the per-row encoding, byte for byte', () => {
  const cases: [string, Int32Array][] = [
    // text: every row its own context position and document (store rows of a text harvest)
    ['text positions', Int32Array.from([0, 65, 0, 3, 0, 66, 1, 3, 1, 67, 0, 4, 1, 68, 1, 4, 1, 69, 2, 4])],
    ['a stimulus skipped', harvestMeta(0, 3, [[0, 0]], () => 1).map((v, i) => (i === 8 ? 5 : v))],
    ['a label that changes within a stimulus', harvestMeta(0, 2, grid(1, 2), () => 3).map((v, i) => (i === 5 ? 4 : v))],
    ['positions that differ between stimuli', harvestMeta(0, 2, grid(1, 2), () => 3).map((v, i) => (i === 11 ? 7 : v))],
    ['a chunk ending inside a stimulus', harvestMeta(0, 3, grid(1, 3), () => 1).subarray(0, 8 * 4)],
    ['one row', Int32Array.from([9, 1, -1, -1])],
    ['two stimuli of one row (the regular form would be no smaller)', Int32Array.from([4, 1, -1, -1, 5, 2, -1, -1])],
    ['no rows', new Int32Array(0)],
  ];
  for (const [what, meta] of cases) {
    const blob = encodeRowMeta(meta);
    assert.ok(blob.equals(Buffer.from(meta.buffer, meta.byteOffset, meta.byteLength)), what);
    assertDecodes(blob, meta);
  }
});

test('a BLOB stored per row before the regular encoding existed decodes as before, from an unaligned buffer too', () => {
  const meta = harvestMeta(3, 4, grid(2, 2), (s) => s);
  const stored = Buffer.alloc(meta.byteLength + 1).subarray(1);
  Buffer.from(meta.buffer).copy(stored);
  assertDecodes(stored, meta);
  const regular = encodeRowMeta(meta);
  const shifted = Buffer.alloc(regular.byteLength + 3).subarray(3);
  regular.copy(shifted);
  assertDecodes(shifted, meta);
});

test('metadata that could be mistaken for the regular encoding, or BLOBs that do not describe their rows, are refused', () => {
  assert.throws(() => encodeRowMeta(Int32Array.from([-5, 0, 0, 0, -4, 0, 0, 0])), /stimulus indices are ≥ 0/);
  const meta = harvestMeta(0, 4, grid(2, 2), () => 0);
  const blob = encodeRowMeta(meta);
  assert.throws(() => decodeRowMeta(blob, 15), /does not describe 15 rows/);
  assert.throws(() => decodeRowMeta(blob.subarray(0, blob.byteLength - 4), 16), /does not describe 16 rows/);
  assert.throws(() => decodeRowMeta(Buffer.from(meta.buffer), 15), /does not describe 15 rows/);
});
