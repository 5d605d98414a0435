// roundToFloat16 (onnx/dtypes.ts) as a WebAssembly SIMD kernel (#14): a float16 harvest's writer rounds every value
// it stores to a half and keeps the rounded float32 for its statistics, and the JS pass costs 6–10 ms per 1M values
// warm (ReLU rows' zeros take its slow branch) and 18–22 ms cold, in a writer thread that is fresh per job; this
// kernel 3.1 warm and 5–5.5 cold (npm run bench -- float16-encode), of which about 2 ms is copying the chunk in and
// the halves and rounded values out of its memory. Four lanes at a time, in integer bit operations:
//   |x| < 2^-14 (a subnormal half or zero): bits(|x| + 0.5f) − bits(0.5f) — the float32 add rounds to the
//     half-subnormal grid (2^-24, the ulp of 0.5) to nearest-even, as float32ToFloat16Bits does by shifts;
//   2^-14 ≤ |x| ≤ Inf: (|x| − 0x37fff001 + bit 13 of |x|) >> 13 (float32ArrayToFloat16Bits's add-and-shift), capped
//     at 0x7c00, so overflow and infinities give Inf;
//   NaN: 0x7e00 | the payload's top 10 bits (a NaN stays a NaN);
// and the sign on top. The rounded float32 widens the half back: a subnormal half h as bits(0x3f000000 | h) − 0.5f,
// a normal one as (h << 13) + 0x38000000, Inf as Inf with its sign, and a NaN half as 0x7fc00000 — what the JS
// table (float16BitsToFloat32 stored into a Float32Array) holds. The bits are roundToFloat16's, all of them
// (test/unit/harvest/float16-simd.test.ts checks every exponent, the rounding boundaries and NaN payloads).
import { roundToFloat16 } from '../onnx/dtypes';
import { funcBody, I32, kernelLoader, op, V128, wasmModule } from '../util/wasm-asm';

/** Values per kernel call: 64 KiB of input, 64 KiB of rounded values and 32 KiB of halves, which stay in L2. */
const CHUNK = 16384;
const AT = { input: 0, rounded: CHUNK * 4, bits: CHUNK * 8 };

/**
 * half(bytes): the first bytes / 4 (a multiple of 8) float32 values at AT.input to their halves at AT.bits and the
 * halves' float32 values at AT.rounded.
 */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const bytes = 0;
  const p = 1; // the byte offset of the eight values in hand, in the input and in the rounded values
  const consts = [0x8000, 0x7fffffff, 0x37fff001, 1, 0x7c00, 0x3f000000, 0x3ff, 0x7e00, 0x38800000, 0x7f800000, 0x38000000, 0x400, 0x7fc00000, 0x80000000];
  /** A constant, splatted into a local once (locals 2–15). */
  const K = (value: number) => op.get(2 + consts.indexOf(value));
  const [x, a, h, hu, r, h0, h1] = [16, 17, 18, 19, 20, 21, 22];
  const HALF = 0x3f000000; // 0.5f
  /** The halves of the four values at p + offset into local `into`; their float32 values stored at AT.rounded. */
  const four = (offset: number, into: number) => [
    ...op.get(p), ...op.load(AT.input + offset), ...op.tee(x), ...K(0x7fffffff), ...op.and, ...op.set(a),
    // A subnormal half or zero: bits(|x| + 0.5f) − bits(0.5f).
    ...op.get(a), ...K(HALF), ...op.add, ...K(HALF), ...op.i32x4Sub,
    // A normal half, capped at Inf: (|x| − 0x37fff001 + bit 13 of |x|) >> 13.
    ...op.get(a), ...K(0x37fff001), ...op.i32x4Sub,
    ...op.get(a), ...op.i32Const(13), ...op.i32x4ShrU, ...K(1), ...op.and, ...op.i32x4Add,
    ...op.i32Const(13), ...op.i32x4ShrU, ...K(0x7c00), ...op.i32x4MinU,
    ...op.get(a), ...K(0x38800000), ...op.i32x4LtS, ...op.bitselect, ...op.set(h),
    // NaN: 0x7e00 | the payload's top 10 bits.
    ...op.get(a), ...op.i32Const(13), ...op.i32x4ShrU, ...K(0x3ff), ...op.and, ...K(0x7e00), ...op.or,
    ...op.get(h), ...op.get(a), ...K(0x7f800000), ...op.i32x4GtS, ...op.bitselect, ...op.tee(hu),
    // The sign on top.
    ...op.get(x), ...op.i32Const(16), ...op.i32x4ShrU, ...K(0x8000), ...op.and, ...op.or, ...op.set(into),
    // The half's float32 value: subnormal h as bits(0x3f000000 | h) − 0.5f, normal h as (h << 13) + 0x38000000.
    ...op.get(hu), ...K(HALF), ...op.or, ...K(HALF), ...op.sub,
    ...op.get(hu), ...op.i32Const(13), ...op.i32x4Shl, ...K(0x38000000), ...op.i32x4Add,
    ...op.get(hu), ...K(0x400), ...op.i32x4LtS, ...op.bitselect, ...op.set(r),
    // Inf, then the sign, then a NaN as 0x7fc00000 whatever its sign and payload.
    ...K(0x7f800000), ...op.get(r), ...op.get(hu), ...K(0x7c00), ...op.i32x4Eq, ...op.bitselect,
    ...op.get(x), ...K(0x80000000), ...op.and, ...op.or, ...op.set(r),
    ...op.get(p),
    ...K(0x7fc00000), ...op.get(r), ...op.get(hu), ...K(0x7c00), ...op.i32x4GtS, ...op.bitselect,
    ...op.store(AT.rounded + offset),
  ];
  const body = [
    ...consts.flatMap((value, i) => [...op.i32Const(value), ...op.i32x4Splat, ...op.set(2 + i)]),
    ...op.block,
    ...op.get(bytes), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop,
    ...four(0, h0),
    ...four(16, h1),
    ...op.get(p), ...op.i32Const(1), ...op.i32ShrU, ...op.get(h0), ...op.get(h1), ...op.i16x8NarrowI32x4U, ...op.store(AT.bits),
    ...op.get(p), ...op.i32Const(32), ...op.i32Add, ...op.tee(p), ...op.get(bytes), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const pages = Math.ceil((AT.bits + CHUNK * 2) / 65536);
  return wasmModule(pages, [{ name: 'half', params: [I32], code: funcBody([[1, I32], [21, V128]], body) }]);
}

interface Kernel {
  half: (bytes: number) => void;
  input: Float32Array;
  rounded: Float32Array;
  bits: Uint16Array;
}

/** The kernel, or null where this runtime has no WebAssembly SIMD (then roundToFloat16 runs, with the same bits). */
export const loadHalfKernel = kernelLoader<Kernel>(kernelBytes, (exports, { buffer }) => ({
  half: exports.half as Kernel['half'],
  input: new Float32Array(buffer, AT.input, CHUNK),
  rounded: new Float32Array(buffer, AT.rounded, CHUNK),
  bits: new Uint16Array(buffer, AT.bits, CHUNK),
}));

/** roundToFloat16's results, bit for bit, eight values per kernel step; same arguments and reuse of `into…`. */
export function roundToFloat16Simd(values: Float32Array, intoBits?: Uint16Array, intoRounded?: Float32Array): { bits: Uint16Array; rounded: Float32Array } {
  const n = values.length;
  const bits = intoBits && intoBits.length >= n ? intoBits.subarray(0, n) : new Uint16Array(n);
  const rounded = intoRounded && intoRounded.length >= n ? intoRounded.subarray(0, n) : new Float32Array(n);
  const k = loadHalfKernel();
  const whole = n & ~7;
  if (!k || whole === 0) return roundToFloat16(values, bits, rounded);
  for (let at = 0; at < whole; at += CHUNK) {
    const end = Math.min(whole, at + CHUNK);
    const len = end - at;
    k.input.set(values.subarray(at, end));
    k.half(len * 4);
    bits.set(k.bits.subarray(0, len), at);
    rounded.set(k.rounded.subarray(0, len), at);
  }
  // The last n mod 8 values through the JS pass.
  if (whole < n) roundToFloat16(values.subarray(whole), bits.subarray(whole), rounded.subarray(whole));
  return { bits, rounded };
}
