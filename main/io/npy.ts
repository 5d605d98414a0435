// NumPy .npy files (format 1.0–3.0): read float32/float16/float64/int arrays in C or Fortran order, write float32.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { UserError } from '../errors';
import { float16BitsToFloat32Array } from '../onnx/dtypes';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
  /** The file's own dtype descriptor, e.g. '<f4'. */
  dtype: string;
}

const MAGIC = '\x93NUMPY';

function bad(label: string, why: string): UserError {
  return new UserError('npy.invalid', `${label} is not a readable .npy array: ${why}.`);
}

interface NpyHeader {
  shape: number[];
  dtype: string;
  fortran: boolean;
  /** Byte offset of the first value. */
  dataStart: number;
  itemSize: number;
  /** Raw little-endian values (a fresh, aligned buffer) → float32. */
  convert: (raw: Uint8Array) => Float32Array;
}

const READERS: Record<string, [number, (raw: Uint8Array) => ArrayLike<number>]> = {
  '<f4': [4, (r) => new Float32Array(r.buffer, r.byteOffset, r.byteLength / 4)],
  '<f2': [2, (r) => float16BitsToFloat32Array(new Uint16Array(r.buffer, r.byteOffset, r.byteLength / 2))],
  '<f8': [8, (r) => new Float64Array(r.buffer, r.byteOffset, r.byteLength / 8)],
  '<i4': [4, (r) => new Int32Array(r.buffer, r.byteOffset, r.byteLength / 4)],
  '<i8': [8, (r) => Array.from(new BigInt64Array(r.buffer, r.byteOffset, r.byteLength / 8), Number)],
  '|u1': [1, (r) => r],
  '|i1': [1, (r) => new Int8Array(r.buffer, r.byteOffset, r.byteLength)],
};

/** The header of a .npy file from its first bytes (all of them, or at least the header's). */
function parseHeader(buf: Buffer, label: string): NpyHeader {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC) throw bad(label, 'it does not start with the NumPy magic string');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLen > buf.length) throw bad(label, 'its header is truncated');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw bad(label, 'its header has no dtype or shape');
  const shape = shapeText.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  const reader = READERS[descr];
  if (!reader) throw bad(label, `its dtype ${descr} is not supported (float16/32/64, int8/32/64, uint8 in little-endian are)`);
  const [itemSize, view] = reader;
  return { shape, dtype: descr, fortran, dataStart: headerStart + headerLen, itemSize, convert: (raw) => Float32Array.from(view(raw)) };
}

export function readNpy(bytes: Uint8Array, label: string): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = parseHeader(buf, label);
  const count = h.shape.reduce((a, b) => a * b, 1);
  if (buf.length - h.dataStart < count * h.itemSize) throw bad(label, `it holds fewer values than its shape ${h.shape.join('×')} needs`);
  const raw = new Uint8Array(count * h.itemSize);
  raw.set(buf.subarray(h.dataStart, h.dataStart + count * h.itemSize));
  let data = h.convert(raw);
  if (h.fortran && h.shape.length === 2) {
    const [r, c] = h.shape as [number, number];
    const t = new Float32Array(count);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[i * c + j] = data[j * r + i]!;
    data = t;
  } else if (h.fortran && h.shape.length > 2) {
    throw bad(label, 'it is in Fortran order with more than two dimensions');
  }
  return { shape: h.shape, data, dtype: h.dtype };
}

/** A 2-D .npy file read a block of rows at a time, so an array larger than memory can be imported. */
export interface NpyRowReader {
  shape: number[];
  dtype: string;
  /** Rows start..start+n−1 as float32, row-major. */
  rows(start: number, n: number): Float32Array;
  close(): void;
}

/**
 * Opens a .npy file for reading by rows. C-order arrays are read from the file block by block; a Fortran-order
 * array is column-major, so its rows are not contiguous: it is read whole and transposed (memory ∝ its size).
 */
export function openNpyRows(path: string, label: string): NpyRowReader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 1 << 16));
    readSync(fd, head, 0, head.length, 0);
    const h = parseHeader(head, label);
    const count = h.shape.reduce((a, b) => a * b, 1);
    if (size - h.dataStart < count * h.itemSize) throw bad(label, `it holds fewer values than its shape ${h.shape.join('×')} needs`);
    const dim = h.shape.length >= 2 ? h.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    if (h.fortran && h.shape.length > 1) {
      closeSync(fd);
      const whole = readNpy(readFileSync(path), label);
      return { shape: whole.shape, dtype: whole.dtype, rows: (start, n) => whole.data.slice(start * dim, (start + n) * dim), close: () => undefined };
    }
    return {
      shape: h.shape,
      dtype: h.dtype,
      rows(start, n) {
        const raw = new Uint8Array(n * dim * h.itemSize);
        const got = readSync(fd, raw, 0, raw.length, h.dataStart + start * dim * h.itemSize);
        if (got !== raw.length) throw bad(label, `it ended while reading rows ${start} to ${start + n - 1}`);
        return h.convert(raw);
      },
      close: () => closeSync(fd),
    };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    throw err;
  }
}

export function writeNpy(data: Float32Array, shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Pad so the data starts on a 64-byte boundary, newline-terminated, as NumPy writes it.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + data.byteLength);
  out.write(MAGIC, 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 10 + header.length);
  return out;
}
