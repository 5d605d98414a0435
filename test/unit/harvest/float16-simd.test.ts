// The WebAssembly SIMD rounding to float16 a float16 harvest's writer runs over every value it stores
// (store/float16-simd.ts, #14) gives exactly roundToFloat16's halves and rounded float32 values — and so the scalar
// encoder's halves — bit for bit, over every exponent, each rounding boundary, NaN payloads and random data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { float32ToFloat16Bits, roundToFloat16 } from '../../../main/onnx/dtypes';
import { loadHalfKernel, roundToFloat16Simd } from '../../../main/store/float16-simd';

/** Float32 bit patterns: both signs × every exponent × mantissas at the boundaries each exponent's rounding has. */
function representatives(): Uint32Array {
  const mantissas = new Set<number>([0, 1, 2, 3, 0x7fffff, 0x7ffffe, 0x400000, 0x3fffff, 0x400001, 0x200000, 0x000fff, 0x7ff000]);
  // Every shift the encoder can drop (13 for normal halves, 14–24 for subnormal ones): just below, at and above the
  // halfway point, with the kept lowest bit even and odd, and the largest kept values (the carries).
  for (let shift = 13; shift <= 24; shift++) {
    const half = 2 ** (shift - 1);
    for (const kept of [0, 1, 2, 3, 0x3fe, 0x3ff, (0x7fffff >>> shift) - 1, 0x7fffff >>> shift]) {
      for (const d of [-1, 0, 1]) {
        const m = kept * 2 ** shift + half + d;
        if (m >= 0 && m <= 0x7fffff) mantissas.add(m);
      }
    }
  }
  let s = 12345;
  for (let i = 0; i < 64; i++) mantissas.add((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) & 0x7fffff);
  const out: number[] = [];
  for (const sign of [0, 0x80000000]) {
    for (let exp = 0; exp < 256; exp++) for (const m of mantissas) out.push((sign | (exp << 23) | m) >>> 0);
  }
  return Uint32Array.from(out);
}

function check(values: Float32Array, what: string): void {
  const simd = roundToFloat16Simd(values);
  const js = roundToFloat16(values);
  const bitsIn = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const [r1, r2] = [new Uint32Array(simd.rounded.buffer, simd.rounded.byteOffset, values.length), new Uint32Array(js.rounded.buffer, js.rounded.byteOffset, values.length)];
  for (let i = 0; i < values.length; i++) {
    const x = bitsIn[i]!.toString(16);
    if (simd.bits[i] !== js.bits[i]) assert.fail(`${what}: 0x${x} gives half 0x${simd.bits[i]!.toString(16)} against 0x${js.bits[i]!.toString(16)}`);
    if (simd.bits[i] !== float32ToFloat16Bits(values[i]!)) assert.fail(`${what}: 0x${x} against the scalar encoder`);
    if (r1[i] !== r2[i]) assert.fail(`${what}: 0x${x} rounds to 0x${r1[i]!.toString(16)} against 0x${r2[i]!.toString(16)}`);
  }
}

test('the kernel rounds every exponent’s boundary mantissas, both signs, NaN payloads included, as roundToFloat16 does', () => {
  assert.ok(loadHalfKernel(), 'this Node runs WebAssembly SIMD, so the kernel (not its JS fallback) is what is tested');
  const bits = representatives();
  assert.ok(bits.length > 60000);
  check(new Float32Array(bits.buffer), 'representatives');
  // Shifted by 1–7 values, so every pattern also sits in each lane and in the JS tail (n mod 8).
  for (let k = 1; k < 8; k++) check(new Float32Array(bits.buffer, 4 * k, bits.length - 8), `shifted by ${k}`);
});

test('the kernel gives roundToFloat16’s bits on random data, into reused buffers, over lengths around its 16,384-value chunk', () => {
  let s = 99;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (const n of [0, 1, 7, 8, 9, 16383, 16384, 16385, 100003]) {
    const values = new Float32Array(n);
    const raw = new Uint32Array(values.buffer);
    for (let i = 0; i < n; i++) {
      const r = next() / 2 ** 32;
      if (r < 0.3) values[i] = Math.max(0, (next() / 2 ** 32 - 0.4) * 8); // ReLU-like
      else if (r < 0.6) values[i] = (next() / 2 ** 32 - 0.5) * 2 ** ((next() % 60) - 30);
      else raw[i] = next(); // any bit pattern
    }
    check(values, `random, n = ${n}`);
    const intoBits = new Uint16Array(n + 5).fill(0xabcd);
    const intoRounded = new Float32Array(n + 5).fill(7);
    const got = roundToFloat16Simd(values, intoBits, intoRounded);
    assert.equal(got.bits.buffer, intoBits.buffer);
    assert.equal(got.rounded.buffer, intoRounded.buffer);
    assert.deepEqual(Array.from(got.bits), Array.from(roundToFloat16(values).bits));
    assert.equal(intoBits[n], 0xabcd, 'nothing written past n');
  }
});
