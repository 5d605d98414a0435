// Products over a list of (row, latent) pairs without materialising them (#12, #14 item 5): the four [P, d] products
// of a sparse SAE step — x̂[row_j] += f_j·W_dec[lat_j], ∂f_j = ⟨W_dec[lat_j], ∂x̂[row_j]⟩, ∂W_dec[lat_j] += f_j·∂x̂[row_j],
// ∂W_encᵀ[lat_j] += ∂pre_j·x̄[row_j] — are one axpy or one dot product of two d-rows per pair. onnxruntime has no such
// operator, so its sparse graphs Gather both rows into [P, d] tensors, multiply and ScatterND-add them: at L0/m ≈ 1 %
// (P ≈ 38,000 at B = 1,024, m = 4,096, d = 512) each pass writes 77 MB, ten passes on one thread (its scatter-adds race
// on several). Here each pair reads its two rows from cache and writes one: four f32x4 lanes per instruction.
//
// Arithmetic: axpy is `dst + (a·src)` per lane, each rounded to float32 (no fused multiply-add in base SIMD), in pair
// order; dot sums four lanes of products in lane order and adds the lanes as ((l0 + l1) + (l2 + l3)). The JS loops
// below do the same operations in the same order (Math.fround after each), so both give the same bits; they are the
// fallback where WebAssembly SIMD is refused and the reference the tests hold the kernel to.
import { F32, funcBody, I32, op, V128, wasmModule } from '../util/wasm-asm';

const PAGE = 65536;

// Pieces the kernels share. Byte addresses throughout; `j`, `p…`, `end` are locals.
/** base + idx[j]·rowBytes: the address of pair j's row in a matrix of rows of rowBytes. */
const pairRow = (base: number, idx: number, j: number, rowBytes: number) => [...op.get(base), ...op.get(idx), ...op.get(j), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load(), ...op.get(rowBytes), ...op.i32Mul, ...op.i32Add];
/** `step` for j = 0 … count − 1 (nothing when count is 0). */
const forEach = (j: number, count: number, step: number[]) => [
  ...op.block,
  ...op.get(count), ...op.i32Eqz, ...op.brIf(0),
  ...op.loop,
  ...step,
  ...op.get(j), ...op.i32Const(1), ...op.i32Add, ...op.tee(j), ...op.get(count), ...op.i32LtU, ...op.brIf(0),
  ...op.end,
  ...op.end,
];
/** `lanes` over one row, four floats at a time: p runs from its value to `end`, q beside it. */
const alongRow = (p: number, q: number, end: number, lanes: number[]) => [
  ...op.loop,
  ...lanes,
  ...op.get(q), ...op.i32Const(16), ...op.i32Add, ...op.set(q),
  ...op.get(p), ...op.i32Const(16), ...op.i32Add, ...op.tee(p), ...op.get(end), ...op.i32LtU, ...op.brIf(0),
  ...op.end,
];
/** ((l0 + l1) + (l2 + l3)) of the vector in local `acc`, as a float32 on the stack. */
const laneSum = (acc: number) => {
  const lane = (l: number) => [...op.get(acc), ...op.f32x4ExtractLane(l)];
  return [...lane(0), ...lane(1), ...op.f32Add, ...lane(2), ...lane(3), ...op.f32Add, ...op.f32Add];
};

/**
 * axpy(dst, dstIdx, src, srcIdx, val, pairs, rowBytes): for j < pairs, the row dst + dstIdx[j]·rowBytes += val[j] ·
 * (the row src + srcIdx[j]·rowBytes), rowBytes a positive multiple of 16. Byte addresses; indices int32, val float32.
 */
function axpyCode(): number[] {
  const [dst, dstIdx, src, srcIdx, val, pairs, rowBytes] = [0, 1, 2, 3, 4, 5, 6];
  const [j, pd, ps, end] = [7, 8, 9, 10];
  const [a] = [11];
  const body = [
    ...forEach(j, pairs, [
      ...op.get(val), ...op.get(j), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.f32Load(), ...op.splat, ...op.set(a),
      ...pairRow(dst, dstIdx, j, rowBytes), ...op.tee(pd), ...op.get(rowBytes), ...op.i32Add, ...op.set(end),
      ...pairRow(src, srcIdx, j, rowBytes), ...op.set(ps),
      ...alongRow(pd, ps, end, [...op.get(pd), ...op.get(pd), ...op.load4(0), ...op.get(a), ...op.get(ps), ...op.load4(0), ...op.mul, ...op.add, ...op.store4(0)]),
    ]),
    ...op.end,
  ];
  return funcBody([[4, I32], [1, V128]], body);
}

/**
 * dot(a, aIdx, b, bIdx, out, pairs, rowBytes): out[j] = ⟨row a + aIdx[j]·rowBytes, row b + bIdx[j]·rowBytes⟩ for
 * j < pairs, four lane sums then ((l0 + l1) + (l2 + l3)); rowBytes a positive multiple of 16.
 */
function dotCode(): number[] {
  const [a, aIdx, b, bIdx, out, pairs, rowBytes] = [0, 1, 2, 3, 4, 5, 6];
  const [j, pa, pb, end] = [7, 8, 9, 10];
  const [acc] = [11];
  const body = [
    ...forEach(j, pairs, [
      ...pairRow(a, aIdx, j, rowBytes), ...op.tee(pa), ...op.get(rowBytes), ...op.i32Add, ...op.set(end),
      ...pairRow(b, bIdx, j, rowBytes), ...op.set(pb),
      ...op.f32Const0, ...op.splat, ...op.set(acc),
      ...alongRow(pa, pb, end, [...op.get(acc), ...op.get(pa), ...op.load4(0), ...op.get(pb), ...op.load4(0), ...op.mul, ...op.add, ...op.set(acc)]),
      ...op.get(out), ...op.get(j), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...laneSum(acc), ...op.f32Store(),
    ]),
    ...op.end,
  ];
  return funcBody([[4, I32], [1, V128]], body);
}

/**
 * project(g, w, rows, rowBytes): each row of g minus its component along the same row of w, g_i −= ⟨g_i, w_i⟩·w_i,
 * the dot product as dot() sums it; rowBytes a positive multiple of 16.
 */
function projectCode(): number[] {
  const [g, w, rows, rowBytes] = [0, 1, 2, 3];
  const [i, pg, pw, end] = [4, 5, 6, 7];
  const [acc] = [8];
  const rowStart = [
    ...op.get(g), ...op.get(i), ...op.get(rowBytes), ...op.i32Mul, ...op.i32Add, ...op.set(pg),
    ...op.get(w), ...op.get(i), ...op.get(rowBytes), ...op.i32Mul, ...op.i32Add, ...op.set(pw),
  ];
  const body = [
    ...forEach(i, rows, [
      ...rowStart,
      ...op.get(pg), ...op.get(rowBytes), ...op.i32Add, ...op.set(end),
      ...op.f32Const0, ...op.splat, ...op.set(acc),
      ...alongRow(pg, pw, end, [...op.get(acc), ...op.get(pg), ...op.load4(0), ...op.get(pw), ...op.load4(0), ...op.mul, ...op.add, ...op.set(acc)]),
      ...laneSum(acc), ...op.splat, ...op.set(acc),
      ...rowStart,
      ...alongRow(pg, pw, end, [...op.get(pg), ...op.get(pg), ...op.load4(0), ...op.get(acc), ...op.get(pw), ...op.load4(0), ...op.mul, ...op.sub, ...op.store4(0)]),
    ]),
    ...op.end,
  ];
  return funcBody([[4, I32], [1, V128]], body);
}

/** Rows per block of transpose(): a block's writes fill whole 64-byte lines, and its rows stay in cache. */
const TRANSPOSE_BLOCK = 16;

/**
 * transpose(src, dst, rows, cols): dst[c·rows + r] = src[r·cols + c] (float32 words, moved as bits), in blocks of
 * TRANSPOSE_BLOCK rows.
 */
function transposeCode(): number[] {
  const [src, dst, rows, cols] = [0, 1, 2, 3];
  const [r0, rEnd, c, r, ps, pd, rowBytes, colStride] = [4, 5, 6, 7, 8, 9, 10, 11];
  const body = [
    ...op.get(cols), ...op.i32Const(2), ...op.i32Shl, ...op.set(rowBytes),
    ...op.get(rows), ...op.i32Const(2), ...op.i32Shl, ...op.set(colStride),
    ...op.block,
    ...op.get(rows), ...op.i32Eqz, ...op.brIf(0),
    ...op.get(cols), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop, // blocks of rows
    ...op.get(r0), ...op.i32Const(TRANSPOSE_BLOCK), ...op.i32Add, ...op.tee(rEnd), ...op.get(rows), ...op.i32GtU, ...op.ifThen, ...op.get(rows), ...op.set(rEnd), ...op.end,
    ...op.i32Const(0), ...op.set(c),
    ...op.loop, // columns
    ...op.get(r0), ...op.set(r),
    ...op.get(src), ...op.get(r0), ...op.get(rowBytes), ...op.i32Mul, ...op.i32Add, ...op.get(c), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.set(ps),
    ...op.get(dst), ...op.get(c), ...op.get(colStride), ...op.i32Mul, ...op.i32Add, ...op.get(r0), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.set(pd),
    ...op.loop, // rows of the block
    ...op.get(pd), ...op.get(ps), ...op.i32Load(), ...op.i32Store(),
    ...op.get(ps), ...op.get(rowBytes), ...op.i32Add, ...op.set(ps),
    ...op.get(pd), ...op.i32Const(4), ...op.i32Add, ...op.set(pd),
    ...op.get(r), ...op.i32Const(1), ...op.i32Add, ...op.tee(r), ...op.get(rEnd), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.get(c), ...op.i32Const(1), ...op.i32Add, ...op.tee(c), ...op.get(cols), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.get(rEnd), ...op.tee(r0), ...op.get(rows), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return funcBody([[8, I32]], body);
}

/**
 * scan(pre, theta, cut, rows, cols, row, col, val, diff, cap, countAt): the (r, i) with pre[r·cols + i] − theta[i] > cut
 * in row-major order (cols a multiple of 4): row, col, the difference (float32) and val = pre where the difference
 * is > 0, else 0. Their count goes to the int32 at countAt, or cap + 1 as soon as there are more than cap (the lists
 * need 4 entries past cap: a block of four columns is written before it is counted).
 */
function scanCode(): number[] {
  const [pre, theta, cut, rows, cols, row, col, val, diff, cap, countAt] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [r, i, p, n, at, ok] = [11, 12, 13, 14, 15, 16];
  const [dv] = [17]; // f32
  const [vv, vd, vcut] = [18, 19, 20]; // v128
  const slot = (base: number) => [...op.get(base), ...op.get(n), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add];
  const lane = (l: number) => [
    ...op.get(vd), ...op.f32x4ExtractLane(l), ...op.set(dv),
    ...slot(row), ...op.get(r), ...op.i32Store(),
    ...slot(col), ...op.get(i), ...op.i32Const(l), ...op.i32Add, ...op.i32Store(),
    ...slot(diff), ...op.get(dv), ...op.f32Store(),
    ...slot(val), ...op.get(vv), ...op.f32x4ExtractLane(l), ...op.f32Const0, ...op.get(dv), ...op.f32Const0, ...op.f32Gt, ...op.select, ...op.f32Store(),
    ...op.get(dv), ...op.get(cut), ...op.f32Gt, ...op.tee(ok), ...op.get(n), ...op.i32Add, ...op.set(n),
  ];
  const body = [
    ...op.get(cut), ...op.splat, ...op.set(vcut),
    ...op.get(pre), ...op.set(p),
    ...op.block,
    ...op.get(rows), ...op.i32Eqz, ...op.brIf(0),
    ...op.get(cols), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop, // rows
    ...op.i32Const(0), ...op.set(i),
    ...op.get(theta), ...op.set(at),
    ...op.loop, // blocks of four columns
    ...op.get(p), ...op.load4(0), ...op.tee(vv), ...op.get(at), ...op.load4(0), ...op.sub, ...op.tee(vd), ...op.get(vcut), ...op.f32x4Gt, ...op.anyTrue,
    ...op.ifThen,
    ...lane(0), ...lane(1), ...lane(2), ...lane(3),
    ...op.get(n), ...op.get(cap), ...op.i32GtU, ...op.ifThen, ...op.get(countAt), ...op.get(cap), ...op.i32Const(1), ...op.i32Add, ...op.i32Store(), ...op.ret, ...op.end,
    ...op.end,
    ...op.get(p), ...op.i32Const(16), ...op.i32Add, ...op.set(p),
    ...op.get(at), ...op.i32Const(16), ...op.i32Add, ...op.set(at),
    ...op.get(i), ...op.i32Const(4), ...op.i32Add, ...op.tee(i), ...op.get(cols), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.get(r), ...op.i32Const(1), ...op.i32Add, ...op.tee(r), ...op.get(rows), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.get(countAt), ...op.get(n), ...op.i32Store(),
    ...op.end,
  ];
  return funcBody([[6, I32], [1, F32], [3, V128]], body);
}

const params7 = [I32, I32, I32, I32, I32, I32, I32];
const kernelBytes = () =>
  wasmModule(1, [
    { name: 'axpy', params: params7, code: axpyCode() },
    { name: 'dot', params: params7, code: dotCode() },
    { name: 'project', params: [I32, I32, I32, I32], code: projectCode() },
    { name: 'transpose', params: [I32, I32, I32, I32], code: transposeCode() },
    { name: 'scan', params: [I32, I32, F32, I32, I32, I32, I32, I32, I32, I32, I32], code: scanCode() },
  ]);

/** The compiled module, once per thread (null where WebAssembly SIMD is refused). */
let compiled: WebAssembly.Module | null | undefined;

/** A new instance of the kernels with a memory of its own (one per workspace: see PairsWorkspace). */
function instantiate() {
  if (compiled === undefined) {
    const code = kernelBytes();
    compiled = typeof WebAssembly !== 'undefined' && WebAssembly.validate(code) ? new WebAssembly.Module(code) : null;
  }
  if (!compiled) return null;
  const exports = new WebAssembly.Instance(compiled, {}).exports;
  return {
    axpy: exports.axpy as (dst: number, dstIdx: number, src: number, srcIdx: number, val: number, pairs: number, rowBytes: number) => void,
    dot: exports.dot as (a: number, aIdx: number, b: number, bIdx: number, out: number, pairs: number, rowBytes: number) => void,
    project: exports.project as (g: number, w: number, rows: number, rowBytes: number) => void,
    transpose: exports.transpose as (src: number, dst: number, rows: number, cols: number) => void,
    scan: exports.scan as (pre: number, theta: number, cut: number, rows: number, cols: number, row: number, col: number, val: number, diff: number, cap: number, countAt: number) => void,
    memory: exports.mem as WebAssembly.Memory,
  };
}

/** A float32 or int32 array in the kernels' memory: `at` its byte address, `view` over it (renewed after growth). */
export interface PairsRegion<T extends Float32Array | Int32Array> {
  at: number;
  length: number;
  view(): T;
}

/**
 * The kernels' memory, laid out once per shape: the caller asks for its regions, then runs the products on them.
 * Views must be re-read after a region is added (the memory may have grown). Each workspace has a WebAssembly
 * instance and memory of its own, so its regions keep their values across the caller's awaits (an SAE step that runs
 * an onnxruntime graph mid-step) whatever other workspaces of the thread do; a region laid out again after `reset` holds
 * what was there before (the caller zeroes what it accumulates into).
 */
export class PairsWorkspace {
  private readonly kernel: NonNullable<ReturnType<typeof instantiate>> | null;
  private readonly js: { buffer: ArrayBuffer } | null;
  private used = 0;

  constructor(useKernel = true) {
    this.kernel = useKernel ? instantiate() : null;
    this.js = this.kernel ? null : { buffer: new ArrayBuffer(0) };
  }

  /** Whether the WebAssembly kernels run (false: the JS loops, same bits). */
  get simd(): boolean {
    return this.kernel !== null;
  }

  private buffer(): ArrayBuffer {
    return this.kernel ? (this.kernel.memory.buffer as ArrayBuffer) : this.js!.buffer;
  }

  /** Forgets every region; the next `f32`/`i32` calls lay the memory out again from its start. */
  reset(): void {
    this.used = 0;
  }

  private region(bytes: number): number {
    const at = this.used;
    this.used += Math.ceil(bytes / 16) * 16;
    const have = this.buffer().byteLength;
    if (this.used > have) {
      if (this.kernel) this.kernel.memory.grow(Math.ceil((this.used - have) / PAGE));
      else {
        const grown = new ArrayBuffer(Math.ceil(this.used / PAGE) * PAGE);
        new Uint8Array(grown).set(new Uint8Array(this.js!.buffer));
        this.js!.buffer = grown;
      }
    }
    return at;
  }

  f32(length: number): PairsRegion<Float32Array> {
    const at = this.region(length * 4);
    return { at, length, view: () => new Float32Array(this.buffer(), at, length) };
  }

  i32(length: number): PairsRegion<Int32Array> {
    const at = this.region(length * 4);
    return { at, length, view: () => new Int32Array(this.buffer(), at, length) };
  }

  /** dst[dstIdx[j]] += val[j]·src[srcIdx[j]] (rows of d, d a multiple of 4) for j < pairs. */
  axpy(dst: PairsRegion<Float32Array>, dstIdx: PairsRegion<Int32Array>, src: PairsRegion<Float32Array>, srcIdx: PairsRegion<Int32Array>, val: PairsRegion<Float32Array>, pairs: number, d: number): void {
    if (d % 4 !== 0) throw new Error(`Pair products need rows of a multiple of 4 values, not ${d}.`);
    if (this.kernel) return this.kernel.axpy(dst.at, dstIdx.at, src.at, srcIdx.at, val.at, pairs, d * 4);
    const [D, DI, S, SI, V] = [dst.view(), dstIdx.view(), src.view(), srcIdx.view(), val.view()];
    for (let j = 0; j < pairs; j++) {
      const a = V[j]!;
      const pd = DI[j]! * d;
      const ps = SI[j]! * d;
      for (let k = 0; k < d; k++) D[pd + k] = Math.fround(D[pd + k]! + Math.fround(a * S[ps + k]!));
    }
  }

  /** g_i −= ⟨g_i, w_i⟩·w_i for each of `rows` rows of d (d a multiple of 4), the dot product summed as dot() sums it. */
  project(g: PairsRegion<Float32Array>, w: PairsRegion<Float32Array>, rows: number, d: number): void {
    if (d % 4 !== 0) throw new Error(`Pair products need rows of a multiple of 4 values, not ${d}.`);
    if (this.kernel) return this.kernel.project(g.at, w.at, rows, d * 4);
    const [G, W] = [g.view(), w.view()];
    for (let i = 0; i < rows; i++) {
      const p = i * d;
      const par = rowDot(G, p, W, p, d);
      for (let k = 0; k < d; k++) G[p + k] = Math.fround(G[p + k]! - Math.fround(par * W[p + k]!));
    }
  }

  /**
   * The (r, i) with pre[r·cols + i] − theta[i] > cut, row-major (the differences in float32; the kernel takes cols a
   * multiple of 4, the JS loop any):
   * their row, column, difference and val = pre where the difference is > 0, else 0. Returns their count, or
   * cap + 1 as soon as they exceed cap = the lists' length − 4.
   */
  scan(pre: PairsRegion<Float32Array>, theta: PairsRegion<Float32Array>, cut: number, rows: number, cols: number, row: PairsRegion<Int32Array>, col: PairsRegion<Int32Array>, val: PairsRegion<Float32Array>, diff: PairsRegion<Float32Array>, count: PairsRegion<Int32Array>): number {
    const cap = Math.min(row.length, col.length, val.length, diff.length) - 4;
    if (cap < 0) throw new Error('The pair scan needs lists of at least 4 entries.');
    if (this.kernel && cols % 4 === 0) {
      this.kernel.scan(pre.at, theta.at, Math.fround(cut), rows, cols, row.at, col.at, val.at, diff.at, cap, count.at);
      return count.view()[0]!;
    }
    const [PRE, TH, R, C, V, D] = [pre.view(), theta.view(), row.view(), col.view(), val.view(), diff.view()];
    const cut32 = Math.fround(cut);
    let n = 0;
    for (let r = 0, at = 0; r < rows; r++) {
      for (let i = 0; i < cols; i++, at++) {
        const v = PRE[at]!;
        const dv = Math.fround(v - TH[i]!);
        if (dv > cut32) {
          if (n === cap) return cap + 1;
          R[n] = r;
          C[n] = i;
          D[n] = dv;
          V[n++] = dv > 0 ? v : 0;
        }
      }
    }
    return n;
  }

  /** dst = srcᵀ: src `rows` × `cols`, dst `cols` × `rows`; the values moved as 32-bit words. */
  transpose(src: PairsRegion<Float32Array>, dst: PairsRegion<Float32Array>, rows: number, cols: number): void {
    if (this.kernel) return this.kernel.transpose(src.at, dst.at, rows, cols);
    const S = new Int32Array(src.view().buffer, src.at, rows * cols);
    const D = new Int32Array(dst.view().buffer, dst.at, rows * cols);
    for (let r0 = 0; r0 < rows; r0 += TRANSPOSE_BLOCK) {
      for (let c = 0; c < cols; c++) for (let r = r0; r < Math.min(rows, r0 + TRANSPOSE_BLOCK); r++) D[c * rows + r] = S[r * cols + c]!;
    }
  }

  /** out[j] = ⟨a[aIdx[j]], b[bIdx[j]]⟩ (rows of d, d a multiple of 4) for j < pairs. */
  dot(a: PairsRegion<Float32Array>, aIdx: PairsRegion<Int32Array>, b: PairsRegion<Float32Array>, bIdx: PairsRegion<Int32Array>, out: PairsRegion<Float32Array>, pairs: number, d: number): void {
    if (d % 4 !== 0) throw new Error(`Pair products need rows of a multiple of 4 values, not ${d}.`);
    if (this.kernel) return this.kernel.dot(a.at, aIdx.at, b.at, bIdx.at, out.at, pairs, d * 4);
    const [A, AI, B, BI, O] = [a.view(), aIdx.view(), b.view(), bIdx.view(), out.view()];
    for (let j = 0; j < pairs; j++) O[j] = rowDot(A, AI[j]! * d, B, BI[j]! * d, d);
  }
}

/** ⟨A[pa .. pa + d), B[pb .. pb + d)⟩ as the kernels sum it: four lanes in order, then ((l0 + l1) + (l2 + l3)). */
function rowDot(A: Float32Array, pa: number, B: Float32Array, pb: number, d: number): number {
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  for (let k = 0; k < d; k += 4) {
    l0 = Math.fround(l0 + Math.fround(A[pa + k]! * B[pb + k]!));
    l1 = Math.fround(l1 + Math.fround(A[pa + k + 1]! * B[pb + k + 1]!));
    l2 = Math.fround(l2 + Math.fround(A[pa + k + 2]! * B[pb + k + 2]!));
    l3 = Math.fround(l3 + Math.fround(A[pa + k + 3]! * B[pb + k + 3]!));
  }
  return Math.fround(Math.fround(l0 + l1) + Math.fround(l2 + l3));
}
