// A checkpoint series written by the lab's training engine decomposes (#15): three snapshots of an MLP trained on
// MNIST by main/train (one ONNX training graph per step) are recorded at their hidden layer over the same digits and
// composed into a units × checkpoints × stimuli harvest; tca-sweep and a tca basis fit read it. A snapshot of another
// width is refused in one sentence before anything is written, by the API and by `cajal harvest-series`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TcaResults } from '../../main/api/schemas/tca';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { readRowRange } from '../../main/store/activations';
import { trainSeries, type SeriesSnapshot } from '../../main/tca/train-series';
import { fileDigest, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const dir = tempDir('cajal-tca-series-');
const STIMULI = 120;
const lab = new Lab(() => undefined);
const call = createRouter(lab, 'direct').call;
let series: SeriesSnapshot[] = [];
let other: SeriesSnapshot[] = [];
let setId = 0;

before(async () => {
  series = await trainSeries({ outDir: join(dir, 'ckpt'), hidden: 24, steps: 90, snapshots: 3, seed: 1 });
  other = await trainSeries({ outDir: join(dir, 'other'), hidden: 16, steps: 10, snapshots: 1, seed: 2 });
  lab.openProject({ path: join(dir, 'series.cajal'), create: true });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1 / 255, mean: [0], std: [1], layout: 'NCHW' };
  setId = ((await call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: STIMULI, recipe } })) as { id: number }).id;
});
after(async () => lab.shutdown());

test('the training engine writes snapshots whose loss falls', () => {
  assert.equal(series.length, 3);
  assert.deepEqual(series.map((s) => s.step), [30, 60, 90]);
  assert.ok(series[2]!.loss < series[0]!.loss, `losses ${series.map((s) => s.loss)}`);
});

test('a checkpoint series of three snapshots decomposes: units × checkpoints × stimuli', async () => {
  const r = (await call('tca.series', { modelPaths: series.map((s) => s.path), tensor: 'hidden', stimulusSetId: setId })) as TcaResults['tca.series'];
  assert.equal(r.checkpointHarvestIds.length, 3);
  // Stimulus s of the series holds checkpoint k's row of that stimulus at row s·3 + k.
  const db = lab.database;
  const x = readRowRange(db, r.harvestId, 0, STIMULI * 3, 24);
  for (const [k, h] of r.checkpointHarvestIds.entries()) {
    const own = readRowRange(db, h, 0, STIMULI, 24);
    for (const s of [0, 17, STIMULI - 1]) assert.deepEqual(x.subarray((s * 3 + k) * 24, (s * 3 + k + 1) * 24), own.subarray(s * 24, (s + 1) * 24));
  }
  const { jobId } = (await call('tca.sweep', { harvestId: r.harvestId, ranks: [1, 2, 3], nonneg: true, restarts: 2, maxIter: 40 })) as TcaResults['tca.sweep'];
  assert.equal((await lab.jobs.wait(jobId)).status, 'done');
  const v = (await call('tca.get', { jobId, rank: 2 })) as TcaResults['tca.get'];
  assert.deepEqual([v.sweep.dim, v.sweep.positions, v.sweep.stimuli], [24, 3, STIMULI]);
  for (let i = 1; i < 3; i++) assert.ok(v.sweep.ranks[i]!.bestError <= v.sweep.ranks[i - 1]!.bestError + 1e-3);
  assert.ok(v.sweep.ranks[2]!.bestError < 0.9, `rank-3 residual ${v.sweep.ranks[2]!.bestError}`);
  assert.equal(v.factors!.positions[0]!.length, 3, 'one checkpoint factor value per snapshot');
  assert.deepEqual(v.middle, { kind: 'checkpoint', names: series.map((x) => x.path.split('/').at(-1)) });
  const sent = (await call('reports.addTcaSweep', { reportId: null, jobId, rank: 2 })) as TcaResults['reports.addTcaSweep'];
  const html = ((await call('reports.render', { id: sent.report.id })) as { html: string }).html;
  assert.ok(html.includes('component 1: checkpoints factor') && html.includes('mnist-mlp-step00030.onnx, mnist-mlp-step00060.onnx, mnist-mlp-step00090.onnx, in that order'));
  assert.ok(v.labels.every((l) => l !== null));
  const fit = (await call('bases.fit', { harvestId: r.harvestId, method: 'tca', params: { nFeatures: 2, nonneg: true, restarts: 1, maxIter: 40 } })) as { jobId: number; basisId: number };
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
});

test('checkpoints whose tensor shapes differ are refused in one sentence, nothing written', async () => {
  const count = (t: string) => (lab.database.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  const before = [count('models'), count('harvests'), count('jobs')];
  await assert.rejects(
    call('tca.series', { modelPaths: [series[0]!.path, other[0]!.path, series[2]!.path], tensor: 'hidden', stimulusSetId: setId }),
    (e: Error) => /^Tensor hidden is .*24 in mnist-mlp-step00030\.onnx but .*16 in mnist-mlp-step00010\.onnx, so these files are not checkpoints of one architecture; choose checkpoints whose tensor shapes agree\.$/.test(e.message),
  );
  assert.deepEqual([count('models'), count('harvests'), count('jobs')], before);
});

test('cajal harvest-series refuses differing shapes in one sentence, with no project file written', async () => {
  const project = join(dir, 'refused.cajal');
  const r = await runCli(['harvest-series', '--project', project, '--models', `${series[0]!.path},${other[0]!.path}`, '--tensor', 'hidden', '--digits', '50']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr.trim(), /^cajal harvest-series: Tensor hidden is .* so these files are not checkpoints of one architecture; choose checkpoints whose tensor shapes agree\.$/);
  assert.equal(fileDigest(project), 'absent');
});
