// The fast path of noise generator 2 (Rng.fillNormalZiggurat) as a WebAssembly kernel (#14). On a white-noise
// harvest of the CIFAR net the ziggurat fill was about a fifth of the job thread's recording loop (61 M values per
// 20,000 stimuli, 13–18 ns each in V8's JIT), on the thread that also runs the model. The kernel runs the same
// arithmetic — xoshiro128** in 32-bit integers, the layer's table test, the deviate as mean + std·(j·w[layer]) in
// float64 rounded once to float32 — so its values are the JS loop's bit for bit (test/unit/util/ziggurat-wasm.test.ts).
// It stops at the first draw that misses the fast path (about 1 in 100: a wedge or the tail, which need logarithms
// and exponentials that WebAssembly lacks) and hands that draw back; Rng finishes it in JS and calls again.
// Why hand-written: no library draws these exact sequences, which are stored-data contract (util/random.ts).
import { funcBody, F64, I32, kernelLoader, op, wasmModule } from './wasm-asm';
import { kn, wn } from './ziggurat';

/** Values per kernel call: 64 KiB of float32 output, which stays in L2 before it is copied out. */
export const ZIGGURAT_CHUNK = 16384;
/** Byte offsets in the kernel's memory: the two tables, the generator state, where it stopped, and the output. */
const AT = { kn: 0, wn: 1024, state: 3072, stop: 3088, bits: 3092, out: 4096 };

/**
 * fill(n, mean, std): draws values 0..n−1 into AT.out from the state at AT.state until all n are drawn or a draw
 * misses the fast path; writes the state after the last draw, the index it stopped at (n when none missed) and that
 * draw's 32 bits.
 */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const [n, mean, std] = [0, 1, 2];
  const [k, s0, s1, s2, s3, bits, t, layer, j, sign] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const xorInto = (into: number, from: number) => [...op.get(into), ...op.get(from), ...op.i32Xor, ...op.set(into)];
  const body = [
    ...op.i32Const(0), ...op.i32Load(AT.state), ...op.set(s0),
    ...op.i32Const(0), ...op.i32Load(AT.state + 4), ...op.set(s1),
    ...op.i32Const(0), ...op.i32Load(AT.state + 8), ...op.set(s2),
    ...op.i32Const(0), ...op.i32Load(AT.state + 12), ...op.set(s3),
    ...op.block,
    ...op.loop,
    ...op.get(k), ...op.get(n), ...op.i32GeU, ...op.brIf(1),
    // xoshiro128**: bits = rotl(s1·5, 7)·9, then the state's step (nextUint32 in util/random.ts).
    ...op.get(s1), ...op.i32Const(5), ...op.i32Mul, ...op.i32Const(7), ...op.i32Rotl, ...op.i32Const(9), ...op.i32Mul, ...op.set(bits),
    ...op.get(s1), ...op.i32Const(9), ...op.i32Shl, ...op.set(t),
    ...xorInto(s2, s0), ...xorInto(s3, s1), ...xorInto(s1, s2), ...xorInto(s0, s3), ...xorInto(s2, t),
    ...op.get(s3), ...op.i32Const(11), ...op.i32Rotl, ...op.set(s3),
    // layer: the low 8 bits; j: the high 24, signed; the fast path takes |j| < kn[layer].
    ...op.get(bits), ...op.i32Const(255), ...op.i32And, ...op.set(layer),
    ...op.get(bits), ...op.i32Const(8), ...op.i32ShrS, ...op.set(j),
    ...op.get(j), ...op.i32Const(31), ...op.i32ShrS, ...op.set(sign),
    ...op.get(j), ...op.get(sign), ...op.i32Xor, ...op.get(sign), ...op.i32Sub,
    ...op.get(layer), ...op.i32Const(2), ...op.i32Shl, ...op.i32Load(AT.kn),
    ...op.i32GeS, ...op.brIf(1),
    // out[k] = float32(mean + std·(j·wn[layer])), in that order, as the JS loop's expression.
    ...op.get(k), ...op.i32Const(2), ...op.i32Shl,
    ...op.get(mean), ...op.get(std),
    ...op.get(j), ...op.f64ConvertI32S, ...op.get(layer), ...op.i32Const(3), ...op.i32Shl, ...op.f64Load(AT.wn), ...op.f64Mul,
    ...op.f64Mul, ...op.f64Add, ...op.f32DemoteF64, ...op.f32Store(AT.out),
    ...op.get(k), ...op.i32Const(1), ...op.i32Add, ...op.set(k),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.i32Const(0), ...op.get(s0), ...op.i32Store(AT.state),
    ...op.i32Const(0), ...op.get(s1), ...op.i32Store(AT.state + 4),
    ...op.i32Const(0), ...op.get(s2), ...op.i32Store(AT.state + 8),
    ...op.i32Const(0), ...op.get(s3), ...op.i32Store(AT.state + 12),
    ...op.i32Const(0), ...op.get(k), ...op.i32Store(AT.stop),
    ...op.i32Const(0), ...op.get(bits), ...op.i32Store(AT.bits),
    ...op.end,
  ];
  return wasmModule(2, [{ name: 'fill', params: [I32, F64, F64], code: funcBody([[10, I32]], body) }]);
}

/** The kernel and typed views of its memory. */
export interface ZigguratKernel {
  fill(n: number, mean: number, std: number): void;
  /** s0..s3 in, and after a call the state out. */
  state: Int32Array;
  /** [where it stopped, the 32 bits of the draw that missed the fast path]. */
  stop: Int32Array;
  out: Float32Array;
}

/** The kernel, built once per thread; null where this runtime has no WebAssembly (Rng then runs its JS loop). */
export const zigguratKernel = kernelLoader<ZigguratKernel>(kernelBytes, (exports, { buffer }) => {
  new Int32Array(buffer, AT.kn, kn.length).set(kn);
  new Float64Array(buffer, AT.wn, wn.length).set(wn);
  return {
    fill: exports.fill as ZigguratKernel['fill'],
    state: new Int32Array(buffer, AT.state, 4),
    stop: new Int32Array(buffer, AT.stop, 2),
    out: new Float32Array(buffer, AT.out, ZIGGURAT_CHUNK),
  };
});
