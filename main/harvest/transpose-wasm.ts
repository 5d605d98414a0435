// The rows of a conv map at every position (#14): a batch output [N, C, H, W] is channel-major, a harvest's rows are
// position-major ([N·H·W, C]), so every value moves once. In V8 that element loop ran at about 3 ns per value on
// this project's machines (2.8–3.5 ns whatever the loop order or blocking; a plain JS copy loop 2–4 ns, against
// 0.12 for a memcpy), which on the CIFAR net's conv 40 at 144 positions was 0.55 s of a 20,000-stimulus job. This
// kernel does the same moves in WebAssembly: with the copies in and out of its memory, 0.69 against 2.93 ns per value
// (npm run bench -- extract-rows). Values are moved as 32-bit words, never computed: the rows are the same bits (a NaN
// keeps its payload, which a JS float copy may quiet).
import { funcBody, I32, kernelLoader, op, wasmModule } from '../util/wasm-asm';

/** Values per kernel call, each way: 4 MiB in, 4 MiB out. Items larger than this are moved by the JS loop. */
export const TRANSPOSE_VALUES = 1 << 20;
const PAGES = (2 * TRANSPOSE_VALUES * 4) / 65536;
const OUT = TRANSPOSE_VALUES * 4;

/** t(items, c, hw): items × [c, hw] float32 at byte 0 to items × [hw, c] at byte OUT. */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const [items, c, hw] = [0, 1, 2];
  const [n, p, k, src, o, stride, item] = [3, 4, 5, 6, 7, 8, 9];
  const body = [
    ...op.get(hw), ...op.i32Const(2), ...op.i32Shl, ...op.set(stride),
    ...op.i32Const(OUT), ...op.set(o),
    ...op.block, ...op.loop,
    ...op.get(n), ...op.get(items), ...op.i32GeU, ...op.brIf(1),
    ...op.get(n), ...op.get(c), ...op.i32Mul, ...op.get(hw), ...op.i32Mul, ...op.set(item),
    ...op.i32Const(0), ...op.set(p),
    ...op.block, ...op.loop,
    ...op.get(p), ...op.get(hw), ...op.i32GeU, ...op.brIf(1),
    ...op.get(item), ...op.get(p), ...op.i32Add, ...op.i32Const(2), ...op.i32Shl, ...op.set(src),
    ...op.i32Const(0), ...op.set(k),
    ...op.block, ...op.loop,
    ...op.get(k), ...op.get(c), ...op.i32GeU, ...op.brIf(1),
    ...op.get(o), ...op.get(src), ...op.f32Load(), ...op.f32Store(),
    ...op.get(o), ...op.i32Const(4), ...op.i32Add, ...op.set(o),
    ...op.get(src), ...op.get(stride), ...op.i32Add, ...op.set(src),
    ...op.get(k), ...op.i32Const(1), ...op.i32Add, ...op.set(k),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(p), ...op.i32Const(1), ...op.i32Add, ...op.set(p),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(n), ...op.i32Const(1), ...op.i32Add, ...op.set(n),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.end,
  ];
  return wasmModule(PAGES, [{ name: 't', params: [I32, I32, I32], code: funcBody([[7, I32]], body) }]);
}

const loadKernel = kernelLoader(kernelBytes, (exports, { buffer }) => ({
  t: exports.t as (items: number, c: number, hw: number) => void,
  input: new Float32Array(buffer, 0, TRANSPOSE_VALUES),
  output: new Float32Array(buffer, OUT, TRANSPOSE_VALUES),
}));

/**
 * Writes the position-major rows of `count` channel-major items src[0 .. count·c·hw) to dst from `dstAt`, and returns
 * true; false (nothing written) where an item exceeds the kernel's memory or this runtime has no WebAssembly.
 */
export function transposeItems(src: Float32Array, count: number, c: number, hw: number, dst: Float32Array, dstAt: number): boolean {
  const itemSize = c * hw;
  if (itemSize > TRANSPOSE_VALUES) return false;
  const kernel = loadKernel();
  if (!kernel) return false;
  const per = Math.floor(TRANSPOSE_VALUES / itemSize);
  for (let n = 0; n < count; n += per) {
    const items = Math.min(per, count - n);
    const size = items * itemSize;
    kernel.input.set(src.subarray(n * itemSize, n * itemSize + size));
    kernel.t(items, c, hw);
    dst.set(kernel.output.subarray(0, size), dstAt + n * itemSize);
  }
  return true;
}
