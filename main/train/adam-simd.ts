// Adam's fused pass (adam-exact.ts) as a WebAssembly SIMD kernel: four float32 lanes per instruction, and each
// lane's +, −, ×, ÷ and √ are IEEE float32 operations, correctly rounded — the very values adam-exact.ts gets from
// computing in float64 and rounding once per operation (Math.fround), in the same order, so the two are bit for
// bit equal (test/integration/sae-split-step.test.ts holds it to the graph's bits). No fused multiply-add is used (base SIMD has none), which is what
// keeps every product rounded on its own as in the graph. Why: the scalar JS pass is bound by V8's float64
// arithmetic and its roundings, not by memory — on the bench machine it took 2.7× the CPU time of a plain pass with
// the same loads and stores (49 vs 18 ms for the 4.2 M parameters of d = 512, m = 4096).
//
// The kernel works on a fixed scratch memory of CHUNK elements per array: each chunk of p, m, v, g is copied in,
// updated there, and m, v and the new p copied out. The copies stay in cache and cost far less than the arithmetic
// saved, and the callers' buffers (which ORT reads and writes in place) stay ordinary JS-owned arrays of any size.
import { adamExact, type AdamConstants } from './adam-exact';
import { F32, funcBody, I32, kernelLoader, op, V128, wasmModule } from '../util/wasm-asm';

/** Elements per array per kernel call: 4 arrays × 64 KiB, small enough to stay in a core's L2 cache. */
const CHUNK = 16384;
const BYTES = CHUNK * 4;
/** Byte offsets of the four arrays in the kernel's memory. */
const AT = { p: 0, m: BYTES, v: 2 * BYTES, g: 3 * BYTES };

/**
 * adam(bytes, b1, a1, b2, a2, mScale, epsHat) over the first `bytes` bytes (a multiple of 16) of each array:
 *   m ← m·b1 + g·a1;  v ← v·b2 + (g·g)·a2;  p ← p − (m·mScale) / (√v + epsHat)   (adam-exact.ts's order)
 */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  // Locals: 0 bytes, 1–6 the constants; 7 the byte index; 8–13 the constants splatted; 14 g, 15 m, 16 v.
  const [n, i, b1, a1, b2, a2, ms, eh, g, m, v] = [0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const body = [
    ...[1, 2, 3, 4, 5, 6].flatMap((k) => [...op.get(k), ...op.splat, ...op.set(k + 7)]),
    ...op.block,
    ...op.get(n), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop,
    ...op.get(i), ...op.load(AT.g), ...op.set(g),
    ...op.get(i), ...op.load(AT.m), ...op.get(b1), ...op.mul, ...op.get(g), ...op.get(a1), ...op.mul, ...op.add, ...op.set(m),
    ...op.get(i), ...op.load(AT.v), ...op.get(b2), ...op.mul, ...op.get(g), ...op.get(g), ...op.mul, ...op.get(a2), ...op.mul, ...op.add, ...op.set(v),
    ...op.get(i), ...op.get(m), ...op.store(AT.m),
    ...op.get(i), ...op.get(v), ...op.store(AT.v),
    ...op.get(i),
    ...op.get(i), ...op.load(AT.p),
    ...op.get(m), ...op.get(ms), ...op.mul,
    ...op.get(v), ...op.sqrt, ...op.get(eh), ...op.add,
    ...op.div, ...op.sub,
    ...op.store(AT.p),
    ...op.get(i), ...op.i32Const(16), ...op.i32Add, ...op.tee(i), ...op.get(n), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const pages = Math.ceil((4 * BYTES) / 65536);
  return wasmModule(pages, [{ name: 'adam', params: [I32, F32, F32, F32, F32, F32, F32], code: funcBody([[1, I32], [9, V128]], body) }]);
}

interface Kernel {
  adam: (bytes: number, b1: number, a1: number, b2: number, a2: number, mScale: number, epsHat: number) => void;
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  g: Float32Array;
}

/** The kernel, or null where this runtime has no WebAssembly SIMD (then adamExact runs instead). */
const loadKernel = kernelLoader<Kernel>(kernelBytes, (exports, { buffer }) => ({
  adam: exports.adam as Kernel['adam'],
  p: new Float32Array(buffer, AT.p, CHUNK),
  m: new Float32Array(buffer, AT.m, CHUNK),
  v: new Float32Array(buffer, AT.v, CHUNK),
  g: new Float32Array(buffer, AT.g, CHUNK),
}));

/** Whether adamSimd runs the WebAssembly kernel here (false: it falls back to adamExact). */
export function adamSimdAvailable(): boolean {
  return loadKernel() !== null;
}

/** adamExact's update, bit for bit, four lanes at a time; same arguments and in-place semantics. */
export function adamSimd(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, c: AdamConstants, out: Float32Array = p): void {
  const k = loadKernel();
  const n = p.length;
  const whole = n & ~3;
  if (!k || whole === 0) return adamExact(p, m, v, g, c, out);
  for (let at = 0; at < whole; at += CHUNK) {
    const end = Math.min(whole, at + CHUNK);
    const len = end - at;
    k.p.set(p.subarray(at, end));
    k.m.set(m.subarray(at, end));
    k.v.set(v.subarray(at, end));
    k.g.set(g.subarray(at, end));
    k.adam(len * 4, c.b1, c.a1, c.b2, c.a2, c.mScale, c.epsHat);
    out.set(k.p.subarray(0, len), at);
    m.set(k.m.subarray(0, len), at);
    v.set(k.v.subarray(0, len), at);
  }
  // The last n mod 4 elements (a bias of odd length) through the scalar pass.
  if (whole < n) adamExact(p.subarray(whole), m.subarray(whole), v.subarray(whole), g.subarray(whole), c, out.subarray(whole));
}
