// A float32 .npy file written a block of rows at a time: the header holds the final shape, which is known before
// the first row (a harvest's row count, a basis' feature count), so an array larger than memory streams to disk
// with only one block in memory.
import { closeSync, openSync, writeSync } from 'node:fs';

export function npyHeader(shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // The data starts on a 64-byte boundary, the header newline-terminated, as NumPy writes it.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  return out;
}

export class NpyStreamWriter {
  private readonly fd: number;
  private written = 0;
  private readonly expected: number;

  constructor(
    path: string,
    readonly shape: number[],
  ) {
    this.expected = shape.reduce((a, b) => a * b, 1);
    this.fd = openSync(path, 'w');
    writeSync(this.fd, npyHeader(shape));
  }

  /** Appends values in C order (a block of whole rows). */
  write(values: Float32Array): void {
    if (this.written + values.length > this.expected) throw new Error(`more values than the shape ${this.shape.join('×')} holds`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.written += values.length;
  }

  /** Closes the file; it must then hold exactly the values its header announces. */
  close(): void {
    closeSync(this.fd);
    if (this.written !== this.expected) throw new Error(`wrote ${this.written} values for the shape ${this.shape.join('×')} (${this.expected})`);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}
