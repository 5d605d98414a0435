// ActivationStreams over a harvest in the project file (chunk by chunk, never the whole matrix) and over an array
// in memory (tests, small problems).
import { streamChunks } from '../store/activations';
import type { Db } from '../store/project';
import { getHarvest } from '../store/repo';
import type { ActivationStream, RowBlock } from './types';

export function harvestStream(db: Db, harvestId: number): ActivationStream {
  const h = getHarvest(db, harvestId);
  return {
    rows: h.rowsDone,
    dim: h.dim,
    rowsPerItem: h.rowsPerItem,
    async *blocks(): AsyncIterable<RowBlock> {
      for (const c of streamChunks(db, harvestId)) yield { data: c.data, rowCount: c.rowCount };
    },
  };
}

export function memoryStream(data: Float32Array, dim: number, blockRows = 4096, rowsPerItem?: number): ActivationStream {
  const rows = data.length / dim;
  if (!Number.isInteger(rows)) throw new Error(`data length ${data.length} is not a multiple of dim ${dim}`);
  return {
    rows,
    dim,
    ...(rowsPerItem ? { rowsPerItem } : {}),
    async *blocks(): AsyncIterable<RowBlock> {
      for (let r = 0; r < rows; r += blockRows) {
        const n = Math.min(blockRows, rows - r);
        yield { data: data.subarray(r * dim, (r + n) * dim), rowCount: n };
      }
    },
  };
}
