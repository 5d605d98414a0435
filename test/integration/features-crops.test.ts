// A conv map harvested at every position: feature examples are receptive-field crops traced from the graph
// (mnist-8's ReLU114: 14×14 field, stride 2), with the crop box, the row's position and a heat overlay of the feature's
// activation over the crop; weight images only where the harvested rows are pictures.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import type { FeatureDetail } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { HEAT_ALPHA } from '../../main/analyses/heat-overlay';
import { fixtureModels, repoRoot, tempDir } from '../helpers/fixtures';

const pixels = (dataUrl: string) => PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));

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
    // The overlay: the crop blended with red in proportion to the activation of each pixel's nearest position. At
    // the pixel of the example's own position (centre 0.5 + 2p: pixel 2p) that is the example's activation.
    assert.match(e.overlay!, /^data:image\/png;base64,/);
    const plain = pixels(e.thumbnail);
    const heat = pixels(e.overlay!);
    assert.deepEqual([heat.width, heat.height], [x1 - x0, y1 - y0]);
    const at = ((2 * py - y0) * plain.width + (2 * px - x0)) * 4;
    const alpha = HEAT_ALPHA * Math.min(1, e.activation / Math.max(d.max, -d.min));
    [255, 40, 0].forEach((c, k) => assert.ok(Math.abs(heat.data[at + k]! - ((1 - alpha) * plain.data[at + k]! + alpha * c)) <= 1, `channel ${k} at the example's position`));
  }
  // The overlay marks where the feature fires: some pixels of the top crop are redder than in the plain crop.
  const top = d.top[0]!;
  const heat = pixels(top.overlay!);
  const plain = pixels(top.thumbnail);
  let redder = 0;
  for (let i = 0; i < heat.data.length; i += 4) if (heat.data[i]! - heat.data[i + 2]! > plain.data[i]! - plain.data[i + 2]!) redder++;
  assert.ok(redder > 0, 'the overlay marks where the feature fires');
  assert.equal(d.histogram.rows, 60 * 14 * 14);
  assert.equal(d.weightImages, null, 'a conv map row is 16 channel values, not a picture');
});

test('weight images only for pictures: the flattened input of an MLP is 28×28, its 256-unit hidden layer is not 16×16', async () => {
  lab.openProject({ path: join(tempDir(), 'weights.cajal'), create: true });
  const call = createRouter(lab, 'direct').call;
  const model = await lab.openModel({ path: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx') });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1 / 255, mean: [0], std: [1], layout: 'NCHW' };
  const set = (await call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 40, recipe } })) as { id: number };
  const h = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['flat', 'hidden1'], positions: 'centre' });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  const shapes: Record<string, unknown> = {};
  for (const [i, tensor] of ['flat', 'hidden1'].entries()) {
    const fit = lab.startFit({ harvestId: h.harvestIds[i]!, method: 'pca', seed: 0, params: { nFeatures: 4 } });
    assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
    const { jobId } = (await call('features.compute', { basisId: fit.basisId, topK: 10 })) as { jobId: number };
    assert.equal((await lab.jobs.wait(jobId)).status, 'done');
    const d = (await call('features.get', { basisId: fit.basisId, feature: 0 })) as FeatureDetail;
    shapes[tensor] = d.weightImages?.map((w) => [w.name, w.channels, w.height, w.width, w.values.length]) ?? null;
  }
  assert.deepEqual(shapes, { flat: [['direction', 1, 28, 28, 784]], hidden1: null });
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
