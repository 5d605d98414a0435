// Receptive fields (#11): starting a reverse-correlation run (everything checked before anything is written),
// listing runs and reading one back. The job itself lives in revcorr/job.ts.
import type { z } from 'zod';
import type { revcorrMethods, RevcorrResults } from '../api/schemas/revcorr';
import { UserError } from '../errors';
import type { JobManager } from '../jobs/manager';
import { validateEstimate, type RevcorrParams } from '../revcorr/estimate';
import { basisResponseStream, harvestResponseStream, harvestStimulusStream, loadStoredBasis, mappableHarvest } from '../revcorr/sources';
import { getBasis } from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { getRevcorrRun, insertRevcorrRun, listRevcorrRuns, revcorrResults, setRevcorrJob } from '../store/revcorr';

type StartParams = z.output<(typeof revcorrMethods)['revcorr.start']>;

export async function startRevcorr(db: Db, jobs: JobManager, p: StartParams): Promise<RevcorrResults['revcorr.start']> {
  const byBasis = p.basisId !== undefined;
  if (byBasis === (p.units !== undefined) || (byBasis && !p.features) || (!byBasis && p.features)) {
    throw new UserError('revcorr.target', 'Map either units of a harvest (units) or features of a basis (basisId with features), not both.');
  }
  const h = mappableHarvest(db, p.harvestId);
  const stimuli = await harvestStimulusStream(db, h);
  let responses;
  if (byBasis) {
    const rec = getBasis(db, p.basisId!);
    const basisHarvest = repo.getHarvest(db, rec.harvestId);
    if (basisHarvest.tensor !== h.tensor || basisHarvest.modelId !== h.modelId) {
      throw new UserError('revcorr.basis-harvest', `Basis ${rec.id} was fitted to ${basisHarvest.tensor} of ${basisHarvest.modelName}, but harvest ${h.id} records ${h.tensor} of ${h.modelName}; map it over a harvest of the same layer.`);
    }
    responses = basisResponseStream(db, h, loadStoredBasis(db, rec.id), rec.id, p.features!);
  } else {
    responses = harvestResponseStream(db, h, p.units!);
  }
  const params: RevcorrParams = {};
  if (p.transform) params.transform = p.transform;
  if (p.nulls !== undefined) params.nulls = p.nulls;
  if (p.seed !== undefined) params.seed = p.seed;
  if (p.maxAxes !== undefined) params.maxAxes = p.maxAxes;
  if (p.lambdas) params.lambdas = p.lambdas;
  validateEstimate(p.estimator, stimuli, responses, params);
  const units = byBasis ? p.features! : p.units!;
  const what = byBasis ? `basis ${p.basisId} · ${units.length} feature(s)` : `harvest ${h.id} · ${units.length} unit(s)`;
  const { runId, jobId } = db.transaction(() => {
    const id = insertRevcorrRun(db, { jobId: null, harvestId: h.id, basisId: p.basisId ?? null, estimator: p.estimator, units, params, itemShape: [...stimuli.itemShape] });
    const job = repo.insertJob(db, 'revcorr', `Receptive fields · ${p.estimator.toUpperCase()} · ${what} · ${h.rowsDone.toLocaleString('en-US')} stimuli`, { runId: id });
    setRevcorrJob(db, id, job);
    return { runId: id, jobId: job };
  })();
  void jobs.run(jobId);
  return { jobId, runId };
}

export function listRuns(db: Db): RevcorrResults['revcorr.list'] {
  return listRevcorrRuns(db);
}

export function getRun(db: Db, runId: number): RevcorrResults['revcorr.get'] {
  const run = getRevcorrRun(db, runId);
  return {
    run,
    results: revcorrResults(db, runId).map((r) => ({ position: r.position, unit: r.unit, name: r.name, filter: Array.from(r.filter), z: r.z ? Array.from(r.z) : null, detail: r.detail })),
  };
}
