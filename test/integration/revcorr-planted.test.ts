// Acceptance for receptive-field mapping (#11) on planted ground truth, end to end: a network built as ONNX in the
// test, harvested by the real harvest job over white noise and MNIST into a real project file, mapped by the revcorr
// job through the router. ON/OFF LN units: STA ≈ ±filter; on MNIST ridge beats the plain STA; an energy unit: STA
// ≈ 0 while STC's two significant excitatory axes span the planted quadrature pair; and the STC job's progress, cancel
// and resume, which must end with exactly the spectrum and axes of the uninterrupted run the energy test reads (one
// harvest of 40,000 images and one uninterrupted STC serve both).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventName, Events, JobInfo } from '../../main/api/contract';
import type { RevcorrResults } from '../../main/api/schemas/revcorr';
import { createRouter } from '../../main/api/router';
import type { RevcorrJobResult } from '../../main/revcorr/job';
import { Lab } from '../../main/services/lab';
import { tempDir } from '../helpers/fixtures';
import { corr, D, harvest, planted, principalCosines, revcorr, writePlantedModel } from './revcorr-helpers';

const dir = tempDir('cajal-revcorr-');
const waiters: ((j: JobInfo) => void)[] = [];
const lab = new Lab(<E extends EventName>(event: E, payload: Events[E]) => {
  if (event === 'job') for (const w of waiters) w(payload as JobInfo);
});
const router = createRouter(lab, 'direct');
let model = '';
let lnNoise = 0;
let energyNoise = 0;

before(async () => {
  lab.openProject({ path: join(dir, 'revcorr.cajal'), create: true });
  model = writePlantedModel(dir);
  const noise = { kind: 'noise', distribution: 'gaussian', count: 20000, itemShape: [1, 28, 28], seed: 7, mean: 0, std: 1 };
  [lnNoise] = await harvest(lab, router, model, ['ln'], noise);
  // STC estimates a 784 × 784 covariance: 40,000 images keep its sampling noise well under the planted eigenvalues.
  [energyNoise] = await harvest(lab, router, model, ['energy'], { ...noise, count: 40000, seed: 8 });
});
after(() => lab.shutdown());

// The energy unit's STC, uninterrupted: run once, on first use, by whichever of the two tests reading it comes first.
const STC = { units: [0], estimator: 'stc', nulls: 8, maxAxes: 4 };
let stcRun: Promise<RevcorrResults['revcorr.get']> | undefined;
const uninterruptedStc = () => (stcRun ??= revcorr(lab, router, { harvestId: energyNoise, ...STC }));

test('planted LN units over 20,000 white-noise images: STA ≈ filter (r ≥ 0.95), the OFF unit with the negative sign; z map peaks on the filter', async () => {
  const got = await revcorr(lab, router, { harvestId: lnNoise, units: [0, 1], estimator: 'sta', transform: { kind: 'rectified' }, nulls: 20 });
  assert.equal(got.results.length, 2);
  const rOn = corr(got.results[0]!.filter, planted.on);
  const rOff = corr(got.results[1]!.filter, planted.on);
  console.log(`STA r(ON, filter) = ${rOn.toFixed(4)}, r(OFF, filter) = ${rOff.toFixed(4)}`);
  assert.ok(rOn >= 0.95, `ON r = ${rOn}`);
  assert.ok(rOff <= -0.95, `OFF r = ${rOff}`);
  // The z map: the strongest pixels of the filter are far beyond the null; pixels off the filter are not.
  const z = got.results[0]!.z!;
  const peak = planted.on.indexOf(Math.max(...planted.on));
  assert.ok(z[peak]! > 10, `z at the filter's peak ${z[peak]}`);
  const corner = z.slice(0, 3);
  assert.ok(corner.every((v) => Math.abs(v) < 5), `z far from the filter ${Array.from(corner)}`);
  // Nonlinearity: rectifying, so the LN model explains most of the held-out variance.
  const nl = got.results[0]!.detail.nonlinearity as { means: number[]; heldOutEv: number };
  console.log(`LN held-out EV (ON unit, STA filter) = ${nl.heldOutEv.toFixed(3)}`);
  assert.ok(nl.heldOutEv > 0.8, `held-out EV ${nl.heldOutEv}`);
  assert.ok(nl.means[0]! < 0.05 && nl.means[nl.means.length - 1]! > 1, 'flat at zero on the left, rising on the right');
});

test('on MNIST the ridge receptive field matches the planted filter clearly better than the plain STA', async () => {
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1 / 255, mean: [0], std: [1], layout: 'NCHW' };
  const [mnist] = await harvest(lab, router, model, ['ln'], { kind: 'mnist', offset: 0, count: 10000, recipe });
  const sta = await revcorr(lab, router, { harvestId: mnist, units: [2], estimator: 'sta', nulls: 0 });
  const ridge = await revcorr(lab, router, { harvestId: mnist, units: [2], estimator: 'ridge' });
  const rSta = corr(sta.results[0]!.filter, planted.fine);
  const rRidge = corr(ridge.results[0]!.filter, planted.fine);
  console.log(`MNIST: r(STA, filter) = ${rSta.toFixed(4)}, r(ridge, filter) = ${rRidge.toFixed(4)}, λ = ${String(ridge.results[0]!.detail.lambda)}`);
  assert.ok(rRidge >= 0.8, `ridge r = ${rRidge}`);
  assert.ok(rRidge - rSta >= 0.2, `ridge ${rRidge} vs STA ${rSta}`);
});

test('planted energy unit: |STA r| < 0.2 with either filter; STC finds two significant excitatory axes spanning the pair (cosines ≥ 0.9)', async () => {
  const sta = await revcorr(lab, router, { harvestId: energyNoise, units: [0], estimator: 'sta', nulls: 0 });
  const r1 = corr(sta.results[0]!.filter, planted.q1);
  const r2 = corr(sta.results[0]!.filter, planted.q2);
  console.log(`energy unit: STA r(q1) = ${r1.toFixed(4)}, r(q2) = ${r2.toFixed(4)}`);
  assert.ok(Math.abs(r1) < 0.2 && Math.abs(r2) < 0.2);
  const stc = await uninterruptedStc();
  const detail = stc.results[0]!.detail.stc as { values: number[]; nullHigh: number[]; nullLow: number[]; axes: { sign: string; value: number; vector: number[]; band: number[] }[] };
  const exc = detail.axes.filter((a) => a.sign === 'excitatory');
  console.log(`STC axes: ${detail.axes.map((a) => `${a.sign} ${a.value.toFixed(3)} (null ${a.band.map((v) => v.toFixed(3)).join('..')})`).join('; ')}`);
  assert.equal(exc.length, 2, 'exactly two significant excitatory axes');
  const cos = principalCosines([planted.q1, planted.q2], exc.map((a) => a.vector));
  console.log(`principal-angle cosines: ${cos.map((c) => c.toFixed(4)).join(', ')}`);
  assert.ok(cos.every((c) => c >= 0.9), `cosines ${cos}`);
  assert.equal(detail.values.length, D);
  assert.ok(detail.values[2]! <= detail.nullHigh[2]! * 1.5, 'the third eigenvalue sits near the null band');
});

test('STC job: progress with a rate, cancel after a checkpoint, resume to the uninterrupted result', { timeout: 600_000 }, async () => {
  const request = { harvestId: energyNoise, ...STC };
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

  const whole = await uninterruptedStc();
  assert.deepEqual(resumed.results[0]!.filter, whole.results[0]!.filter);
  assert.deepEqual(resumed.results[0]!.detail.stc, whole.results[0]!.detail.stc);
  assert.equal((resumed.results[0]!.detail.stc as { axes: unknown[] }).axes.length, 2);
});

test('bad input is one sentence and writes nothing: a unit out of range, an unknown estimator target', async () => {
  const before = (await router.call('revcorr.list', {})) as unknown[];
  await assert.rejects(router.call('revcorr.start', { harvestId: lnNoise, units: [5], estimator: 'sta' }), (e: Error) => e.message === 'Harvest 1 has 3 units (0 to 2); 5 is out of range.');
  await assert.rejects(router.call('revcorr.start', { harvestId: lnNoise, units: [0], basisId: 1, features: [0], estimator: 'sta' }), (e: Error) => /either units/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(router.call('revcorr.start', { harvestId: 99, units: [0], estimator: 'sta' }), (e: Error) => e.message === 'There is no harvest 99 in this project.');
  await assert.rejects(router.call('revcorr.start', { harvestId: energyNoise, units: [0], estimator: 'stc', nulls: 1 }), (e: Error) => /from 2 to 200 null/.test(e.message));
  assert.equal(((await router.call('revcorr.list', {})) as unknown[]).length, before.length);
});
