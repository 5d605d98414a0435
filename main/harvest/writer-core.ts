// The writing end of a harvest: commits each chunk (one per tapped tensor, with its row counts, in one transaction, so
// the chunk stays the unit of resume) and folds it into the unit statistics, in commit order. The same code runs on
// the job thread (pipelining off) or on the harvest's writer thread (writer.ts), so both give the same bytes.
import type { UnitStats } from './types';
import { commitChunks, encodeForStorage, streamChunks, type ActivationStorage, type Float16Scratch } from '../store/activations';
import { keepBlobCopiesResident } from '../store/blob-memory';
import type { Db } from '../store/project';
import { loadHalfKernel } from '../store/float16-simd';
import { UnitStatsAccumulator } from './unit-stats';
import { loadFoldKernel } from './unit-stats-simd';

export interface WriterTarget {
  harvestId: number;
  dim: number;
  storage: ActivationStorage;
}

/** One step of a harvest: a chunk per target, all with the same chunk index. */
export interface ChunkStep {
  chunkIndex: number;
  parts: {
    firstRow: number;
    rowCount: number;
    /** At least rowCount × dim values; only the first rowCount rows are written. */
    data: Float32Array;
    /** [stimulus, label, posY, posX] per row. */
    meta: Int32Array;
  }[];
}

/** The largest chunk a target commits: its rows' values as stored plus their int32 metadata (4 per row). */
function chunkBlobBytes(db: Db, t: WriterTarget): number {
  const rows = (db.prepare('SELECT chunk_rows FROM harvests WHERE id = ?').get(t.harvestId) as { chunk_rows: number } | undefined)?.chunk_rows ?? 0;
  return rows * (t.dim * (t.storage === 'float16' ? 2 : 4) + 16);
}

export class WriterCore {
  private readonly stats: UnitStatsAccumulator[];
  /** #14: float16 halves and rounded values, one pair of buffers per target, reused chunk after chunk. */
  private readonly scratch: Float16Scratch[];

  /** `resume`: the harvest already has committed chunks, whose statistics are read back first (same chunks, same order). */
  constructor(
    private readonly db: Db,
    private readonly targets: WriterTarget[],
    resume: boolean,
  ) {
    this.scratch = targets.map(() => ({}));
    // #14: the WebAssembly kernels of the fold and of float16 rounding are built here, as the writer starts (which
    // overlaps loading the model), not on the first chunk: about 1.4 ms each on a fresh thread.
    loadFoldKernel();
    if (targets.some((t) => t.storage === 'float16')) loadHalfKernel();
    keepBlobCopiesResident(db, Math.max(...targets.map((t) => chunkBlobBytes(db, t))));
    this.stats = targets.map((t) => {
      const acc = new UnitStatsAccumulator(t.dim);
      if (resume) for (const c of streamChunks(db, t.harvestId)) acc.add(c.data, c.rowCount);
      return acc;
    });
  }

  write(step: ChunkStep): void {
    const pending = this.targets.map((t, k) => {
      const part = step.parts[k]!;
      // float16 storage rounds here, once, so the unit statistics and a resumed run see exactly what is stored.
      const { values, encoded } = encodeForStorage(part.data.subarray(0, part.rowCount * t.dim), t.storage, this.scratch[k]);
      return {
        harvestId: t.harvestId,
        chunkIndex: step.chunkIndex,
        firstRow: part.firstRow,
        rowCount: part.rowCount,
        data: values,
        meta: part.meta,
        storage: t.storage,
        encoded,
      };
    });
    commitChunks(this.db, pending);
    for (let k = 0; k < pending.length; k++) this.stats[k]!.add(pending[k]!.data, pending[k]!.rowCount);
  }

  result(): UnitStats[][] {
    return this.stats.map((s) => s.result());
  }
}
