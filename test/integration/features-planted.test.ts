// Planted ground truth: real MNIST stimuli, activations built by hand. Units 0–9 fire only for digit class c (unit c),
// units 10–39 are Gaussian noise. Label consistency, label purity and 2AFC(label) must rank every planted unit above
// every random one, random units must score at chance on 2AFC, and the whole path (features job, metrics job with its
// random-basis null, table, detail, comparison, collections) runs through the router on a real project file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Comparison, FeatureDetail, FeatureTable, JobInfo, MetricDefinition } from '../../main/api/contract';
import { compareBases } from '../../main/analyses/compare';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { tempDir } from '../helpers/fixtures';
import { plantedHarvest } from '../helpers/planted';

const N = 2000;
const PLANTED = 10;
const RANDOM = 30;
const D = PLANTED + RANDOM;
const dir = tempDir();
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let harvestId = 0;
let neuronsId = 0;

before(async () => {
  lab.openProject({ path: join(dir, 'planted.cajal'), create: true });
  harvestId = await plantedHarvest(lab, router, { n: N, planted: PLANTED, dim: D, seed: 42, chunkRows: 500 });
  const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method: 'neurons' });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  neuronsId = fit.basisId;
});
after(() => lab.shutdown());

test('feature statistics: exact density, range and top-k of planted units', async () => {
  const { jobId } = await call<{ jobId: number }>('features.compute', { basisId: neuronsId, topK: 32, bands: 4 });
  const job: JobInfo = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const table = await call<FeatureTable>('features.table', { basisId: neuronsId });
  assert.equal(table.computed, true);
  assert.equal(table.features.length, D);
  // Interleaved MNIST: each class is exactly a tenth of 2,000 digits.
  for (let c = 0; c < PLANTED; c++) {
    assert.ok(Math.abs(table.features[c]!.density - 0.1) < 1e-12, `unit ${c} density ${table.features[c]!.density}`);
    assert.equal(table.features[c]!.min, 0);
  }
  const detail = await call<FeatureDetail>('features.get', { basisId: neuronsId, feature: 3 });
  assert.equal(detail.top.length, 32);
  assert.ok(detail.top.every((e) => e.label === 3 && e.thumbnail.startsWith('data:image/png;base64,') && e.thumbnail.length > 40));
  for (let i = 1; i < detail.top.length; i++) assert.ok(detail.top[i - 1]!.activation >= detail.top[i]!.activation);
  assert.deepEqual(detail.labelCounts, [{ label: 3, name: '3', count: 32 }]);
  assert.equal(detail.histogram.counts.reduce((a, b) => a + b, 0), N);
  assert.equal(detail.bands.length, 4);
  // Non-negative code: bands split (0, max] and count the 200 active rows.
  assert.equal(detail.bands.reduce((a, b) => a + b.count, 0), 200);
  assert.ok(detail.bands.every((b) => b.examples.every((e) => e.activation > b.lo - 1e-6 && e.activation <= b.hi + 1e-6)));
  assert.equal(detail.weightImages, null); // 40 does not factor as an image
});

test('planted units outrank random units on label metrics; random units sit at chance', async () => {
  const defs = await call<MetricDefinition[]>('metrics.definitions', {});
  assert.equal(defs.length, 14); // room: text (#13 item 5) — 11 image metrics and 3 text metrics
  assert.ok(defs.every((d) => d.formula.length > 40 && d.source.length > 10));
  const metrics = ['2afc-label', 'consistency-label', 'label-purity', 'label-entropy', '2afc-pixel', 'compression'];
  const { jobId } = await call<{ jobId: number }>('metrics.compute', { basisId: neuronsId, metrics, trials: 20, seed: 1 });
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const table = await call<FeatureTable>('features.table', { basisId: neuronsId });
  const col = (m: string) => table.features.map((f) => (f.metrics as Record<string, number>)[m]!);
  const report: Record<string, unknown> = {};
  for (const m of ['2afc-label', 'consistency-label', 'label-purity']) {
    const v = col(m);
    const planted = v.slice(0, PLANTED);
    const random = v.slice(PLANTED);
    report[m] = { plantedMin: Math.min(...planted), randomMax: Math.max(...random), randomMean: random.reduce((a, b) => a + b, 0) / RANDOM };
    assert.ok(Math.min(...planted) > Math.max(...random), `${m}: planted ${planted} vs random ${random}`);
  }
  const afc = col('2afc-label').slice(PLANTED);
  const chance = afc.reduce((a, b) => a + b, 0) / RANDOM;
  assert.ok(Math.abs(chance - 0.5) < 0.05, `random 2AFC(label) ${chance}`);
  assert.ok(col('label-purity').slice(0, PLANTED).every((v) => v === 1));
  assert.ok(col('label-entropy').slice(0, PLANTED).every((v) => v === 0));
  console.log('planted scores', JSON.stringify(report));
  // The null: a random basis was created for the harvest and every metric has z-scores against it.
  const bases = await call<{ id: number; method: string }[]>('bases.list', { harvestId });
  assert.ok(bases.some((b) => b.method === 'random'));
  const detail = await call<FeatureDetail>('features.get', { basisId: neuronsId, feature: 0 });
  assert.ok(detail.zScores['2afc-label']! > 1, `z ${detail.zScores['2afc-label']}`);
  assert.ok(detail.neighbours.length > 0 && detail.neighbours.every((n) => n.cosine >= 0 && n.cosine <= 1 + 1e-6));
});

test('z-scores against the random-direction null: ~0 for random directions, large for planted units', async () => {
  const metrics = ['2afc-label', 'consistency-label', 'label-purity'] as const;
  const table = await call<FeatureTable>('features.table', { basisId: neuronsId });
  const report: Record<string, unknown> = {};
  for (const m of metrics) {
    const z = table.features.map((f) => f.zScores?.[m]);
    report[m] = z.slice(0, PLANTED).map((x) => x?.toFixed(1));
    // 2AFC is capped at 1, so its z cannot exceed (1 − null mean) / null sd (≈ 2.1 here); the others have room.
    const floor = m === '2afc-label' ? 1.5 : 3;
    for (let c = 0; c < PLANTED; c++) assert.ok(z[c]! > floor, `${m}: planted unit ${c} z = ${z[c]}`);
  }
  const nullId = (await call<{ id: number; method: string }[]>('bases.list', { harvestId })).find((b) => b.method === 'random')!.id;
  // The null basis against itself: its z-scores have mean 0 and sd 1 by construction — this checks they are read
  // against its own values, not some other basis'.
  const own = await call<FeatureTable>('features.table', { basisId: nullId });
  for (const m of metrics) {
    const z = own.features.map((f) => f.zScores?.[m]).filter((x): x is number => x !== undefined);
    const v = own.features.map((f) => f.metrics[m]).filter((x): x is number => x !== undefined);
    assert.equal(z.length, v.length, `${m}: a z for every scored feature of the null`);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1));
    assert.ok(Math.abs(mean) < 1e-9 && Math.abs(sd - 1) < 1e-9, `${m}: null z mean ${mean}, sd ${sd}`);
  }
  // A second, independent random basis: its directions are drawn like the null's, so read against the null the
  // neurons were scored with, its z-scores centre on 0 (the mean of 40 z-scores has a standard error of about 0.2).
  // (A random basis is scored as its own null, so its own zScores are the trivial mean-0 kind checked above.)
  const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method: 'random', seed: 7, params: { nFeatures: D } });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  const mc = await call<{ jobId: number }>('metrics.compute', { basisId: fit.basisId, metrics: [...metrics], trials: 20, seed: 1 });
  const mj = await lab.jobs.wait(mc.jobId);
  assert.equal(mj.status, 'done', mj.error ?? '');
  const other = await call<FeatureTable>('features.table', { basisId: fit.basisId });
  const cmp = await call<Comparison>('compare.run', { harvestId, bootstrap: 200, seed: 1 });
  const neurons = cmp.bases.find((x) => x.basisId === neuronsId)!;
  for (const m of metrics) {
    const n = neurons.metrics[m]!.null!;
    assert.equal(n.basisId, nullId, `${m}: the neurons were read against the null basis`);
    const z = other.features.map((f) => f.metrics[m]).filter((x): x is number => x !== undefined).map((v) => (v - n.mean) / n.sd);
    assert.ok(z.length >= 30, `${m}: ${z.length} scored random directions`);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    report[`second random ${m} mean z`] = mean.toFixed(3);
    assert.ok(Math.abs(mean) < 0.75, `${m}: mean z of an independent random basis ${mean}`);
  }
  // The comparison's median z is the median of the table's z-scores.
  for (const [basisId, t] of [
    [neuronsId, table],
    [nullId, own],
  ] as const) {
    const b = cmp.bases.find((x) => x.basisId === basisId)!;
    for (const m of metrics) {
      const z = t.features.map((f) => f.zScores?.[m]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
      const med = z.length % 2 ? z[(z.length - 1) / 2]! : (z[z.length / 2 - 1]! + z[z.length / 2]!) / 2;
      assert.ok(Math.abs(b.metrics[m]!.medianZ! - med) < 1e-9, `${m}: median z ${b.metrics[m]!.medianZ} vs ${med}`);
    }
  }
  console.log('z-scores', JSON.stringify(report));
});

test('compare.run: medians with intervals, Mann–Whitney against random, match matrix; collections', async () => {
  const cmp = await call<Comparison>('compare.run', { harvestId, bootstrap: 500, seed: 3 });
  const again = await call<Comparison>('compare.run', { harvestId, bootstrap: 500, seed: 3 });
  assert.deepEqual(cmp, again, 'seeded bootstrap is deterministic');
  // The service worker computed it from its own connection: the same as computing it here, on the serving thread.
  assert.deepEqual(cmp, JSON.parse(JSON.stringify(await compareBases(lab['db']!, harvestId, 500, 3))));
  await assert.rejects(call('compare.run', { harvestId: 999, bootstrap: 100, seed: 0 }), (err: unknown) => {
    assert.match((err as Error).message, /999/, 'an unknown harvest is named in a sentence from the worker');
    assert.ok((err as { code?: string }).code && (err as { code?: string }).code !== 'internal');
    return true;
  });
  const neurons = cmp.bases.find((b) => b.basisId === neuronsId)!;
  const m = neurons.metrics['label-purity']!;
  assert.ok(m.ci95[0] <= m.median && m.median <= m.ci95[1]);
  assert.ok(m.vsRandom && m.vsRandom.p >= 0 && m.vsRandom.p <= 1);
  assert.equal(m.vsNeurons, null);
  assert.equal(cmp.matchMatrix.length, cmp.bases.length);
  assert.ok(cmp.matchMatrix.every((row, i) => row[i] === 1 && row.every((v) => v > 0 && v <= 1 + 1e-6)));
  await call('collections.pin', { name: 'digits', basisId: neuronsId, feature: 3, pinned: true });
  await call('collections.pin', { name: 'digits', basisId: neuronsId, feature: 4, pinned: true });
  const r = await call<{ name: string; items: unknown[] }>('collections.pin', { name: 'digits', basisId: neuronsId, feature: 3, pinned: false });
  assert.deepEqual(r, { name: 'digits', items: [{ basisId: neuronsId, feature: 4 }] });
  assert.deepEqual(await call('collections.list', {}), [r]);
});
