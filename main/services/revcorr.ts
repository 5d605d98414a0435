// Receptive fields (#11): starting a reverse-correlation run (everything checked before anything is written),
// listing runs and reading one back. The job itself lives in revcorr/job.ts.
import type { z } from 'zod';
import type { revcorrMethods, RevcorrResults } from '../api/schemas/revcorr';
import { UserError } from '../errors';
import type { JobManager } from '../jobs/manager';
import { validateEstimate, type RevcorrParams } from '../revcorr/estimate';
import type { ResponseStream, StimulusStream } from '../revcorr/types';
import { basisResponseStream, harvestResponseStream, harvestStimulusStream, loadStoredBasis, mappableHarvest } from '../revcorr/sources';
import { getBasis } from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { getRevcorrRun, insertRevcorrRun, listRevcorrRuns, revcorrResults, setRevcorrJob } from '../store/revcorr';
import { recordingOfHarvest } from '../store/recordings'; // recordings (#11 item 4)
import { recordingStreams } from '../recordings/revcorr'; // recordings (#11 item 4)

type StartParams = z.output<(typeof revcorrMethods)['revcorr.start']>;

export async function startRevcorr(db: Db, jobs: JobManager, p: StartParams): Promise<RevcorrResults['revcorr.start']> {
  const byBasis = p.basisId !== undefined;
  if (byBasis === (p.units !== undefined) || (byBasis && !p.features) || (!byBasis && p.features)) {
    throw new UserError('revcorr.target', 'Map either units of a harvest (units) or features of a basis (basisId with features), not both.');
  }
  // recordings (#11 item 4): a recording's harvest replays its frames with L lags; a network's stimuli have no time.
  const rec = recordingOfHarvest(db, p.harvestId);
  if (rec && byBasis) throw new UserError('recording.basis', `Harvest ${p.harvestId} holds the cells of recording ${rec.id}; map its cells, not basis features.`);
  if (!rec && p.lags !== undefined && p.lags !== 1) throw new UserError('revcorr.lags', 'Lags apply to recorded neurons (frames in time); a network\'s stimuli are independent images, so map them without lags.');
  const h = rec ? repo.getHarvest(db, p.harvestId) : mappableHarvest(db, p.harvestId);
  const { stimuli, responses } = rec ? recordingStreams(db, rec, p.units ?? [], p.lags ?? 1) : await networkStreams(db, h, p);
  const params: RevcorrParams = {};
  if (p.transform) params.transform = p.transform;
  if (p.nulls !== undefined) params.nulls = p.nulls;
  if (p.seed !== undefined) params.seed = p.seed;
  if (p.maxAxes !== undefined) params.maxAxes = p.maxAxes;
  if (p.lambdas) params.lambdas = p.lambdas;
  if (rec) params.lags = p.lags ?? 1; // recordings (#11 item 4)
  validateEstimate(p.estimator, stimuli, responses, params);
  const units = byBasis ? p.features! : p.units!;
  const what = rec ? `recording ${rec.id} · ${units.length} cell(s) · ${p.lags ?? 1} lag(s)` : byBasis ? `basis ${p.basisId} · ${units.length} feature(s)` : `harvest ${h.id} · ${units.length} unit(s)`;
  const { runId, jobId } = db.transaction(() => {
    const id = insertRevcorrRun(db, { jobId: null, harvestId: h.id, basisId: p.basisId ?? null, estimator: p.estimator, units, params, itemShape: [...stimuli.itemShape] });
    const job = repo.insertJob(db, 'revcorr', `Receptive fields · ${p.estimator.toUpperCase()} · ${what} · ${h.rowsDone.toLocaleString('en-US')} stimuli`, { runId: id });
    setRevcorrJob(db, id, job);
    return { runId: id, jobId: job };
  })();
  void jobs.run(jobId);
  return { jobId, runId };
}

/** A harvest's units, or a basis's features over that harvest, replayed with the harvest's stimulus set. */
async function networkStreams(db: Db, h: repo.HarvestRecord, p: StartParams): Promise<{ stimuli: StimulusStream; responses: ResponseStream }> {
  const stimuli = await harvestStimulusStream(db, h);
  if (p.basisId === undefined) return { stimuli, responses: harvestResponseStream(db, h, p.units!) };
  const rec = getBasis(db, p.basisId);
  const basisHarvest = repo.getHarvest(db, rec.harvestId);
  if (basisHarvest.tensor !== h.tensor || basisHarvest.modelId !== h.modelId) {
    throw new UserError('revcorr.basis-harvest', `Basis ${rec.id} was fitted to ${basisHarvest.tensor} of ${basisHarvest.modelName}, but harvest ${h.id} records ${h.tensor} of ${h.modelName}; map it over a harvest of the same layer.`);
  }
  return { stimuli, responses: basisResponseStream(db, h, loadStoredBasis(db, rec.id), rec.id, p.features!) };
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
