// Tensor component analysis (#15): starting a rank sweep, everything checked against the harvest before the job is
// written (a harvest not recorded at all positions, ranks beyond its width, an unfinished harvest).
import type { z } from 'zod';
import type { tcaMethods, TcaResults } from '../api/schemas/tca';
import { UserError } from '../errors';
import type { JobManager } from '../jobs/manager';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

type SweepParams = z.output<(typeof tcaMethods)['tca.sweep']>;

/** One sentence when a harvest is not a units × positions × stimuli tensor (shared with bases.fit's check). */
export function checkTensorHarvest(db: Db, harvestId: number): repo.HarvestRecord {
  const h = repo.getHarvest(db, harvestId);
  if (h.status !== 'done') throw new UserError('basis.harvest-unfinished', `Harvest ${harvestId} is ${h.status}; TCA decomposes finished harvests.`);
  if (h.positions !== 'all' || h.rowsPerItem < 2) {
    throw new UserError('tca.positions', `Harvest ${harvestId} has one row per stimulus (positions: ${h.positions}), but TCA needs a harvest recorded at all positions, a units × positions × stimuli tensor.`);
  }
  return h;
}

export function startTcaSweep(db: Db, jobs: JobManager, p: SweepParams): TcaResults['tca.sweep'] {
  const h = checkTensorHarvest(db, p.harvestId);
  const tooBig = p.ranks.find((r) => r > h.dim);
  if (tooBig !== undefined) throw new UserError('tca.rank', `Harvest ${h.id} has ${h.dim} units, so a rank of ${tooBig} is beyond what its unit factors can span; sweep ranks up to ${h.dim}.`);
  const ranks = [...new Set(p.ranks)].sort((a, b) => a - b);
  const title = `TCA rank sweep ${ranks[0]}–${ranks[ranks.length - 1]}${p.nonneg ? ' (non-negative)' : ''} · harvest ${h.id}`;
  const jobId = repo.insertJob(db, 'tca-sweep', title, { ...p, ranks });
  void jobs.run(jobId);
  return { jobId };
}
