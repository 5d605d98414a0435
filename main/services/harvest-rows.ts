// The rows a new harvest request writes, shared by image harvests (harvests.ts) and text harvests (text-harvest.ts):
// one harvest job and one harvest row per tensor, in one transaction, the job's params naming its harvests so the same
// request finds and resumes them after an interruption.
import type { Params } from '../api/contract';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

// A chunk holds about a million values (4 MB as float32), at most 16,384 rows: the unit of commit and of resume.
export const DEFAULT_CHUNK_VALUES = 1 << 20;
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
