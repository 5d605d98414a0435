// The rows a new harvest request writes, shared by image harvests (harvests.ts) and text harvests (text-harvest.ts):
// one harvest job and one harvest row per tensor, in one transaction, the job's params naming its harvests so the same
// request finds and resumes them after an interruption.
import type { Params } from '../api/contract';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

// A chunk holds about a quarter of a million values (1 MB as float32), at most 16,384 rows: the unit of commit and of
// resume. #14: it held a million (4 MB) until 2026-12-07. A harvest job's memory is fresh (each job and its writer
// start a thread), and on the 2-core VM fresh memory costs a page fault per 4 KiB at about 10 µs — 11–14 ms for a new
// 4 MB buffer against 0.2 ms to fill it again — so the first chunk buffers the job fills and SQLite's copies of the
// first commits cost more than the bundled MLP's model runs. Harvests of its 10,000 digits alternating (10 rounds,
// seeded order; median / best, stimuli/s): 4,096-row chunks 142,700 / 171,800, 1,024 rows 203,300 / 230,900, 512
// rows 191,900 / 210,400, 256 rows 144,200 / 171,000; the CIFAR conv map at all positions (6,000 stimuli, 5 rounds)
// 4,699 / 5,231 at 16,272 rows (1.5 MB) and 4,645 / 5,564 at 10,800 (1 MB): no change. Readers stream chunks one at
// a time either way.
export const DEFAULT_CHUNK_VALUES = 1 << 18;
export const MAX_CHUNK_ROWS = 16384;

/** One tensor's harvest row: its shape per item and how its rows are laid out. */
export type PlannedHarvest = Pick<Parameters<typeof repo.insertHarvest>[1], 'tensor' | 'tensorShape' | 'positions' | 'dim' | 'rowsPerItem' | 'chunkRows'>;

export function insertHarvestJob(
  db: Db,
  o: {
    title: string;
    request: Params<'harvests.start'>;
    modelId: number;
    stimulusSetId: number;
    itemsExpected: number;
    /** Kept with each harvest: the request and whatever else its job needs to run and resume. */
    params: Record<string, unknown>;
    tensors: PlannedHarvest[];
  },
): { jobId: number; harvestIds: number[]; resumedFromRow: null } {
  const { request } = o;
  return db.transaction(() => {
    const jobId = repo.insertJob(db, 'harvest', o.title, { request, harvestIds: [] as number[], batchSize: request.batchSize });
    const harvestIds = o.tensors.map((t) =>
      repo.insertHarvest(db, { ...t, modelId: o.modelId, stimulusSetId: o.stimulusSetId, jobId, source: 'model', itemsExpected: o.itemsExpected, params: o.params }),
    );
    repo.setJobParams(db, jobId, { request, harvestIds, batchSize: request.batchSize });
    return { jobId, harvestIds, resumedFromRow: null };
  })();
}
