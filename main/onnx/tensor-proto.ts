// TensorProto <-> typed arrays. Writing always uses raw_data (little-endian, what ORT reads fastest);
// reading also accepts the typed repeated fields older exporters used.
import { type DType, dtypeOf, elemTypeOf, float16BitsToFloat32Array, bfloat16BitsToFloat32Array } from './dtypes';
import { onnx, toNumber, type TensorProto } from './proto';

export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** The dtype a typed array stands for when the caller does not say; Uint16Array is ambiguous (float16 bits?). */
export function dtypeOfArray(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint64';
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function makeTensorProto(
  name: string,
  data: TensorData,
  dims: readonly number[],
  dtype: DType = dtypeOfArray(data),
): TensorProto {
  const count = elementCount(dims);
  if (count !== data.length) {
    throw new Error(`Tensor "${name}" has ${data.length} values but shape [${dims.join(', ')}] needs ${count}.`);
  }
  // Copy so later edits to the caller's array cannot change a model already built.
  const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: elemTypeOf(dtype), rawData: raw });
}

export function tensorProtoDims(t: TensorProto): number[] {
  return (t.dims ?? []).map((d) => toNumber(d));
}

export function tensorProtoDtype(t: TensorProto): DType {
  return dtypeOf(t.dataType ?? 0);
}

function rawView<T>(raw: Uint8Array, Ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T {
  // Copy into an aligned buffer: raw_data inside a decoded message sits at an arbitrary offset.
  // room: lm (#13) — `new Uint8Array(raw)` copies; a Node Buffer's slice() would be a view of the whole file.
  const copy = new Uint8Array(raw).buffer;
  return new Ctor(copy, 0, raw.byteLength / Ctor.BYTES_PER_ELEMENT);
}

/** Values of a numeric initializer or Constant as float32 (int64 via Number, bool as 0/1). */
export function tensorProtoToFloat32(t: TensorProto): Float32Array {
  const dtype = tensorProtoDtype(t);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new Error(`Tensor "${t.name}" keeps its data in an external file, which this lab does not read.`);
  }
  const raw = t.rawData && t.rawData.byteLength > 0 ? t.rawData : null;
  switch (dtype) {
    case 'float32':
      return raw ? rawView(raw, Float32Array) : Float32Array.from(t.floatData ?? []);
    case 'float64':
      return Float32Array.from(raw ? rawView(raw, Float64Array) : (t.doubleData ?? []));
    case 'float16':
      // Without raw_data, float16 bits live one per int32_data entry.
      return float16BitsToFloat32Array(raw ? rawView(raw, Uint16Array) : (t.int32Data ?? []));
    case 'bfloat16':
      return bfloat16BitsToFloat32Array(raw ? rawView(raw, Uint16Array) : (t.int32Data ?? []));
    case 'int64':
      return raw
        ? Float32Array.from(rawView(raw, BigInt64Array), (v) => Number(v))
        : Float32Array.from((t.int64Data ?? []).map((v) => toNumber(v)));
    case 'uint64':
      return raw
        ? Float32Array.from(rawView(raw, BigUint64Array), (v) => Number(v))
        : Float32Array.from((t.uint64Data ?? []).map((v) => toNumber(v)));
    case 'int32':
      return Float32Array.from(raw ? rawView(raw, Int32Array) : (t.int32Data ?? []));
    case 'uint32':
      return Float32Array.from(raw ? rawView(raw, Uint32Array) : (t.uint64Data ?? []).map((v) => toNumber(v)));
    case 'int16':
      return Float32Array.from(raw ? rawView(raw, Int16Array) : (t.int32Data ?? []));
    case 'uint16':
      return Float32Array.from(raw ? rawView(raw, Uint16Array) : (t.int32Data ?? []));
    case 'int8':
      return Float32Array.from(raw ? rawView(raw, Int8Array) : (t.int32Data ?? []));
    case 'uint8':
    case 'bool':
      return Float32Array.from(raw ? raw : (t.int32Data ?? []));
    default:
      throw new Error(`Tensor "${t.name}" is ${dtype}, which cannot be read as numbers.`);
  }
}
