// TCA end to end through the CLI in a child process (#15): mnist-8's ReLU114 (16 units on a 14 × 14 map) recorded at
// all positions over real MNIST digits is a units × positions × stimuli tensor; `cajal tca-sweep` runs the rank sweep
// as a job and `cajal fit --method tca` stores a basis whose unit factors are its directions. A harvest recorded at
// the centre only is refused by both in one sentence, with the project file untouched.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { loadBasisTensors } from '../../main/store/bases';
import { openProjectDb } from '../../main/store/project';
import { fileDigest, runCli } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir('cajal-tca-cli-');
const project = join(dir, 'tca.cajal');
const STIMULI = 120;

before(async () => {
  const lab = new Lab(() => undefined);
  lab.openProject({ path: project, create: true });
  const call = createRouter(lab, 'direct').call;
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = (await call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: STIMULI, recipe } })) as { id: number };
  for (const positions of ['all', 'centre'] as const) {
    const h = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions });
    assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  }
  await lab.shutdown();
});
after(() => undefined);

interface SweepJson {
  ok: boolean;
  dim: number;
  positions: number;
  stimuli: number;
  ranks: { rank: number; errors: number[]; bestError: number; similarities: number[]; meanSimilarity: number | null }[];
}

test('cajal tca-sweep: both diagnostics for every rank of a conv layer at all positions', async () => {
  const r = await runCli(['tca-sweep', '--project', project, '--harvest', '1', '--ranks', '1-4', '--nonneg', '--restarts', '2', '--max-iter', '60', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as SweepJson;
  assert.deepEqual([res.dim, res.positions, res.stimuli], [16, 196, STIMULI]);
  assert.deepEqual(res.ranks.map((x) => x.rank), [1, 2, 3, 4]);
  for (const x of res.ranks) {
    assert.equal(x.errors.length, 2);
    assert.equal(x.bestError, Math.min(...x.errors));
    assert.ok(x.bestError > 0 && x.bestError < 1, `rank ${x.rank}: residual ${x.bestError}`);
    assert.ok(x.similarities.every((s) => s >= 0 && s <= 1 + 1e-9) && x.similarities.includes(1));
  }
  // More components never fit worse (up to the tolerance of an unfinished fit).
  for (let i = 1; i < res.ranks.length; i++) assert.ok(res.ranks[i]!.bestError <= res.ranks[i - 1]!.bestError + 1e-3);
  // A rank-1 non-negative CP of a non-negative tensor is unique: the two restarts agree.
  assert.ok(res.ranks[0]!.meanSimilarity! > 0.99, `rank-1 stability ${res.ranks[0]!.meanSimilarity}`);
});

test('cajal fit --method tca --rank 3 --nonneg stores a basis with unit, position and stimulus factors', async () => {
  const r = await runCli(['fit', '--project', project, '--harvest', '1', '--method', 'tca', '--rank', '3', '--nonneg', '--restarts', '2', '--param', 'maxIter=60', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { basis } = JSON.parse(r.stdout) as { basis: { id: number; method: string; nFeatures: number; params: Record<string, unknown>; quality: { explainedVariance: number | null } } };
  assert.equal(basis.method, 'tca');
  assert.equal(basis.nFeatures, 3);
  assert.equal(basis.params.nonneg, true);
  assert.equal(basis.params.restarts, 2);
  // Measured 0.29: three non-negative unit factors of 16 units, held-out stimuli reconstructed by NNLS.
  assert.ok(basis.quality.explainedVariance !== null && basis.quality.explainedVariance > 0.2, `held-out EV ${basis.quality.explainedVariance}`);
  const db = openProjectDb(project);
  try {
    const st = loadBasisTensors(db, basis.id);
    assert.deepEqual(st.units!.shape, [3, 16]);
    assert.deepEqual(st.positions!.shape, [3, 196]);
    // Held-out rows are whole stimuli, so the stimulus factor covers the training stimuli only.
    const s = st.stimuli!.shape[1]!;
    assert.ok(s < STIMULI && s > STIMULI * 0.75, `stimulus factor over ${s} stimuli`);
    for (const v of [...st.units!.data, ...st.positions!.data, ...st.stimuli!.data]) assert.ok(v >= 0);
  } finally {
    db.close();
  }
});

test('a harvest recorded at the centre only: tca-sweep and fit --method tca refuse in one sentence, nothing written', async () => {
  const digest = fileDigest(project);
  for (const args of [
    ['tca-sweep', '--project', project, '--harvest', '2', '--ranks', '1-3'],
    ['fit', '--project', project, '--harvest', '2', '--method', 'tca', '--rank', '2'],
  ]) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), /^cajal (tca-sweep|fit): Harvest 2 has one row per stimulus \(positions: centre\), but TCA needs a harvest recorded at all positions, a units × positions × stimuli tensor\.$/);
  }
  assert.equal(fileDigest(project), digest);
});
