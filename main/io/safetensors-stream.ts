// safetensors read without loading the file (#18 item 4): a 131,072-feature SAE's file is over 500 MB, and reading it
// whole (then copying each tensor out) took 2.5 GB. The header is read alone and checked as readSafetensors checks
// it; a tensor's values are then read a block of leading-axis rows at a time straight from the file descriptor.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../errors';
import { bfloat16BitsToFloat32Array, float16BitsToFloat32Array } from '../onnx/dtypes';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';
export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const MAX_HEADER = 100 * 1024 * 1024;

/** One tensor's entry in the header: byte range [begin, end) relative to the start of the data section. */
export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Byte offset of the data section in the file. */
  dataStart: number;
  fileBytes: number;
  tensors: Record<string, TensorEntry>;
}

function corrupt(label: string, why: string): UserError {
  return new UserError('safetensors.corrupt', `${label} is not a valid safetensors file: ${why}.`);
}

/** Reads and checks the header of the safetensors file at `path` (the data is not read). */
export function readSafetensorsHeader(path: string, label: string): SafetensorsHeader {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    if (fileBytes < 8) throw corrupt(label, 'it is shorter than its 8-byte header length');
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(Math.min(MAX_HEADER, fileBytes - 8))) throw corrupt(label, 'its header length runs past the end of the file');
    const headerBuf = Buffer.alloc(Number(n));
    readSync(fd, headerBuf, 0, headerBuf.length, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch {
      throw corrupt(label, 'its header is not valid JSON');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt(label, 'its header is not a JSON object');
    const dataStart = 8 + Number(n);
    const dataLength = fileBytes - dataStart;
    const tensors: Record<string, TensorEntry> = {};
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') continue;
      const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof v?.dtype !== 'string' || !(v.dtype in DTYPE_BYTES)) throw corrupt(label, `tensor ${name} has unsupported dtype ${String(v?.dtype)} (F32, F16, BF16 and F64 are read)`);
      if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0)) throw corrupt(label, `tensor ${name} has an invalid shape`);
      if (!Array.isArray(v.data_offsets) || v.data_offsets.length !== 2) throw corrupt(label, `tensor ${name} has invalid data offsets`);
      const [begin, end] = v.data_offsets as [number, number];
      const dtype = v.dtype as SafetensorsDtype;
      const count = (v.shape as number[]).reduce((a, b) => a * b, 1);
      if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > dataLength || end - begin !== count * DTYPE_BYTES[dtype]) {
        throw corrupt(label, `tensor ${name}'s data range does not match its shape or lies outside the file`);
      }
      tensors[name] = { dtype, shape: v.shape as number[], begin, end };
    }
    return { dataStart, fileBytes, tensors };
  } finally {
    closeSync(fd);
  }
}

/** Values per leading-axis row of a tensor (1 for a vector). */
export function rowLength(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Reusable buffers for a stream of readTensorRows calls: the raw bytes, and float32 values for other dtypes. */
export interface RowBuffers {
  raw: Uint8Array;
  values?: Float32Array;
}

/** Buffers for blocks of up to `rows` rows of each of `entries` (one pair, sized for the largest block). */
export function rowBuffersFor(entries: { entry: TensorEntry; rows: number }[]): RowBuffers {
  let raw = 0;
  let values = 0;
  for (const { entry, rows } of entries) {
    const count = Math.min(rows, entry.shape[0] ?? 1) * rowLength(entry.shape);
    raw = Math.max(raw, count * DTYPE_BYTES[entry.dtype]);
    if (entry.dtype !== 'F32') values = Math.max(values, count);
  }
  return { raw: new Uint8Array(raw), values: values > 0 ? new Float32Array(values) : undefined };
}

/**
 * Rows [firstRow, firstRow + rows) of `entry` (leading axis) as float32, converted as readSafetensors converts them
 * (so a block equals the same slice of the whole-file read, bit for bit). With `buffers` (rowBuffersFor) the values
 * are a view of them: use them before the next read.
 */
export function readTensorRows(fd: number, header: SafetensorsHeader, entry: TensorEntry, firstRow: number, rows: number, buffers?: RowBuffers): Float32Array {
  const per = rowLength(entry.shape);
  const bytes = DTYPE_BYTES[entry.dtype];
  const count = rows * per;
  // A caller reading block after block passes one pair of buffers: the garbage collector frees array buffers late,
  // and a fresh 32 MB buffer per block (raw bytes, or float32 values converted from F16) piled up before it ran.
  const scratch = buffers?.raw;
  const raw = scratch && scratch.byteLength >= count * bytes && scratch.byteOffset % 8 === 0 ? new Uint8Array(scratch.buffer, scratch.byteOffset, count * bytes) : new Uint8Array(count * bytes);
  const at = header.dataStart + entry.begin + firstRow * per * bytes;
  let got = 0;
  while (got < raw.length) {
    const n = readSync(fd, raw, got, raw.length - got, at + got);
    if (n === 0) throw new UserError('safetensors.corrupt', 'The safetensors file ended before its data did; was it changed while it was being read?');
    got += n;
  }
  if (entry.dtype === 'F32') return new Float32Array(raw.buffer, raw.byteOffset, count);
  const into = buffers?.values && buffers.values.length >= count ? buffers.values : undefined;
  if (entry.dtype === 'F16') return float16BitsToFloat32Array(new Uint16Array(raw.buffer, raw.byteOffset, count), into);
  if (entry.dtype === 'BF16') return bfloat16BitsToFloat32Array(new Uint16Array(raw.buffer, raw.byteOffset, count), into);
  const f64 = new Float64Array(raw.buffer, raw.byteOffset, count);
  if (!into) return Float32Array.from(f64);
  const out = into.subarray(0, count);
  out.set(f64);
  return out;
}
