// Provenance: a fit stores the parameters it really ran with (every default filled in, and its seed), the bases
// listing shows them, and an exported SAE's cfg.json carries them — checked against the documented defaults.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { tempDir } from '../helpers/fixtures';
import { plantedData } from './sae-planted';

const dir = tempDir();
const d = 16;
const lab = new Lab(() => undefined);
let harvestId = 0;

before(async () => {
  const planted = plantedData(3, d, 40, 600, 3);
  writeFileSync(join(dir, 'x.npy'), writeNpy(planted.data, [planted.rows, d]));
  lab.openProject({ path: join(dir, 'provenance.cajal'), create: true });
  harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
});
after(() => lab.shutdown());

test('a fit given only a method name stores the defaults it runs with, and its seed', async () => {
  const started = lab.startFit({ harvestId, method: 'sae-l1', seed: 5, params: {} });
  // The record is written before the job runs: what it says is what the job will rebuild the SAE from.
  const listed = lab.listBases(harvestId).find((b) => b.id === started.basisId)!;
  lab.jobs.cancel(started.jobId);
  await lab.jobs.wait(started.jobId);
  const p = listed.params;
  // The defaults documented in main/bases/sae.ts, written out by hand for d = 16.
  assert.equal(listed.seed, 5);
  assert.equal(listed.nFeatures, 8 * d, 'nFeatures is the default expansion 8 × d, not d');
  assert.equal(p.nFeatures, 128);
  assert.equal(p.expansion, 8);
  assert.equal(p.steps, 10000);
  assert.equal(p.batchSize, 1024);
  assert.equal(p.lr, 1e-3);
  assert.equal(p.lrWarmupSteps, 500, 'min(1000, steps / 20)');
  assert.equal(p.l1Coefficient, 0.02);
  assert.equal(p.l1WarmupSteps, 500);
  assert.deepEqual(p.resampleSteps, [1000, 2000, 3000, 4000], '10%, 20%, 30%, 40% of the run');
  assert.equal(p.resampleRows, 8192);
  assert.equal(p.deadWindow, 500, 'max(10, steps / 20)');
  assert.equal(p.normalize, true);
  assert.equal(p.targetNorm, Math.sqrt(d));
  assert.deepEqual([p.beta1, p.beta2, p.eps], [0.9, 0.999, 1e-8]);
  assert.equal(p.holdout, 0.1, "the lab's held-out fraction is part of the provenance");

  // A classical method: scikit-learn-style defaults, under the method's own names.
  const km = lab.startFit({ harvestId, method: 'kmeans', seed: 2, params: {} });
  const kmInfo = lab.listBases(harvestId).find((b) => b.id === km.basisId)!;
  assert.deepEqual(kmInfo.params, { nClusters: d, algorithm: 'minibatch', cosine: false, batchSize: 1024, maxIter: 100, tol: 1e-4, initSize: null, holdout: 0.1 });
  const job = await lab.jobs.wait(km.jobId);
  assert.equal(job.status, 'done', 'the job rebuilds the basis from the stored, resolved parameters');
});

test("an exported SAE's cfg.json carries the resolved parameters and seed; training ran with them", async () => {
  const started = lab.startFit({ harvestId, method: 'sae-topk', seed: 9, params: { steps: 40, batchSize: 64, k: 4 } });
  const job = await lab.jobs.wait(started.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const out = join(dir, 'topk-export');
  await lab.exportSae({ basisId: started.basisId, dir: out });
  const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as { cajal: { params: Record<string, unknown>; seed: number } };
  assert.equal(cfg.cajal.seed, 9);
  const p = cfg.cajal.params;
  assert.deepEqual(
    [p.steps, p.batchSize, p.k, p.lr, p.lrWarmupSteps, p.deadWindow, p.kAux, p.auxCoefficient, p.targetNorm, p.holdout],
    [40, 64, 4, 1e-3, 2, 10, 8, 1 / 32, Math.sqrt(d), 0.1],
    'steps/20 warm-up, max(10, steps/20) dead window, kAux = max(2k, d/2)',
  );
  // The last logged step's learning rate is the stored lr (warm-up over by step 40): the job used these values.
  const log = lab.getBasis(started.basisId).trainingLog;
  assert.equal(log[log.length - 1]!.step, 40);
  assert.ok(Math.abs(log[log.length - 1]!.metrics.lr! - 1e-3) < 1e-12);
});
