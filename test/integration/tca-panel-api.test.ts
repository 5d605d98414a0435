// What the TCA panel reads (#15): a rank sweep over mnist-8's ReLU114 at all positions stores every rank's best CP fit;
// `tca.get` returns the diagnostics and one rank's factors (which rebuild the tensor to the stored residual) with
// each stimulus's MNIST label; an unswept rank is one sentence; `reports.addTcaSweep` adds a section whose HTML draws
// both diagnostics and the rank's three factors per component.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TcaResults } from '../../main/api/schemas/tca';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { readRowRange } from '../../main/store/activations';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir('cajal-tca-panel-');
const STIMULI = 60;
const lab = new Lab(() => undefined);
const call = createRouter(lab, 'direct').call;
let harvestId = 0;
let jobId = 0;

before(async () => {
  lab.openProject({ path: join(dir, 'tca.cajal'), create: true });
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = (await call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: STIMULI, recipe } })) as { id: number };
  const h = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'all' });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  harvestId = h.harvestIds[0]!;
  jobId = ((await call('tca.sweep', { harvestId, ranks: [1, 2, 3], nonneg: true, restarts: 2, maxIter: 40 })) as TcaResults['tca.sweep']).jobId;
  assert.equal((await lab.jobs.wait(jobId)).status, 'done');
});
after(async () => lab.shutdown());

test('tca.get: one rank’s stored factors rebuild the tensor to the sweep’s residual; labels are the digits', async () => {
  const v = (await call('tca.get', { jobId, rank: 2 })) as TcaResults['tca.get'];
  assert.equal(v.status, 'done');
  assert.deepEqual(v.sweep.ranks.map((r) => r.rank), [1, 2, 3]);
  const f = v.factors!;
  const [D, P, S] = [16, 196, STIMULI];
  assert.equal(f.rank, 2);
  assert.deepEqual([f.units.length, f.units[0]!.length, f.positions[0]!.length, f.stimuli[0]!.length], [2, D, P, S]);
  assert.equal(f.error, v.sweep.ranks[1]!.bestError);
  // ‖X − Σ_r λ_r u_r ∘ b_r ∘ c_r‖ / ‖X‖ from the stored float32 factors and the harvest's rows (stimulus-major).
  const x = readRowRange(lab.database, harvestId, 0, S * P, D);
  let num = 0;
  let den = 0;
  for (let s = 0; s < S; s++) {
    for (let p = 0; p < P; p++) {
      for (let u = 0; u < D; u++) {
        let xh = 0;
        for (let r = 0; r < 2; r++) xh += f.weights[r]! * f.units[r]![u]! * f.positions[r]![p]! * f.stimuli[r]![s]!;
        const xv = x[(s * P + p) * D + u]!;
        num += (xv - xh) ** 2;
        den += xv * xv;
      }
    }
  }
  assert.ok(Math.abs(Math.sqrt(num / den) - f.error) < 1e-4, `rebuilt residual ${Math.sqrt(num / den)} vs stored ${f.error}`);
  assert.equal(v.labels.length, S);
  assert.ok(v.labels.every((l) => l !== null && l >= 0 && l <= 9));
  assert.ok(new Set(v.labels).size >= 8, 'MNIST digits of the first 60 stimuli');
  await assert.rejects(call('tca.get', { jobId, rank: 5 }), /no fit at rank 5; pick one of the ranks it swept/);
  await assert.rejects(call('tca.get', { jobId: 1, rank: 1 }), /not a TCA rank sweep/);
});

test('reports.addTcaSweep: a section with both diagnostics and three factor charts per component', async () => {
  const r = (await call('reports.addTcaSweep', { reportId: null, jobId, rank: 3 })) as TcaResults['reports.addTcaSweep'];
  assert.equal(r.section.kind, 'tca');
  const out = (await call('reports.render', { id: r.report.id })) as { html: string };
  const section = /<section id="section-\d+" data-kind="tca">([\s\S]*?)<\/section>/.exec(out.html)?.[1] ?? '';
  assert.ok(section.includes('reconstruction error'), 'error-vs-rank chart');
  assert.ok(section.includes('similarity to best fit'), 'stability chart');
  for (let k = 1; k <= 3; k++) for (const kind of ['units', 'positions', 'stimuli']) assert.ok(section.includes(`component ${k}: ${kind} factor`), `component ${k} ${kind}`);
  assert.equal((section.match(/<svg role="img"/g) ?? []).length, 2 + 3 * 3);
  assert.ok(!/<script|https?:\/\//i.test(section.replace(/xmlns(:\w+)?="http[^"]*"/g, '')));
});
