// Bad input: a label metric on unlabelled stimuli (noise) and a perceptual network whose input is not an image are
// refused in one sentence with a code, by the router and by the CLI (non-zero exit), before any job starts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError, createRouter } from '../../main/api/router';
import { GraphBuilder } from '../../main/onnx/builder';
import { Lab } from '../../main/services/lab';
import { runCli, runCliInProcess } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir();
const project = join(dir, 'noise.cajal');
const tiny = join(dir, 'vector-net.onnx');
let basisId = 0;

before(async () => {
  const b = new GraphBuilder({ name: 'vector-net' });
  const x = b.input('x', 'float32', ['N', 10]);
  b.relu(x, 'y');
  b.output('y', 'float32', ['N', 10]);
  writeFileSync(tiny, b.toBytes());
  const lab = new Lab(() => undefined);
  lab.openProject({ path: project, create: true });
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const set = await lab.createStimulusSet({ spec: { kind: 'noise', distribution: 'gaussian', count: 120, itemShape: [1, 28, 28], seed: 5, mean: 0, std: 50 } });
  const h = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'centre' });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  const fit = lab.startFit({ harvestId: h.harvestIds[0]!, method: 'neurons', seed: 0, params: {} });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  basisId = fit.basisId;
  await lab.shutdown();
});

const lab = new Lab(() => undefined);
after(() => lab.shutdown());

test('label metrics on noise stimuli: coded one-sentence error from the router, nothing started', async () => {
  lab.openProject({ path: project, create: false });
  const router = createRouter(lab, 'direct');
  const jobsBefore = lab.jobs.list().length;
  await assert.rejects(router.call('metrics.compute', { basisId, metrics: ['2afc-pixel', 'label-purity'] }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'metrics.needs-labels');
    assert.match(err.message, /label-purity needs labelled stimuli, but stimulus set ".*" has no labels/);
    assert.equal(err.message.split('. ').length, 1, 'one sentence');
    return true;
  });
  assert.equal(lab.jobs.list().length, jobsBefore);
  // Image metrics on the same noise set are fine.
  const { jobId } = (await router.call('metrics.compute', { basisId, metrics: ['2afc-pixel', 'compression'] })) as { jobId: number };
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  await lab.closeProject();
});

test('CLI: label metric on unlabelled stimuli and a non-image perceptual network exit non-zero with one sentence', async () => {
  const r1 = await runCli(['metrics', '--project', project, '--basis', String(basisId), '--metric', '2afc-label']);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /^cajal metrics: 2afc-label needs labelled stimuli, but stimulus set ".*" has no labels; choose image metrics or a labelled stimulus set\.\n$/);
  const r2 = await runCli(['metrics', '--project', project, '--basis', String(basisId), '--metric', '2afc-perceptual', '--perceptual-model', tiny, '--json']);
  assert.equal(r2.code, 1);
  const err = JSON.parse(r2.stderr.trim().split('\n').pop()!) as { ok: boolean; error: { code: string; message: string } };
  assert.equal(err.error.code, 'metrics.perceptual-input');
  assert.match(err.error.message, /takes input `x` of shape N×10, which is not an image/);
  const r3 = await runCli(['metrics', '--project', project, '--basis', String(basisId), '--metric', '2afc-perceptual']);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /needs a perceptual network/);
});

// In this process (the same argument parsing and commands as `cajal`): the refusal is the argument parser's, before
// any model is loaded, and the two runs are read from their JSON, so a child process would add only its start-up.
test('CLI --afc-pool: sum or mean reaches the 2AFC job; anything else is refused in one sentence', async () => {
  const bad = await runCliInProcess(['metrics', '--project', project, '--basis', String(basisId), '--metric', '2afc-pixel', '--afc-pool', 'max']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'cajal metrics: --afc-pool takes sum or mean, not max.\n');
  const run = async (pool: string) => {
    const r = await runCliInProcess(['metrics', '--project', project, '--basis', String(basisId), '--metric', '2afc-pixel', '--afc-pool', pool, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { afcPool: string; features: { metrics: Record<string, number> }[] };
  };
  const mean = await run('mean');
  const sum = await run('sum');
  assert.equal(mean.afcPool, 'mean');
  assert.equal(sum.afcPool, 'sum');
  // Same draws, different pooling: each feature's score changes, and both are probabilities.
  const scored = sum.features.map((f, i) => [f.metrics['2afc-pixel'], mean.features[i]!.metrics['2afc-pixel']] as const).filter(([a, b]) => a !== undefined && b !== undefined);
  assert.ok(scored.length > 0, 'some features are scored');
  for (const [s, m] of scored) assert.ok(s! >= 0 && s! <= 1 && m! >= 0 && m! <= 1 && s !== m, `sum ${s} vs mean ${m}`);
});
