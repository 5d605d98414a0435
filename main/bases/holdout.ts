// A fixed train / held-out split of a harvest's rows, decided per row by a seeded hash, so every pass of a stream
// sees the same split without storing it, and quality metrics are measured on rows the fit never saw.
import { deriveSeed } from '../util/random';
import type { ActivationStream, RowBlock } from './types';

/** True when row `row` is held out; about `fraction` of rows are. */
export function isHeldOut(row: number, fraction: number, seed: number): boolean {
  if (fraction <= 0) return false;
  return deriveSeed(seed, row) / 4294967296 < fraction;
}

function filtered(source: ActivationStream, keep: (row: number) => boolean, rows: number, rowsPerItem?: number): ActivationStream {
  const dim = source.dim;
  return {
    rows,
    dim,
    ...(rowsPerItem ? { rowsPerItem } : {}),
    async *blocks(): AsyncIterable<RowBlock> {
      let row = 0;
      for await (const b of source.blocks()) {
        const out = new Float32Array(b.rowCount * dim);
        let n = 0;
        for (let r = 0; r < b.rowCount; r++, row++) {
          if (!keep(row)) continue;
          out.set(b.data.subarray(r * dim, (r + 1) * dim), n * dim);
          n++;
        }
        if (n > 0) yield { data: out.subarray(0, n * dim), rowCount: n };
      }
    },
  };
}

/**
 * `wholeItems`: decide per stimulus (rowsPerItem consecutive rows) instead of per row, so both halves keep whole
 * stimuli and stay tensors of stimuli × positions (TCA); the halves then carry the source's rowsPerItem.
 */
export function splitStream(source: ActivationStream, fraction: number, seed: number, wholeItems = false): { train: ActivationStream; heldOut: ActivationStream } {
  const per = wholeItems ? (source.rowsPerItem ?? 1) : 1;
  const held = (r: number): boolean => isHeldOut(Math.floor(r / per), fraction, seed);
  let count = 0;
  for (let r = 0; r < source.rows; r++) if (held(r)) count++;
  const keepsItems = wholeItems ? source.rowsPerItem : undefined;
  return {
    train: filtered(source, (r) => !held(r), source.rows - count, keepsItems),
    heldOut: filtered(source, held, count, keepsItems),
  };
}
