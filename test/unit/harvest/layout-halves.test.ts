// The centre rows of a float16 map read from its halves (#14) are exactly the rows extractRows takes from the map
// widened whole (float16BitsToFloat32Array), bit for bit, for conv maps and sequences, over every kind of half.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractCentreFromHalves, extractRows, rowLayout } from '../../../main/harvest/layout';
import { float16BitsToFloat32Array } from '../../../main/onnx/dtypes';
import { Rng } from '../../../main/util/random';

test('centre rows from halves equal extractRows over the widened map, for [C,H,W] and [T,D] items; other layouts are left to extractRows', () => {
  const rng = new Rng(14);
  for (const shape of [[5, 8, 7, 9], [3, 6, 4, 4], [4, 11, 6], [2, 1000, 1, 1]]) {
    const layout = rowLayout(shape, 'centre', 'x');
    const count = shape[0]!;
    const values = shape.reduce((a, b) => a * b, 1);
    // Every kind of half: normals, subnormals, zeros of both signs, infinities and NaNs (all 16 bits random).
    const halves = Uint16Array.from({ length: values }, () => rng.nextUint32() & 0xffff);
    halves[0] = 0x7c00;
    halves[1] = 0xfe01;
    const dstRow = 3;
    const expected = new Float32Array((dstRow + count) * layout.dim).fill(-7);
    extractRows(layout, float16BitsToFloat32Array(halves), count, expected, dstRow);
    const got = new Float32Array((dstRow + count) * layout.dim).fill(-7);
    assert.equal(extractCentreFromHalves(layout, halves, count, got, dstRow), true);
    assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(expected.buffer), `shape ${shape.join('x')}`);
  }
  const scratch = new Float32Array(1000);
  for (const [shape, positions] of [[[2, 3, 4, 4], 'all'], [[2, 3, 4, 4], 'mean'], [[2, 10], 'centre']] as const) {
    assert.equal(extractCentreFromHalves(rowLayout(shape, positions, 'x'), new Uint16Array(96), 2, scratch, 0), false, `${shape.join('x')} ${positions}`);
  }
});
