// Tensor component analysis (#15): starting a rank sweep, everything checked against the harvest before the job is
// written (a harvest not recorded at all positions, ranks beyond its width, an unfinished harvest); reading a sweep's
// diagnostics with one rank's factors for the TCA panel.
import type { z } from 'zod';
import type { tcaMethods, TcaFactors, TcaResults, TcaSweepResult } from '../api/schemas/tca';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UserError } from '../errors';
import { inspectModel } from '../onnx/inspect';
import { checkSeriesShapes, composeSeries } from '../tca/series';
import type { Lab } from './lab';
import type { JobManager } from '../jobs/manager';
import type { Db } from '../store/project';
import { readRowMeta } from '../store/activations';
import * as repo from '../store/repo';
import { getSweepFactors } from '../store/tca';

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

function rows(data: Float32Array, n: number, width: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)));
}

/** A sweep's diagnostics and, for `rank` (default: the lowest rank stored so far), the best fit's factors, with each
 * stimulus's label for colouring the stimulus factor. */
export function getTcaSweep(db: Db, p: z.output<(typeof tcaMethods)['tca.get']>): TcaResults['tca.get'] {
  const job = repo.getJob(db, p.jobId);
  if (job.kind !== 'tca-sweep') throw new UserError('tca.not-a-sweep', `Job ${p.jobId} is a ${job.kind} job, not a TCA rank sweep.`);
  const params = job.params as SweepParams;
  const swept = (db.prepare('SELECT rank FROM tca_sweep_factors WHERE job_id = ? ORDER BY rank').all(p.jobId) as { rank: number }[]).map((r) => r.rank);
  const sweep = (job.result as TcaSweepResult | null) ?? { harvestId: params.harvestId, dim: 0, positions: 0, stimuli: 0, nonneg: params.nonneg, restarts: params.restarts, ranks: [] };
  const rank = p.rank ?? swept[0];
  let factors: TcaFactors | null = null;
  if (rank !== undefined) {
    const f = getSweepFactors(db, p.jobId, rank);
    factors = {
      rank: f.rank,
      error: f.error,
      weights: Array.from(f.weights),
      units: rows(f.units, f.rank, f.dim),
      positions: rows(f.positionFactors, f.rank, f.positions),
      stimuli: rows(f.stimulusFactors, f.rank, f.stimuli),
    };
  }
  const h = repo.getHarvest(db, params.harvestId);
  const stimuli = factors?.stimuli[0]?.length ?? 0;
  const meta = readRowMeta(db, h.id, Array.from({ length: stimuli }, (_, s) => s * h.rowsPerItem));
  const labels = Array.from({ length: stimuli }, (_, s) => meta.get(s * h.rowsPerItem)?.label ?? null);
  const labelNames = h.stimulusSetId ? repo.getStimulusSet(db, h.stimulusSetId).labelNames : null;
  const series = (h.params.checkpointSeries as { checkpoints?: string[] } | undefined)?.checkpoints ?? null;
  const middle = series ? { kind: 'checkpoint' as const, names: series } : { kind: 'position' as const, names: null };
  return { jobId: job.id, status: job.status, sweep, factors, labels, labelNames, middle };
}

/** Every checkpoint's tensor shape, read from the files alone (nothing written): one sentence when they differ. */
export async function checkSeriesFiles(modelPaths: string[], tensor: string): Promise<string[]> {
  const files = await Promise.all(
    modelPaths.map(async (path) => {
      const abs = resolve(path);
      if (!existsSync(abs)) throw new UserError('tca.series-missing', `There is no checkpoint at ${abs}.`);
      const ins = await inspectModel(new Uint8Array(readFileSync(abs)));
      return { name: basename(abs), tensors: [...ins.intermediates, ...ins.outputs] };
    }),
  );
  checkSeriesShapes(files, tensor);
  return files.map((f) => f.name);
}

/** Checks every file's tensor shape before anything is written, then harvests each checkpoint (one row per stimulus)
 * and composes the series harvest: units × checkpoints × stimuli. */
export async function harvestCheckpointSeries(lab: Lab, p: z.output<(typeof tcaMethods)['tca.series']>): Promise<TcaResults['tca.series']> {
  const names = await checkSeriesFiles(p.modelPaths, p.tensor);
  repo.getStimulusSet(lab.database, p.stimulusSetId);
  const ids: number[] = [];
  for (const path of p.modelPaths) {
    const model = await lab.openModel({ path });
    const h = lab.startHarvest({ modelId: model.id, stimulusSetId: p.stimulusSetId, tensors: [p.tensor], positions: 'centre' });
    const job = await lab.jobs.wait(h.jobId);
    if (job.status !== 'done') throw new UserError('tca.series-harvest', `Recording ${p.tensor} of ${basename(path)} ${job.status}: ${job.error ?? ''}`.trim());
    ids.push(h.harvestIds[0]!);
  }
  return { harvestId: composeSeries(lab.database, ids, names), checkpointHarvestIds: ids };
}
