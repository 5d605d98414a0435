// Time to first render in a real browser (Debian's Chromium): the feature table of an SAE with 16,384 latents, and a
// feature card, beside the engine's own answer time for the same data over HTTP (what the UI adds on top).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startE2eLab, tid } from '../test/helpers/e2e';
import { repoRoot } from '../test/helpers/fixtures';
import type { FeatureTable } from '../main/api/contract';
import type { Row } from './table';

const N_FEATURES = 16384;

export async function benchUi(): Promise<Row[]> {
  if (!existsSync('/usr/bin/chromium') || !existsSync(join(repoRoot, 'out/renderer/index.html'))) {
    return [{ name: 'ui: feature table / card first render', value: NaN, unit: 'ms', note: 'skipped: needs /usr/bin/chromium and a built renderer (npm run build)' }];
  }
  const lab = await startE2eLab('cajal-bench-ui-', 'ui.cajal');
  const { api, page, url } = lab;
  const wait = (jobId: number) => lab.waitJob(jobId, 600_000);
  try {
    const model = await api<{ id: number }>('models.open', { path: join(repoRoot, 'resources/models/mnist-mlp.onnx') });
    const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
    const set = await api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 2000, recipe } });
    const h = await api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre' });
    await wait(h.jobId);
    const fit = await api<{ jobId: number; basisId: number }>('bases.fit', { harvestId: h.harvestIds[0], method: 'sae-topk', seed: 0, params: { nFeatures: N_FEATURES, k: 16, steps: 50, batchSize: 256 } });
    await wait(fit.jobId);
    const fc = await api<{ jobId: number }>('features.compute', { basisId: fit.basisId, topK: 16, bands: 6 });
    await wait(fc.jobId);

    // The engine's answers, measured on a second call (the first warms caches), so they compare with what the
    // browser gets below: the table's second load, and a card whose thumbnails already exist.
    await api('features.table', { basisId: fit.basisId });
    let t = performance.now();
    await api('features.table', { basisId: fit.basisId });
    const tableApi = performance.now() - t;
    // The card of a live feature (most of a short TopK run's 16,384 latents never fire, and a dead feature's card
    // has no top examples to draw): the one with the largest maximum, which the table shows first when sorted by Max.
    const table = await api<FeatureTable>('features.table', { basisId: fit.basisId });
    const live = table.features.reduce((a, b) => (b.max > a.max ? b : a));
    await api('features.get', { basisId: fit.basisId, feature: live.feature });
    t = performance.now();
    await api('features.get', { basisId: fit.basisId, feature: live.feature });
    const cardApi = performance.now() - t;

    await page.goto(url);
    await page.locator(tid('rail-features')).click();
    await page.locator(tid('features-panel')).waitFor();
    t = performance.now();
    await page.locator(`${tid('features-basis-item')}[data-basis-id="${fit.basisId}"]`).click();
    await page.locator(`${tid('feature-table')}[data-rows="${N_FEATURES}"] ${tid('feature-row')}`).first().waitFor({ timeout: 120_000 });
    const tableUi = performance.now() - t;
    await page.locator(`${tid('feature-table')} .vt-th`, { hasText: 'Max' }).click();
    const row = page.locator(`${tid('feature-row')}[data-key="${live.feature}"]`);
    await row.waitFor({ timeout: 30_000 });
    t = performance.now();
    await row.click();
    await page.locator(`${tid('feature-card')}[data-feature="${live.feature}"][data-loading="false"] ${tid('feature-top-grid')} img`).first().waitFor({ timeout: 120_000 });
    const cardUi = performance.now() - t;
    return [
      { name: `ui: feature table first render (${N_FEATURES} features)`, value: tableUi, unit: 'ms', reference: 'features.table over HTTP', referenceValue: tableApi, ratio: tableApi / tableUi, note: 'ratio = warm engine answer time / time until the first rows are on screen (the share of the wait that is the engine)' },
      { name: 'ui: feature card first render', value: cardUi, unit: 'ms', reference: 'features.get over HTTP', referenceValue: cardApi, ratio: cardApi / cardUi, note: 'the card of the feature with the largest maximum (first row when sorted by Max); the engine figure is a warm features.get of the same feature' },
    ];
  } finally {
    await lab.close();
  }
}
