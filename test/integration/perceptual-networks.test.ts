// The perceptual similarity's two kinds of network, built here with the project's graph builder:
// - a one-image network whose feature maps are compared, NCHW or NHWC: the same maps in either layout give the same
//   embedding (an N×H×W×C map read as N×C×H×W would not);
// - a two-image distance network (img0, img1 → one number per pair, as a real LPIPS network exported to ONNX is), whose
//   output here is a known distance, Σ (a − b)² over the 0..1 grey pixels: the metrics job's perceptual consistency
//   and 2AFC equal a direct computation with that distance;
// and the networks the lab cannot use, refused in one sentence before a job starts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeatureDetail, FeatureTable } from '../../main/api/contract';
import { ApiError, createRouter } from '../../main/api/router';
import { PerceptualNet, planPerceptual, traceLayout } from '../../main/analyses/perceptual';
import { consistency, twoAfc } from '../../main/analyses/metrics';
import { attr, GraphBuilder } from '../../main/onnx/builder';
import { parseModel } from '../../main/onnx/model';
import { Lab } from '../../main/services/lab';
import { openStimulusSource } from '../../main/stimuli/open';
import type { RgbImage, StimulusSpec } from '../../main/stimuli/types';
import { openProjectDb, type Db } from '../../main/store/project';
import { deriveSeed, Rng } from '../../main/util/random';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir();
const project = join(dir, 'perceptual.cajal');
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
const ids: Record<string, number> = {};
let basisId = 0;
let spec: StimulusSpec;
let db: Db;

const rng = new Rng(11);
const W = Float32Array.from({ length: 4 * 3 * 3 * 3 }, () => rng.normal());

/** x → Conv(4 channels, 3×3, pad 1) → Relu `feat` → mean; NHWC: the input and the map are N×H×W×C around the Conv. */
function mapNet(layout: 'NCHW' | 'NHWC'): Uint8Array {
  const b = new GraphBuilder({ name: `maps-${layout}` });
  const x = b.input('x', 'float32', layout === 'NCHW' ? ['N', 3, 28, 28] : ['N', 28, 28, 3]);
  const w = b.initializer('w', W, [4, 3, 3, 3]);
  const xin = layout === 'NCHW' ? x : b.transpose(x, [0, 3, 1, 2]);
  const conv = b.op('Conv', [xin, w], { pads: attr.ints([1, 1, 1, 1]) });
  const feat = b.relu(layout === 'NCHW' ? conv : b.transpose(conv, [0, 2, 3, 1]), 'feat');
  b.output(b.reduce('ReduceMean', feat, [1, 2, 3], false, 'm'), 'float32', ['N']);
  return b.toBytes();
}

/** img0, img1 (N×1×28×28) → d = Σ (img0 − img1)² per pair (a third input, if named, only makes the model wrong). */
function distanceNet(inputs = ['img0', 'img1']): Uint8Array {
  const b = new GraphBuilder({ name: 'distance' });
  const a = b.input(inputs[0]!, 'float32', ['N', 1, 28, 28]);
  const c = b.input(inputs[1]!, 'float32', ['N', 1, 28, 28]);
  const diff = b.sub(a, c);
  b.output(b.reduce('ReduceSum', b.mul(diff, diff), [1, 2, 3], false, 'd'), 'float32', ['N']);
  if (inputs.length > 2) {
    const extra = b.input(inputs[2]!, 'float32', ['N', 1]);
    b.output(b.add(extra, extra, 'e'), 'float32', ['N', 1]);
  }
  return b.toBytes();
}

/** Two image inputs and one output, wrong in one respect: per-pair output N×28, or inputs of different sizes. */
function badPairNet(what: 'wide' | 'sizes'): Uint8Array {
  const b = new GraphBuilder({ name: `pair-${what}` });
  const a = b.input('img0', 'float32', ['N', 1, 28, 28]);
  const c = b.input('img1', 'float32', ['N', 1, what === 'sizes' ? 14 : 28, what === 'sizes' ? 14 : 28]);
  if (what === 'wide') b.output(b.reduce('ReduceSum', b.sub(a, c), [1, 2], false, 'd'), 'float32', ['N', 28]);
  else b.output(b.sub(b.reduce('ReduceSum', a, [1, 2, 3], false), b.reduce('ReduceSum', c, [1, 2, 3], false), 'd'), 'float32', ['N']);
  return b.toBytes();
}

before(async () => {
  const models: Record<string, Uint8Array> = {
    nchw: mapNet('NCHW'),
    nhwc: mapNet('NHWC'),
    pair: distanceNet(),
    pairWide: badPairNet('wide'),
    pairSizes: badPairNet('sizes'),
    three: distanceNet(['img0', 'img1', 'z']),
  };
  lab.openProject({ path: project, create: true });
  for (const [name, bytes] of Object.entries(models)) {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, bytes);
    ids[name] = (await call<{ id: number }>('models.open', { path })).id;
  }
  const mnist = await call<{ id: number }>('models.open', { path: fixtureModels.mnist8() });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  spec = { kind: 'mnist', offset: 0, count: 300, recipe } as unknown as StimulusSpec;
  const set = await call<{ id: number; spec: StimulusSpec }>('stimuli.create', { spec, name: 'mnist 300' });
  spec = set.spec;
  const h = await call<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: mnist.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'centre' });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId: h.harvestIds[0], method: 'neurons', seed: 0, params: {} });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  basisId = fit.basisId;
  const fc = await call<{ jobId: number }>('features.compute', { basisId, topK: 24, bands: 4 });
  assert.equal((await lab.jobs.wait(fc.jobId)).status, 'done');
  db = openProjectDb(project);
});
after(async () => {
  db?.close();
  await lab.shutdown();
});

async function images(n: number): Promise<RgbImage[]> {
  const source = await openStimulusSource(spec);
  return Promise.all(Array.from({ length: n }, (_, i) => source.image(i)));
}

test('feature maps in N×H×W×C are traced as such and embed exactly like the same maps in N×C×H×W', async () => {
  const nchw = planPerceptual(db, ids.nchw!);
  const nhwc = planPerceptual(db, ids.nhwc!);
  assert.equal(nchw.kind, 'maps');
  assert.deepEqual([nchw.layers, nchw.layouts], [['feat'], ['NCHW']]);
  assert.deepEqual([nhwc.layers, nhwc.layouts], [['feat'], ['NHWC']]);
  assert.equal(nhwc.recipe.layout, 'NHWC');
  const g = parseModel(mapNet('NHWC'), 'nhwc').graph!;
  assert.equal(traceLayout(g, 'feat'), 'NHWC');
  assert.equal(traceLayout(parseModel(mapNet('NCHW'), 'nchw').graph!, 'feat'), 'NCHW');

  const ims = await images(6);
  const netA = await PerceptualNet.open(nchw);
  const netB = await PerceptualNet.open(nhwc);
  const misread = await PerceptualNet.open({ ...nhwc, layouts: ['NCHW'] });
  try {
    const a = await netA.embed(ims);
    const b = await netB.embed(ims);
    const wrong = await misread.embed(ims);
    let worst = 0;
    let wrongGap = 0;
    for (let i = 0; i < ims.length; i++) {
      for (let k = 0; k < a[i]!.length; k++) {
        worst = Math.max(worst, Math.abs(a[i]![k]! - b[i]![k]!));
        wrongGap = Math.max(wrongGap, Math.abs(a[i]![k]! - wrong[i]![k]!));
      }
    }
    assert.ok(worst < 1e-5, `NHWC and NCHW embeddings differ by ${worst}`);
    assert.ok(wrongGap > 0.01, `reading N×H×W×C as N×C×H×W would differ (${wrongGap})`);
  } finally {
    await Promise.all([netA.close(), netB.close(), misread.close()]);
  }
});

test('a two-image distance network: d(img0, img1) per pair, as computed by hand', async () => {
  const plan = planPerceptual(db, ids.pair!);
  assert.equal(plan.kind, 'pair');
  assert.deepEqual(plan.inputNames, ['img0', 'img1']);
  assert.equal(plan.distanceOutput, 'd');
  const ims = await images(5);
  const net = await PerceptualNet.open(plan);
  try {
    const pairs = [[0, 1], [1, 0], [2, 2], [3, 4]] as const;
    const d = await net.distances(pairs.map(([i, j]) => [ims[i]!, ims[j]!] as const));
    pairs.forEach(([i, j], k) => {
      let s = 0;
      for (let p = 0; p < 28 * 28; p++) s += ((ims[i]!.rgb[p * 3]! - ims[j]!.rgb[p * 3]!) / 255) ** 2;
      assert.ok(Math.abs(d[k]! - s) < 1e-3 * Math.max(1, s), `pair ${i},${j}: ${d[k]} vs ${s}`);
    });
    assert.equal(d[2], 0);
    assert.ok(d[0]! > 1, 'two different digits are far apart');
  } finally {
    await net.close();
  }
});

test('metrics with a distance network: perceptual consistency and 2AFC equal a direct computation with −d', async () => {
  const { jobId } = await call<{ jobId: number }>('metrics.compute', { basisId, metrics: ['consistency-perceptual', '2afc-perceptual'], perceptualModelId: ids.pair, trials: 12, seed: 4 });
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const table = await call<FeatureTable>('features.table', { basisId });
  const source = await openStimulusSource(spec);
  const pixels = new Map<number, Uint8Array>();
  const grey = async (i: number) => {
    let p = pixels.get(i);
    if (!p) pixels.set(i, (p = (await source.image(i)).rgb));
    return p;
  };
  let checked = 0;
  for (const row of table.features) {
    const c = row.metrics['consistency-perceptual'];
    const a = row.metrics['2afc-perceptual'];
    if (c === undefined || a === undefined) continue;
    const detail = await call<FeatureDetail>('features.get', { basisId, feature: row.feature });
    const top = detail.top.map((e) => e.stimulusIndex);
    const bottom = detail.bottom.map((e) => e.stimulusIndex);
    for (const i of [...top, ...bottom]) await grey(i);
    const sim = (i: number, j: number) => {
      const x = pixels.get(i)!;
      const y = pixels.get(j)!;
      let s = 0;
      for (let p = 0; p < 28 * 28; p++) s += ((x[p * 3]! - y[p * 3]!) / 255) ** 2;
      return -s;
    };
    const expectC = consistency(top.slice(0, 20), sim);
    assert.ok(Math.abs(c - expectC) < 1e-4 * Math.abs(expectC), `feature ${row.feature}: consistency ${c} vs ${expectC}`);
    const expectA = twoAfc(top, bottom, sim, 12, new Rng(deriveSeed(4, row.feature)));
    assert.ok(Math.abs(a - expectA) < 1e-4, `feature ${row.feature}: 2AFC ${a} vs ${expectA}`);
    checked++;
  }
  assert.ok(checked >= 8, `${checked} features checked`);
  const params = (db.prepare('SELECT params_json FROM metric_runs ORDER BY id DESC LIMIT 1').get() as { params_json: string }).params_json;
  assert.equal((JSON.parse(params) as { perceptualKind: string }).perceptualKind, 'pair');
});

test('networks the perceptual metrics cannot use are refused in one sentence', async () => {
  const refuse = async (modelId: number, code: string, message: RegExp) => {
    await assert.rejects(call('metrics.compute', { basisId, metrics: ['2afc-perceptual'], perceptualModelId: modelId }), (err: unknown) => {
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(err.message.split('. ').length, 1, 'one sentence');
      return true;
    });
  };
  await refuse(ids.three!, 'metrics.perceptual-input', /takes 3 inputs; it must take one image \(its feature maps are compared\) or two \(img0, img1: a distance network such as LPIPS\)\.$/);
  await refuse(ids.pairWide!, 'metrics.perceptual-output', /its output `d` has shape N×28; a distance network gives one number per pair/);
  await refuse(ids.pairSizes!, 'metrics.perceptual-input', /takes two inputs of different shapes \(`img0` N×1×28×28, `img1` N×1×14×14\); a distance network compares two images of one shape\.$/);
});
