// The little WebAssembly assembler the hand-written kernels share (train/adam-simd.ts, harvest/unit-stats-simd.ts,
// store/float16-simd.ts, util/ziggurat-wasm.ts, harvest/transpose-wasm.ts, linalg/pairs-wasm.ts):
// LEB128 numbers, names, sections, a function body with its locals, a module of one memory and a few functions, and
// the opcodes the kernels use (WebAssembly core and SIMD specifications). Each kernel spells its body as a flat list
// of bytes built from these, and falls back to its scalar JS where WebAssembly.validate refuses the module.

/** Unsigned LEB128 (sizes, indices, offsets). */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (i32.const's immediate: unsigned LEB would read 64..127 as negative). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const str = (s: string): number[] => [s.length, ...Buffer.from(s, 'utf8')];
export const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

const simd = (code: number) => [0xfd, ...leb(code)];
/** A memory access's immediates: log2 of the alignment hint, then the static byte offset. */
const mem = (code: number, alignLog2: number) => (offset = 0) => [...simd(code), alignLog2, ...leb(offset)];

export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, depth],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  br: (depth: number) => [0x0c, depth],
  /** Scalar loads and stores at a byte offset (alignment hint: the type's own size). */
  i32Load: (offset = 0) => [0x28, 2, ...leb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...leb(offset)],
  f32Load: (offset = 0) => [0x2a, 2, ...leb(offset)],
  f64Load: (offset = 0) => [0x2b, 3, ...leb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...leb(offset)],
  i32GeS: [0x4e],
  i32GeU: [0x4f],
  i32GtU: [0x4b],
  /** if (no result) … end. */
  ifThen: [0x04, 0x40],
  i32Sub: [0x6b],
  i32And: [0x71],
  i32Xor: [0x73],
  i32ShrS: [0x75],
  i32Rotl: [0x77],
  ret: [0x0f],
  /** select(a, b, c) = c ? a : b. */
  select: [0x1b],
  f32Gt: [0x5e],
  /** f32.const 0. */
  f32Const0: [0x43, 0, 0, 0, 0],
  f32Add: [0x92],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f32DemoteF64: [0xb6],
  f64ConvertI32S: [0xb7],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  /** v128.load / v128.store at a byte offset, 16-byte aligned (align field = log2 16). */
  load: mem(0x00, 4),
  store: mem(0x0b, 4),
  /** v128.load / v128.store with no alignment promised beyond 4 bytes (a float32 row at any unit). */
  load4: mem(0x00, 2),
  store4: mem(0x0b, 2),
  /** f32x4.extract_lane: one float32 lane of a vector. */
  f32x4ExtractLane: (lane: number) => [...simd(0x1f), lane],
  /** v128.load64_zero: 8 bytes into the low half, zeros above; alignment promised: 4 bytes. */
  load64Zero4: mem(0x5d, 2),
  splat: simd(0x13), // f32x4.splat
  i32x4Splat: simd(0x11),
  i32x4Eq: simd(0x37),
  i32x4LtS: simd(0x39),
  i32x4GtS: simd(0x3b),
  and: simd(0x4e), // v128.and
  or: simd(0x50), // v128.or
  /** v128.any_true: 1 when any bit of the vector is set. */
  anyTrue: simd(0x53),
  /** v128.bitselect(a, b, mask) = (a & mask) | (b & ~mask). */
  bitselect: simd(0x52),
  /** i16x8.narrow_i32x4_u: eight int32 lanes (of two vectors) saturated to uint16. */
  i16x8NarrowI32x4U: simd(0x86),
  i32x4Shl: simd(0xab),
  i32x4ShrU: simd(0xad),
  i32x4Add: simd(0xae),
  i32x4MinU: simd(0xb7),
  f32x4Gt: simd(0x44),
  i32x4Sub: simd(0xb1),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  /** f64x2.pmin(a, b) = b < a ? b : a, lane by lane. */
  f64x2Pmin: simd(0xf6),
  /** f64x2.pmax(a, b) = a < b ? b : a, lane by lane. */
  f64x2Pmax: simd(0xf7),
  /** f64x2.promote_low_f32x4: the low two float32 lanes, each promoted exactly to float64. */
  f64x2PromoteLow: simd(0x5f),
  sqrt: simd(0xe3), // f32x4.sqrt
  add: simd(0xe4), // f32x4.add
  sub: simd(0xe5), // f32x4.sub
  mul: simd(0xe6), // f32x4.mul
  div: simd(0xe7), // f32x4.div
};

/** A function's code entry: its locals as [count, type] runs, then the body (which must end with op.end). */
export function funcBody(locals: [number, number][], body: number[]): number[] {
  const decl = [...leb(locals.length), ...locals.flatMap(([count, type]) => [...leb(count), type])];
  return [...leb(decl.length + body.length), ...decl, ...body];
}

/**
 * A module of one memory (`pages` of 64 KiB, exported as `mem`, growable) and functions that return nothing, each
 * exported under its name: `params` its parameter types, `code` its funcBody.
 */
export function wasmModule(pages: number, funcs: { name: string; params: number[]; code: number[] }[]): Uint8Array<ArrayBuffer> {
  const types = funcs.flatMap((f) => [0x60, ...leb(f.params.length), ...f.params, 0]);
  const exports = [
    ...funcs.flatMap((f, i) => [...str(f.name), 0x00, ...leb(i)]),
    ...str('mem'), 0x02, 0,
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [...leb(funcs.length), ...types]),
    ...section(3, [...leb(funcs.length), ...funcs.map((_, i) => i)]),
    ...section(5, [1, 0x00, ...leb(pages)]),
    ...section(7, [...leb(funcs.length + 1), ...exports]),
    ...section(10, [...leb(funcs.length), ...funcs.flatMap((f) => f.code)]),
  ]);
}

/**
 * A kernel's loader: on its first call in a thread it builds the module from `bytes()` and returns `views` of its
 * exports and memory, the same object on every later call; null where this runtime refuses the module (no
 * WebAssembly, or no SIMD), and the caller then runs its JS.
 */
export function kernelLoader<T>(bytes: () => Uint8Array<ArrayBuffer>, views: (exports: WebAssembly.Exports, memory: WebAssembly.Memory) => T): () => T | null {
  let kernel: T | null | undefined;
  return () => {
    if (kernel === undefined) {
      const code = bytes();
      if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(code)) kernel = null;
      else {
        const exports = new WebAssembly.Instance(new WebAssembly.Module(code), {}).exports;
        kernel = views(exports, exports.mem as WebAssembly.Memory);
      }
    }
    return kernel;
  };
}
