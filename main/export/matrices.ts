// The lab's matrices as streamed .npy files: a harvest's activations (rows × d) chunk by chunk from the project
// file, a basis' feature activations (rows × m) encoded one chunk at a time, and a basis' directions (m × d). Only
// one chunk is in memory at a time, so a harvest larger than the memory cap exports within it.
import type { Basis } from '../bases/types';
import { streamChunks } from '../store/activations';
import type { Db } from '../store/project';
import { streamReleaser } from '../util/memory';
import { NpyStreamWriter } from './npy-writer';

function stream(path: string, shape: number[], fill: (w: NpyStreamWriter) => Promise<void>): Promise<number[]> {
  const w = new NpyStreamWriter(path, shape);
  return fill(w).then(
    () => {
      w.close();
      return shape;
    },
    (err: unknown) => {
      w.abort();
      throw err;
    },
  );
}

export function writeActivations(db: Db, harvestId: number, rows: number, dim: number, path: string): Promise<number[]> {
  return stream(path, [rows, dim], async (w) => {
    const release = streamReleaser();
    for (const c of streamChunks(db, harvestId)) {
      w.write(c.data);
      release(c.data.byteLength);
    }
  });
}

export function writeFeatureActivations(db: Db, harvestId: number, rows: number, basis: Basis, path: string): Promise<number[]> {
  return stream(path, [rows, basis.nFeatures], async (w) => {
    const release = streamReleaser();
    for (const c of streamChunks(db, harvestId)) {
      const codes = await basis.encode(c.data, c.rowCount);
      w.write(codes);
      release(c.data.byteLength + codes.byteLength);
    }
  });
}

export function writeDirections(basis: Basis, path: string): Promise<number[]> {
  return stream(path, [basis.nFeatures, basis.dim], async (w) => w.write(basis.directions()));
}
