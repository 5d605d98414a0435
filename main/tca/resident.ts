// A sweep or fit makes two passes over the tensor per ALS iteration (hundreds of passes in all). Read from the project
// file each time, a pass costs a SQLite read and decode of every chunk; a tensor that fits a quarter of the memory cap
// is read once and swept from memory instead, in blocks of whole stimuli. A larger one stays streamed, a chunk of
// stimuli at a time.
import type { ActivationStream } from '../bases/types';
import { memoryStream } from '../bases/stream';
import { workingSetBytes } from '../util/memory';

/** Rows per block of the resident copy: about 4 MiB of floats, rounded to whole stimuli. */
function blockRows(dim: number, rowsPerItem: number): number {
  const items = Math.max(1, Math.floor((1 << 20) / (dim * rowsPerItem)));
  return items * rowsPerItem;
}

export async function residentIfSmall(stream: ActivationStream): Promise<ActivationStream> {
  const bytes = stream.rows * stream.dim * 4;
  if (bytes > workingSetBytes()) return stream;
  const data = new Float32Array(stream.rows * stream.dim);
  let at = 0;
  for await (const b of stream.blocks()) {
    data.set(b.data.subarray(0, b.rowCount * stream.dim), at);
    at += b.rowCount * stream.dim;
  }
  const per = stream.rowsPerItem ?? 1;
  return memoryStream(data, stream.dim, blockRows(stream.dim, per), stream.rowsPerItem);
}
