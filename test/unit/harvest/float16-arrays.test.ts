// The whole-array float16 encode and decode (#14: a float16 harvest runs them over every value it records) take
// fast paths (integer arithmetic over the bits, a 65,536-entry table); they must give exactly the bits of the
// scalar, branch-by-branch reference functions, which are checked against onnxruntime's own Cast elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { float16BitsToFloat32, float16BitsToFloat32Array, float32ArrayToFloat16Bits, float32ToFloat16Bits, roundToFloat16 } from '../../../main/onnx/dtypes';

function scalarEncode(values: Float32Array): Uint16Array {
  return Uint16Array.from(values, (v) => float32ToFloat16Bits(v));
}

test('decoding every one of the 65,536 halves gives the scalar decoder’s float32 bits', () => {
  const halves = new Uint16Array(65536).map((_, i) => i);
  const fast = float16BitsToFloat32Array(halves);
  const slow = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) slow[h] = float16BitsToFloat32(h);
  assert.deepEqual(new Uint32Array(fast.buffer), new Uint32Array(slow.buffer));
});

test('encoding gives the scalar encoder’s bits around every half, at every rounding tie, and over a sweep of all float32 bit patterns', () => {
  const patterns: number[] = [];
  // Each half's own value, the float32s next to it, and the exact midpoint to the next half with its neighbours:
  // the ties (to even) and near-ties are where a bit trick goes wrong.
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let h = 0; h < 0x7c00; h++) {
    f[0] = float16BitsToFloat32(h);
    const at = u[0]!;
    for (let d = -2; d <= 2; d++) patterns.push(at + d);
    f[0] = (float16BitsToFloat32(h) + float16BitsToFloat32(h + 1)) / 2;
    const mid = u[0]!;
    for (let d = -1; d <= 1; d++) patterns.push(mid + d);
  }
  // Overflow edge (65504 is the largest half, 65520 rounds to infinity), infinities and NaNs.
  patterns.push(0x477fe000, 0x477fefff, 0x477ff000, 0x477ff001, 0x7f800000, 0x7fc00000, 0x7f800001, 0x7fffffff, 0x00000001, 0x387fffff, 0x38800000);
  // Every 65,521st bit pattern (a prime stride, so every exponent and mantissa region is visited).
  for (let b = 0; b < 2 ** 32; b += 65521) patterns.push(b);
  const positive = new Uint32Array(patterns.map((p) => p >>> 0));
  const all = new Uint32Array(positive.length * 2);
  all.set(positive);
  for (let i = 0; i < positive.length; i++) all[positive.length + i] = (positive[i]! ^ 0x80000000) >>> 0;
  const values = new Float32Array(all.buffer);
  assert.ok(values.length > 300_000);
  assert.deepEqual(float32ArrayToFloat16Bits(values), scalarEncode(values));
  // A view into a larger buffer (a chunk's used rows) reads only its own values.
  const view = values.subarray(1001, 5001);
  assert.deepEqual(float32ArrayToFloat16Bits(view), scalarEncode(view));
  // Into a larger buffer an fp16 model's harvest reuses (#14): its first values, whatever it held.
  const into = new Uint16Array(view.length + 5).fill(0xabcd);
  const encoded = float32ArrayToFloat16Bits(view, into);
  assert.equal(encoded.buffer, into.buffer);
  assert.deepEqual(encoded, scalarEncode(view));
  // The one-pass rounding a float16 writer uses (#14): the same halves, and their float32 values bit for bit as the
  // table decodes them (NaNs included), also into larger reused buffers that held other values.
  const expectedBits = scalarEncode(values);
  const expectedRounded = new Uint32Array(float16BitsToFloat32Array(expectedBits).buffer);
  const fresh = roundToFloat16(values);
  assert.deepEqual(fresh.bits, expectedBits);
  assert.deepEqual(new Uint32Array(fresh.rounded.buffer), expectedRounded);
  const reused = roundToFloat16(values, new Uint16Array(values.length + 7).fill(0xffff), new Float32Array(values.length + 7).fill(Number.NaN));
  assert.equal(reused.bits.length, values.length);
  assert.deepEqual(reused.bits, expectedBits);
  assert.deepEqual(new Uint32Array(reused.rounded.buffer, reused.rounded.byteOffset, values.length), expectedRounded);
});

test('plain arrays (doubles) still round through float32 on the scalar path', () => {
  const doubles = [0.1, 1 / 3, 65519.99, 1e-8, -2.5e-5, 70000];
  assert.deepEqual(float32ArrayToFloat16Bits(doubles), Uint16Array.from(doubles, (v) => float32ToFloat16Bits(v)));
  assert.deepEqual(float16BitsToFloat32Array([0x3c00, 0x7e00, 0x0001]), Float32Array.from([1, NaN, 2 ** -24]));
});
