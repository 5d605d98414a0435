// A harvest's feature codes as sparse row blocks: the basis encodes blocks of rows (sized from CAJAL_MEMORY_CAP_MB, so
// memory stays bounded whatever the number of features), and only the non-zero activations leave the block — about
// 25 of 131,072 per row for an SAE. The first pass keeps those non-zeros (in row order, features ascending inside a
// row) while they fit a share of the cap, so a second pass replays them instead of encoding every row again.
import type { Encoder } from '../bases/sae-encoder';
import type { JobContext } from '../jobs/types';
import { streamChunks } from '../store/activations';
import type { Db } from '../store/project';
import { workingSetBytes } from '../util/memory';

/** Rows [first, first + rows): row r's non-zeros are feat/vals[rowPtr[r] .. rowPtr[r + 1]). */
export interface SparseBlock {
  first: number;
  rows: number;
  rowPtr: Int32Array;
  feat: Int32Array;
  vals: Float32Array;
}

/** Thrown out of a scan that meets a negative code: the sparse statistics hold only for non-negative codes. */
export class NegativeCode extends Error {}

/** Rows per encoded block: the dense rows × m block takes at most 1/16 of the working set (at least one row). */
export function encodeBlockRows(m: number, d: number): number {
  return Math.max(1, Math.floor(workingSetBytes(1 / 16) / (4 * Math.max(m, d))));
}

/** The non-zeros of a dense rows × m block, in row order; negative values throw NegativeCode. */
export function sparsify(f: Float32Array, rows: number, m: number, first: number): SparseBlock {
  const rowPtr = new Int32Array(rows + 1);
  let cap = Math.max(1024, rows * 32);
  let feat = new Int32Array(cap);
  let vals = new Float32Array(cap);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * m;
    for (let j = 0; j < m; j++) {
      const v = f[off + j]!;
      if (v === 0) continue; // ±0: an inactive feature
      if (!(v > 0)) throw new NegativeCode(`feature ${j} is ${v} on row ${first + r}`);
      if (n === cap) {
        cap *= 2;
        const nf = new Int32Array(cap);
        nf.set(feat);
        feat = nf;
        const nv = new Float32Array(cap);
        nv.set(vals);
        vals = nv;
      }
      feat[n] = j;
      vals[n++] = v;
    }
    rowPtr[r + 1] = n;
  }
  return { first, rows, rowPtr, feat: feat.slice(0, n), vals: vals.slice(0, n) };
}

/**
 * Encodes the harvest once per `pass()` call and yields sparse blocks. While the non-zeros seen so far fit
 * `keepBytes`, they are kept, and a later pass replays them without encoding.
 */
export class SparseCodes {
  private kept: SparseBlock[] | null = [];
  private keptBytes = 0;
  private encodedOnce = false;
  constructor(
    private readonly db: Db,
    private readonly harvestId: number,
    private readonly basis: Encoder,
    private readonly ctx: JobContext | null,
    private readonly keepBytes = workingSetBytes(0.25),
  ) {}

  /** Whether the next pass replays kept non-zeros (no encoding). */
  get replays(): boolean {
    return this.encodedOnce && this.kept !== null;
  }

  async *pass(): AsyncGenerator<SparseBlock> {
    if (this.replays) {
      for (const b of this.kept!) {
        this.ctx?.throwIfCancelled();
        yield b;
      }
      return;
    }
    const d = this.basis.dim;
    const m = this.basis.nFeatures;
    const blockRows = Math.min(encodeBlockRows(m, d), this.basis.blockRows ?? Infinity);
    const keep = !this.encodedOnce;
    for (const chunk of streamChunks(this.db, this.harvestId)) {
      for (let r = 0; r < chunk.rowCount; r += blockRows) {
        this.ctx?.throwIfCancelled();
        const n = Math.min(blockRows, chunk.rowCount - r);
        const f = await this.basis.encode(chunk.data.subarray(r * d, (r + n) * d), n);
        const block = sparsify(f, n, m, chunk.firstRow + r);
        if (keep && this.kept) {
          this.keptBytes += block.feat.byteLength + block.vals.byteLength + block.rowPtr.byteLength;
          if (this.keptBytes <= this.keepBytes) this.kept.push(block);
          else this.kept = null; // too many non-zeros to keep: the next pass encodes again
        }
        yield block;
      }
    }
    this.encodedOnce = true;
  }
}
