// A conv map harvested at every position: feature examples are receptive-field crops traced from the graph
// (mnist-8's ReLU114: 14×14 field, stride 2), with the crop box and the row's position recorded for an overlay.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FeatureDetail } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const lab = new Lab(() => undefined);
after(() => lab.shutdown());

test('features.get on an all-positions harvest returns analytic receptive-field crops', async () => {
  lab.openProject({ path: join(tempDir(), 'crops.cajal'), create: true });
  const call = createRouter(lab, 'direct').call;
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = (await call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 60, recipe } })) as { id: number };
  const h = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'all' });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  const fit = lab.startFit({ harvestId: h.harvestIds[0]!, method: 'neurons', seed: 0, params: {} });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  const { jobId } = (await call('features.compute', { basisId: fit.basisId, topK: 16 })) as { jobId: number };
  assert.equal((await lab.jobs.wait(jobId)).status, 'done');
  const d = (await call('features.get', { basisId: fit.basisId, feature: 2 })) as FeatureDetail;
  assert.equal(d.receptiveField?.method, 'analytic');
  assert.deepEqual(d.receptiveField?.size, [14, 14]);
  for (const e of d.top) {
    const [py, px] = e.position!;
    const [y0, x0, y1, x1] = e.crop!;
    // centre 0.5 + 2p, field 14: [round(2p − 6), +14) clipped to the 28×28 digit
    assert.deepEqual([y0, x0, y1, x1], [Math.max(0, 2 * py - 6), Math.max(0, 2 * px - 6), Math.min(28, 2 * py + 8), Math.min(28, 2 * px + 8)]);
    assert.match(e.thumbnail, /^data:image\/png;base64,/);
  }
  assert.equal(d.histogram.rows, 60 * 14 * 14);
});

test('top examples lie above the minimum; tied bottom examples are sampled across stimuli, reproducibly', async () => {
  lab.openProject({ path: join(tempDir(), 'ties.cajal'), create: true });
  const call = createRouter(lab, 'direct').call;
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = (await call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 60, recipe } })) as { id: number };
  const h = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'all' });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  const fit = lab.startFit({ harvestId: h.harvestIds[0]!, method: 'neurons', seed: 0, params: {} });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  const compute = async () => {
    const { jobId } = (await call('features.compute', { basisId: fit.basisId, topK: 32 })) as { jobId: number };
    assert.equal((await lab.jobs.wait(jobId)).status, 'done');
    const out: FeatureDetail[] = [];
    for (let f = 0; f < 16; f++) out.push((await call('features.get', { basisId: fit.basisId, feature: f })) as FeatureDetail);
    return out;
  };
  const first = await compute();
  let tiedFeatures = 0;
  for (const d of first) {
    if (!(d.max > d.min)) continue;
    for (const e of d.top) assert.ok(e.activation > d.min, `feature ${d.feature}: top example at the minimum`);
    for (const e of d.bottom) assert.ok(e.activation < d.max, `feature ${d.feature}: bottom example at the maximum`);
    if (d.bottom.length === 32 && d.bottom.every((e) => e.activation === d.min)) {
      tiedFeatures++;
      // A ReLU map is 0 at thousands of (stimulus, position) rows; in row order the first 32 would all be positions
      // of stimulus 0. Sampled uniformly, they come from many stimuli.
      const stimuli = new Set(d.bottom.map((e) => e.stimulusIndex));
      assert.ok(stimuli.size >= 12, `feature ${d.feature}: bottom examples from ${stimuli.size} stimuli`);
    }
  }
  assert.ok(tiedFeatures > 0, 'some ReLU units have ties at 0 to sample');
  const again = await compute();
  assert.deepEqual(again.map((d) => d.bottom.map((e) => e.row)), first.map((d) => d.bottom.map((e) => e.row)), 'seeded: the same sample again');
});
