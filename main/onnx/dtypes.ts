// Element types as ONNX numbers them, as onnxruntime names them, and the float16 arithmetic that
// neither JavaScript (no Float16Array in Node 20) nor onnx-proto provides.
import * as ort from 'onnxruntime-node';

export type DType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1';

/** TensorProto.DataType codes (onnx.proto3); onnx-proto's enum stops at 16, newer models go further. */
const ELEM_TYPE_BY_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
  float4e2m1: 23,
};

const DTYPE_BY_ELEM_TYPE = new Map<number, DType>(
  Object.entries(ELEM_TYPE_BY_DTYPE).map(([name, code]) => [code, name as DType]),
);

export const ALL_DTYPES = Object.keys(ELEM_TYPE_BY_DTYPE) as DType[];

export function isDType(name: string): name is DType {
  return Object.prototype.hasOwnProperty.call(ELEM_TYPE_BY_DTYPE, name);
}

export function elemTypeOf(dtype: DType): number {
  const code = ELEM_TYPE_BY_DTYPE[dtype];
  if (code === undefined) throw new Error(`Unknown dtype "${String(dtype)}".`);
  return code;
}

export function dtypeOf(elemType: number): DType {
  const name = DTYPE_BY_ELEM_TYPE.get(elemType);
  if (!name) throw new Error(`ONNX element type ${elemType} is not one this lab knows.`);
  return name;
}

/** Bytes per element for types stored whole-byte; sub-byte and string types have none. */
export function bytesPerElement(dtype: DType): number | null {
  switch (dtype) {
    case 'float64':
    case 'int64':
    case 'uint64':
    case 'complex64':
      return 8;
    case 'complex128':
      return 16;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 4;
    case 'float16':
    case 'bfloat16':
    case 'int16':
    case 'uint16':
      return 2;
    case 'uint8':
    case 'int8':
    case 'bool':
    case 'float8e4m3fn':
    case 'float8e4m3fnuz':
    case 'float8e5m2':
    case 'float8e5m2fnuz':
      return 1;
    default:
      return null;
  }
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** IEEE half from a JS number, rounded to nearest-even through float32 (as ORT's own Cast does). */
export function float32ToFloat16Bits(value: number): number {
  scratchF32[0] = value;
  const bits = scratchU32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    // Keep NaN a NaN even when its payload lives only in the low bits that are dropped.
    return mant ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00;
  }
  const halfExp = exp - 127 + 15;
  if (halfExp >= 0x1f) return sign | 0x7c00;
  if (halfExp <= 0) {
    if (halfExp < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - halfExp;
    const halfway = 1 << (shift - 1);
    const rest = full & ((1 << shift) - 1);
    let out = full >>> shift;
    if (rest > halfway || (rest === halfway && (out & 1) === 1)) out += 1;
    return sign | out;
  }
  let out = (halfExp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent, up to infinity.
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1) === 1)) out += 1;
  return sign | out;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Halves of a whole float32 array. A harvest's float16 storage encodes every value it records (#14), so the common
 * case — a normal half, or zero — is done by integer arithmetic over the array's bits (round to nearest-even by the
 * usual add-and-shift: add 0xfff plus the kept mantissa's lowest bit, then drop 13 bits; a carry bumps the exponent);
 * anything else (subnormal halves, overflow, infinities, NaN) goes through float32ToFloat16Bits, so the bits are
 * exactly that function's. Other array-likes may hold doubles, which round through float32 there.
 */
export function float32ArrayToFloat16Bits(values: ArrayLike<number>, into?: Uint16Array): Uint16Array {
  const n = values.length;
  // #14: a harvest of an fp16 model passes a buffer it reuses, since fresh memory costs a page fault per 4 KiB.
  const out = into && into.length >= n ? into.subarray(0, n) : new Uint16Array(n);
  if (!(values instanceof Float32Array)) {
    for (let i = 0; i < n; i++) out[i] = float32ToFloat16Bits(values[i]!);
    return out;
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const x = bits[i]!;
    const a = x & 0x7fffffff;
    // [2^-14, 65520): the float32s whose nearest half is a normal, finite one.
    if (a >= 0x38800000 && a < 0x477ff000) out[i] = ((x >>> 16) & 0x8000) | ((a - 0x37fff001 + ((a >>> 13) & 1)) >>> 13);
    else if (a === 0) out[i] = (x >>> 16) & 0x8000;
    else out[i] = float32ToFloat16Bits(values[i]!);
  }
  return out;
}

/** Every half's float32 value, built on first use from float16BitsToFloat32 (so decoding by it gives the same bits). */
let halfTable: Float32Array | null = null;
function float16Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16BitsToFloat32(h);
  }
  return halfTable;
}

/**
 * A float32 array rounded to half precision in one pass (#14: a float16 harvest stores the halves and folds the
 * rounded values into its unit statistics): `bits` is exactly float32ArrayToFloat16Bits(values) and `rounded` exactly
 * float16BitsToFloat32Array(bits), bit for bit. A normal half widens by integer arithmetic (exponent rebiased by 112,
 * mantissa shifted by 13), which skips the 256 KiB table's cache misses; the rest goes through the scalar encoder and
 * the table. Written into `intoBits` and `intoRounded` when they are large enough: a writer reuses them chunk after
 * chunk, because fresh memory costs a page fault per 4 KiB.
 */
export function roundToFloat16(values: Float32Array, intoBits?: Uint16Array, intoRounded?: Float32Array): { bits: Uint16Array; rounded: Float32Array } {
  const n = values.length;
  const bits = intoBits && intoBits.length >= n ? intoBits.subarray(0, n) : new Uint16Array(n);
  const rounded = intoRounded && intoRounded.length >= n ? intoRounded.subarray(0, n) : new Float32Array(n);
  const input = new Uint32Array(values.buffer, values.byteOffset, n);
  const output = new Uint32Array(rounded.buffer, rounded.byteOffset, n);
  const table = float16Table();
  for (let i = 0; i < n; i++) {
    const x = input[i]!;
    const a = x & 0x7fffffff;
    if (a >= 0x38800000 && a < 0x477ff000) {
      const sign = (x >>> 16) & 0x8000;
      const h = (a - 0x37fff001 + ((a >>> 13) & 1)) >>> 13;
      bits[i] = sign | h;
      output[i] = (sign << 16) | ((h << 13) + 0x38000000);
    } else {
      const h = a === 0 ? (x >>> 16) & 0x8000 : float32ToFloat16Bits(values[i]!);
      bits[i] = h;
      rounded[i] = table[h]!;
    }
  }
  return { bits, rounded };
}

/** `out` (at least bits.length long), when given, takes the values: a stream converting block after block reuses one. */
export function float16BitsToFloat32Array(bits: ArrayLike<number>, into?: Float32Array): Float32Array {
  const n = bits.length;
  const out = into ? into.subarray(0, n) : new Float32Array(n);
  if (!(bits instanceof Uint16Array)) {
    for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(bits[i]!);
    return out;
  }
  const table = float16Table();
  for (let i = 0; i < n; i++) out[i] = table[bits[i]!]!;
  return out;
}

export function bfloat16BitsToFloat32Array(bits: ArrayLike<number>, into?: Float32Array): Float32Array {
  const out = into ? into.subarray(0, bits.length) : new Float32Array(bits.length);
  const u32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) u32[i] = (bits[i]! & 0xffff) << 16;
  return out;
}

/** Tensor types onnxruntime-node can hold as numbers. */
const NUMERIC_ORT_TYPES = new Set<string>([
  'float32',
  'float64',
  'float16',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
]);

/**
 * Any numeric tensor as float32. float16 data arrives as raw bits in a Uint16Array where the runtime
 * has no Float16Array, and as a real Float16Array where it does; both are accepted.
 */
export function tensorToFloat32(tensor: ort.Tensor): Float32Array {
  if (!NUMERIC_ORT_TYPES.has(tensor.type)) {
    throw new Error(`A ${tensor.type} tensor cannot be read as float32 numbers.`);
  }
  const data = tensor.data as unknown;
  if (tensor.type === 'float16') {
    if (data instanceof Uint16Array) return float16BitsToFloat32Array(data);
    return Float32Array.from(data as ArrayLike<number>);
  }
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return out;
  }
  return Float32Array.from(data as ArrayLike<number>);
}

/**
 * An onnxruntime input tensor of the model's declared dtype from float32 values. Integer dtypes
 * round to nearest; bool is "non-zero".
 */
export function float32ToOrtTensor(data: ArrayLike<number>, dims: readonly number[], dtype: DType, halves?: Uint16Array): ort.Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`${data.length} values cannot fill a tensor of shape [${dims.join(', ')}] (${count} elements).`);
  }
  const shape = [...dims];
  switch (dtype) {
    case 'float32':
      return new ort.Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), shape);
    case 'float16':
      return new ort.Tensor('float16', float32ArrayToFloat16Bits(data, halves), shape);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(data), shape);
    case 'int64': {
      const out = new BigInt64Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = BigInt(Math.round(data[i]!));
      return new ort.Tensor('int64', out, shape);
    }
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(data, Math.round), shape);
    case 'int16':
      return new ort.Tensor('int16', Int16Array.from(data, Math.round), shape);
    case 'uint16':
      return new ort.Tensor('uint16', Uint16Array.from(data, Math.round), shape);
    case 'uint32':
      return new ort.Tensor('uint32', Uint32Array.from(data, Math.round), shape);
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(data, Math.round), shape);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(data, Math.round), shape);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0)), shape);
    default:
      throw new Error(`Cannot make a ${dtype} input tensor from float32 values.`);
  }
}
