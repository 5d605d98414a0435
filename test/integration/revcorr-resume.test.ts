// The revcorr job's progress, cancel and resume (#11), through the real job machinery (worker thread, SQLite
// checkpoints): an STC run over 40,000 white-noise images is cancelled after its estimator has checkpointed, resumed
// with `resumeJob`, and must end with exactly the spectrum and axes of an uninterrupted run of the same request.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventName, Events, JobInfo } from '../../main/api/contract';
import type { RevcorrResults } from '../../main/api/schemas/revcorr';
import { createRouter } from '../../main/api/router';
import type { RevcorrJobResult } from '../../main/revcorr/job';
import { Lab } from '../../main/services/lab';
import { tempDir } from '../helpers/fixtures';
import { harvest, writePlantedModel } from './revcorr-helpers';

const waiters: ((j: JobInfo) => void)[] = [];
const lab = new Lab(<E extends EventName>(event: E, payload: Events[E]) => {
  if (event === 'job') for (const w of waiters) w(payload as JobInfo);
});
const router = createRouter(lab, 'direct');
const dir = tempDir('cajal-revcorr-resume-');
let energy = 0;

before(async () => {
  lab.openProject({ path: join(dir, 'resume.cajal'), create: true });
  const noise = { kind: 'noise', distribution: 'gaussian', count: 40000, itemShape: [1, 28, 28], seed: 8, mean: 0, std: 1 };
  [energy] = await harvest(lab, router, writePlantedModel(dir), ['energy'], noise);
});
after(() => lab.shutdown());

test('STC job: progress with a rate, cancel after a checkpoint, resume to the uninterrupted result', { timeout: 600_000 }, async () => {
  const request = { harvestId: energy, units: [0], estimator: 'stc', nulls: 8, maxAxes: 3 };
  const started = (await router.call('revcorr.start', request)) as RevcorrResults['revcorr.start'];
  // 40,000 rows in chunks of 2,048: the estimator checkpoints after chunk 16 (32,768 rows, 82% of its pass, 70% of
  // the bar); cancel once the bar is past that.
  const measured = await new Promise<JobInfo>((resolve) => {
    waiters.push((j) => {
      if (j.id === started.jobId && ((j.status === 'running' && j.progress > 0.72) || !['running', 'queued'].includes(j.status))) resolve(j);
    });
  });
  assert.equal(measured.status, 'running');
  assert.ok(measured.rate! > 0 && measured.rateUnit === 'rows', `rate ${measured.rate} ${measured.rateUnit}`);
  assert.equal(lab.jobs.cancel(started.jobId), true);
  const cancelled = await lab.jobs.wait(started.jobId);
  waiters.length = 0;
  assert.equal(cancelled.status, 'cancelled', cancelled.error ?? '');
  await lab.resumeJob(started.jobId);
  const resumedJob = await lab.jobs.wait(started.jobId);
  assert.equal(resumedJob.status, 'done', resumedJob.error ?? '');
  assert.equal((resumedJob.result as RevcorrJobResult).resumedFromRow, 16 * 2048, 'resumed from the checkpoint, not from row 0');
  const resumed = (await router.call('revcorr.get', { runId: started.runId })) as RevcorrResults['revcorr.get'];

  const again = (await router.call('revcorr.start', request)) as RevcorrResults['revcorr.start'];
  assert.equal((await lab.jobs.wait(again.jobId)).status, 'done');
  const whole = (await router.call('revcorr.get', { runId: again.runId })) as RevcorrResults['revcorr.get'];
  assert.deepEqual(resumed.results[0]!.filter, whole.results[0]!.filter);
  assert.deepEqual(resumed.results[0]!.detail.stc, whole.results[0]!.detail.stc);
  assert.equal((resumed.results[0]!.detail.stc as { axes: unknown[] }).axes.length, 2);
});
