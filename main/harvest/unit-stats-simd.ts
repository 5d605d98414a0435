// The per-chunk passes of the unit statistics fold (unit-stats.ts) as a WebAssembly SIMD kernel (#14): two units
// per float64x2 lane pair, four units per loop step (eight in the second pass), every lane doing exactly the JS
// fold's float64 operations in the same order — `sum + x`, `x < lo ? x : lo` (f64x2.pmin), `hi < x ? x : hi`
// (f64x2.pmax), `x > 0` counted, then `acc + (x − mean)·(x − mean)` — each correctly rounded on its own (base SIMD
// has no fused multiply-add), so the results are the JS fold's bit for bit (NaNs' payloads aside: neither engine
// fixes which NaN an operation returns). Why: a harvest's writer thread is fresh per job, so the JS fold runs cold
// and is bound by scalar float64 arithmetic (8–30 ms per 1M-value chunk on the 2-core machine, CPU taken from
// onnxruntime's threads); the kernel does a chunk in about a millisecond (npm run bench -- unit-stats-fold).
//
// The kernel reads rows from its own memory: the caller copies a tile of rows in and keeps the per-unit accumulators
// there, in the layout `layout` gives.
import { funcBody, I32, kernelLoader, op, V128, wasmModule } from '../util/wasm-asm';

/**
 * fold1(data, rows, stride, units, sumAt, loAt, hiAt, cntAt): for each unit u < units (a multiple of 4), over the
 * `rows` float32 values at data + 4u, data + 4u + stride, …: sum[u] += x, lo[u] = x < lo[u] ? x : lo[u],
 * hi[u] = hi[u] < x ? x : hi[u] in float64 (arrays of float64 at sumAt, loAt, hiAt) and cnt[u] += x > 0 (int32 at
 * cntAt). rows ≥ 1.
 */
function fold1Code(): number[] {
  const [data, rows, stride, units, sumAt, loAt, hiAt, cntAt] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [u, p, end, a] = [8, 9, 10, 11];
  const [s0, s1, lo0, lo1, hi0, hi1, cnt, x4, xa, xb, zero] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const at = (base: number) => [...op.get(base), ...op.get(a), ...op.i32Add];
  const cntAddr = [...op.get(cntAt), ...op.get(u), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add];
  const body = [
    ...op.block,
    ...op.get(units), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop,
    ...op.get(u), ...op.i32Const(3), ...op.i32Shl, ...op.set(a),
    ...at(sumAt), ...op.load(0), ...op.set(s0), ...at(sumAt), ...op.load(16), ...op.set(s1),
    ...at(loAt), ...op.load(0), ...op.set(lo0), ...at(loAt), ...op.load(16), ...op.set(lo1),
    ...at(hiAt), ...op.load(0), ...op.set(hi0), ...at(hiAt), ...op.load(16), ...op.set(hi1),
    ...cntAddr, ...op.load(0), ...op.set(cnt),
    ...op.get(data), ...op.get(u), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.tee(p),
    ...op.get(rows), ...op.get(stride), ...op.i32Mul, ...op.i32Add, ...op.set(end),
    ...op.loop,
    // cnt − (x > 0 ? −1 : 0), four units at once (x > 0 in float32 is x > 0 of the promoted value).
    ...op.get(cnt), ...op.get(p), ...op.load4(0), ...op.tee(x4), ...op.get(zero), ...op.f32x4Gt, ...op.i32x4Sub, ...op.set(cnt),
    ...op.get(x4), ...op.f64x2PromoteLow, ...op.set(xa),
    ...op.get(p), ...op.load64Zero4(8), ...op.f64x2PromoteLow, ...op.set(xb),
    ...op.get(s0), ...op.get(xa), ...op.f64x2Add, ...op.set(s0),
    ...op.get(s1), ...op.get(xb), ...op.f64x2Add, ...op.set(s1),
    ...op.get(lo0), ...op.get(xa), ...op.f64x2Pmin, ...op.set(lo0),
    ...op.get(lo1), ...op.get(xb), ...op.f64x2Pmin, ...op.set(lo1),
    ...op.get(hi0), ...op.get(xa), ...op.f64x2Pmax, ...op.set(hi0),
    ...op.get(hi1), ...op.get(xb), ...op.f64x2Pmax, ...op.set(hi1),
    ...op.get(p), ...op.get(stride), ...op.i32Add, ...op.tee(p), ...op.get(end), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...at(sumAt), ...op.get(s0), ...op.store(0), ...at(sumAt), ...op.get(s1), ...op.store(16),
    ...at(loAt), ...op.get(lo0), ...op.store(0), ...at(loAt), ...op.get(lo1), ...op.store(16),
    ...at(hiAt), ...op.get(hi0), ...op.store(0), ...at(hiAt), ...op.get(hi1), ...op.store(16),
    ...cntAddr, ...op.get(cnt), ...op.store(0),
    ...op.get(u), ...op.i32Const(4), ...op.i32Add, ...op.tee(u), ...op.get(units), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return funcBody([[4, I32], [11, V128]], body);
}

/**
 * fold2(data, rows, stride, units, meanAt, m2At): for each unit u < units (a multiple of `width`), over the same
 * values as fold1: m2[u] += (x − mean[u])·(x − mean[u]) in float64 (arrays at meanAt and m2At). rows ≥ 1. Eight
 * units per step give four independent chains of adds where four units give two.
 */
function fold2Code(width: 4 | 8): number[] {
  const [data, rows, stride, units, meanAt, m2At] = [0, 1, 2, 3, 4, 5];
  const [u, p, end, a] = [6, 7, 8, 9];
  const pairs = width / 2;
  const m = Array.from({ length: pairs }, (_, i) => 10 + i);
  const acc = Array.from({ length: pairs }, (_, i) => 10 + pairs + i);
  const d = 10 + 2 * pairs;
  const at = (base: number) => [...op.get(base), ...op.get(a), ...op.i32Add];
  const square = [...op.tee(d), ...op.get(d), ...op.f64x2Mul, ...op.f64x2Add];
  const load = (i: number) => (i % 2 === 0 ? op.load4(i * 8) : op.load64Zero4(i * 8));
  const body = [
    ...op.block,
    ...op.get(units), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop,
    ...op.get(u), ...op.i32Const(3), ...op.i32Shl, ...op.set(a),
    ...m.flatMap((l, i) => [...at(meanAt), ...op.load(16 * i), ...op.set(l)]),
    ...acc.flatMap((l, i) => [...at(m2At), ...op.load(16 * i), ...op.set(l)]),
    ...op.get(data), ...op.get(u), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.tee(p),
    ...op.get(rows), ...op.get(stride), ...op.i32Mul, ...op.i32Add, ...op.set(end),
    ...op.loop,
    ...acc.flatMap((l, i) => [...op.get(l), ...op.get(p), ...load(i), ...op.f64x2PromoteLow, ...op.get(m[i]!), ...op.f64x2Sub, ...square, ...op.set(l)]),
    ...op.get(p), ...op.get(stride), ...op.i32Add, ...op.tee(p), ...op.get(end), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...acc.flatMap((l, i) => [...at(m2At), ...op.get(l), ...op.store(16 * i)]),
    ...op.get(u), ...op.i32Const(width), ...op.i32Add, ...op.tee(u), ...op.get(units), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return funcBody([[4, I32], [2 * pairs + 1, V128]], body);
}

function kernelBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule(1, [
    { name: 'fold1', params: [I32, I32, I32, I32, I32, I32, I32, I32], code: fold1Code() },
    { name: 'fold2', params: [I32, I32, I32, I32, I32, I32], code: fold2Code(4) },
    { name: 'fold2x8', params: [I32, I32, I32, I32, I32, I32], code: fold2Code(8) },
  ]);
}

/** The per-unit arrays and the row buffer in the kernel's memory, for `units` units and `values` float32 values. */
export interface FoldViews {
  sum: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  m2: Float64Array;
  cnt: Int32Array;
  /** The row buffer: the float32 values fold1 and fold2 read, from byte offset `dataAt`. */
  rows: Float32Array;
  sumAt: number;
  loAt: number;
  hiAt: number;
  m2At: number;
  cntAt: number;
  dataAt: number;
}

export interface FoldKernel {
  fold1: (data: number, rows: number, stride: number, units: number, sumAt: number, loAt: number, hiAt: number, cntAt: number) => void;
  fold2: (data: number, rows: number, stride: number, units: number, meanAt: number, m2At: number) => void;
  /** fold2 eight units per step (units a multiple of 8): about 1.6× faster (fold1 eight wide is slower: it spills). */
  fold2x8: (data: number, rows: number, stride: number, units: number, meanAt: number, m2At: number) => void;
  /** Views for `units` units and a row buffer of `values` float32 values, growing the memory if it must. */
  layout: (units: number, values: number) => FoldViews;
}

const align16 = (n: number) => (n + 15) & ~15;

/** The kernel, or null where this runtime has no WebAssembly SIMD (then the JS fold runs, with the same results). */
export const loadFoldKernel = kernelLoader<FoldKernel>(kernelBytes, (exports, memory) => {
  let last: FoldViews | null = null;
  let lastKey = '';
  return {
    fold1: exports.fold1 as FoldKernel['fold1'],
    fold2: exports.fold2 as FoldKernel['fold2'],
    fold2x8: exports.fold2x8 as FoldKernel['fold2x8'],
    layout(units, values) {
      const key = `${units}:${values}`;
      if (last && lastKey === key && last.rows.buffer === memory.buffer) return last;
      const f64 = align16(units * 8);
      const sumAt = 0, loAt = f64, hiAt = 2 * f64, m2At = 3 * f64, cntAt = 4 * f64;
      const dataAt = cntAt + align16(units * 4);
      const bytes = dataAt + values * 4;
      if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
      const buf = memory.buffer;
      last = {
        sum: new Float64Array(buf, sumAt, units),
        lo: new Float64Array(buf, loAt, units),
        hi: new Float64Array(buf, hiAt, units),
        m2: new Float64Array(buf, m2At, units),
        cnt: new Int32Array(buf, cntAt, units),
        rows: new Float32Array(buf, dataAt, values),
        sumAt, loAt, hiAt, m2At, cntAt, dataAt,
      };
      lastKey = key;
      return last;
    },
  };
});
