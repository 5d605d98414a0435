// Bad input in the UI, end to end: the headless server with the built renderer, driven in a real Chromium. Setup
// through the API: mnist-8 over 120 white-noise images (no labels), a harvest of ReLU114_Output_0, the neurons basis
// and its feature statistics, and a tiny vector network (input N×10) opened as a model. Then the Features panel:
// asking for a label metric on the unlabelled set, and for a perceptual metric with the vector network, each shows the
// engine's one-sentence message in the page — no stack trace, no error type, no job started.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { GraphBuilder } from '../../main/onnx/builder';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixtureModels } from '../helpers/fixtures';

let lab: E2eLab | null = null;
let page: Page | null = null;
let url = '';
let pageErrors: string[] = [];
const api = <T = unknown>(method: string, params: Record<string, unknown>): Promise<T> => lab!.api<T>(method, params);

before(async () => {
  lab = await startE2eLab('cajal-e2e-bad-input-', 'bad-input.cajal');
  ({ page, url, pageErrors } = lab);
});

after(async () => {
  await lab?.close();
});

/** A stack trace or an error type leaking into a message. */
const TRACE = /\n\s+at |Error:|TypeError|ApiError|UserError|\.ts:\d+|node:internal/;

test('bad input: label metrics on white noise and a non-image perceptual network say why in one sentence', { timeout: 300_000 }, async () => {
  // --- setup through the API --------------------------------------------------------------------------------------
  const model = await api<{ id: number }>('models.open', { path: fixtureModels.mnist8() });
  const set = await api<{ id: number; name: string }>('stimuli.create', {
    spec: { kind: 'noise', distribution: 'gaussian', count: 120, itemShape: [1, 28, 28], seed: 5, mean: 0, std: 50 },
    name: 'white noise',
  });
  const h = await api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'centre' });
  await lab!.waitJob(h.jobId, 120_000);
  const fit = await api<{ jobId: number; basisId: number }>('bases.fit', { harvestId: h.harvestIds[0], method: 'neurons', seed: 0, params: {} });
  await lab!.waitJob(fit.jobId, 120_000);
  const fc = await api<{ jobId: number }>('features.compute', { basisId: fit.basisId, topK: 16, bands: 4 });
  await lab!.waitJob(fc.jobId, 120_000);
  const b = new GraphBuilder({ name: 'vector-net' });
  b.output(b.relu(b.input('x', 'float32', ['N', 10]), 'y'), 'float32', ['N', 10]);
  const vectorNet = join(lab!.dir, 'vector-net.onnx');
  writeFileSync(vectorNet, b.toBytes());
  const vector = await api<{ id: number }>('models.open', { path: vectorNet });
  const jobsBefore = (await api<unknown[]>('jobs.list', {})).length;

  // --- the UI -------------------------------------------------------------------------------------------------------
  const p = page!;
  await p.goto(url);
  await p.locator(tid('rail-features')).click();
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${fit.basisId}"]`).click();
  await p.locator(`${tid('feature-table')}[data-rows="16"]`).waitFor({ timeout: 30_000 });
  await p.locator(tid('metrics-checklist')).waitFor();

  // A label metric on the unlabelled noise set: the form warns as soon as it is ticked, and the engine refuses it.
  const checks = p.locator(`${tid('metrics-checklist')} input[type="checkbox"]`);
  for (let i = 0; i < (await checks.count()); i++) await checks.nth(i).uncheck();
  await p.locator(tid('metric-check-label-purity')).check();
  await p.locator(tid('metric-check-2afc-pixel')).check();
  const warning = p.locator(tid('metrics-label-warning'));
  await warning.waitFor({ timeout: 10_000 });
  assert.equal(await warning.innerText(), 'label-purity needs labels, and white noise has none.');
  await p.locator(tid('metrics-compute')).click();
  const error = p.locator(tid('metrics-error'));
  await error.waitFor({ timeout: 30_000 });
  const labelMessage = await error.innerText();
  assert.equal(labelMessage, 'label-purity needs labelled stimuli, but stimulus set "white noise" has no labels; choose image metrics or a labelled stimulus set.');
  assert.doesNotMatch(labelMessage, TRACE);
  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'e2e-bad-input-labels.png') });

  // A perceptual metric whose network takes vectors, not images.
  await p.locator(tid('metric-check-label-purity')).uncheck();
  await p.locator(tid('metric-check-2afc-perceptual')).check();
  await p.locator(tid('metrics-perceptual')).selectOption(String(vector.id));
  await p.locator(tid('metrics-compute')).click();
  await p.locator(tid('metrics-error'), { hasText: 'vector-net.onnx' }).waitFor({ timeout: 30_000 });
  const perceptualMessage = await error.innerText();
  assert.equal(
    perceptualMessage,
    'The perceptual network vector-net.onnx takes input `x` of shape N×10, which is not an image (N×C×H×W or N×H×W×C with 1 or 3 channels), so it cannot compare stimuli.',
  );
  assert.doesNotMatch(perceptualMessage, TRACE);
  await p.screenshot({ path: join(artifactsDir, 'e2e-bad-input-perceptual.png') });

  assert.equal((await api<unknown[]>('jobs.list', {})).length, jobsBefore, 'no job was started');
  // Chromium logs each refused call's HTTP 400 as a console error; those two are expected, nothing else is.
  const refused = pageErrors.filter((e) => /^Failed to load resource: the server responded with a status of 400\b/.test(e));
  assert.equal(refused.length, 2, 'the two refused calls');
  assert.deepEqual(pageErrors.filter((e) => !refused.includes(e)), [], `no other errors in the page: ${pageErrors.join('; ')}`);
});
