// Compare, end to end: the headless server with the built renderer (out/renderer), driven in a real Chromium.
// Setup goes through the API (POST /api/call): mnist-8, 10,000 MNIST digits (pixels 0..255), a harvest of the second
// conv ReLU (ReLU114_Output_0, centre position, d = 16), the neurons, random, PCA, ICA, NMF, K-means and a TopK SAE
// bases, their feature statistics, and the label and pixel metrics of each. Then the UI: "Run comparison" draws one
// box plot per metric, the Mann–Whitney table, the basis quality table and the match matrix; "Send to report" keeps
// it in a new report, which the Reports panel lists, previews and exports as one HTML file with a chart per metric.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startE2eLab, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixtureModels } from '../helpers/fixtures';

let lab: E2eLab | null = null;
let page: Page | null = null;
let url = '';
let pageErrors: string[] = [];
const api = <T = unknown>(method: string, params: Record<string, unknown>): Promise<T> => lab!.api<T>(method, params);
const waitJob = (jobId: number, timeoutMs: number): Promise<void> => lab!.waitJob(jobId, timeoutMs);

before(async () => {
  lab = await startE2eLab('cajal-e2e-compare-', 'compare.cajal');
  ({ page, url, pageErrors } = lab);
});

after(async () => {
  await lab?.close();
});

test('compare: seven bases of a conv ReLU, box plots, tests and the match matrix', { timeout: 600_000 }, async () => {
  // --- setup through the API --------------------------------------------------------------------------------------
  const model = await api<{ id: number; tensors: { name: string }[] }>('models.open', { path: fixtureModels.mnist8() });
  const tensor = model.tensors.find((t) => t.name === 'ReLU114_Output_0')?.name;
  assert.ok(tensor, 'mnist-8 has ReLU114_Output_0');
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 10_000, recipe }, name: 'mnist 10000' });
  const h = await api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: [tensor], positions: 'centre' });
  await waitJob(h.jobId, 120_000);
  const harvestId = h.harvestIds[0];

  const fits: [string, Record<string, number | boolean | string>][] = [
    ['neurons', {}],
    ['random', { nFeatures: 16 }],
    ['pca', { nFeatures: 16 }],
    ['ica', { nFeatures: 16 }],
    ['nmf', { nFeatures: 16 }],
    ['kmeans', { nFeatures: 16 }],
    ['sae-topk', { nFeatures: 64, k: 4, steps: 200, batchSize: 128 }],
  ];
  const basisIds: number[] = [];
  for (const [method, params] of fits) {
    const r = await api<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method, seed: 0, params });
    await waitJob(r.jobId, 180_000);
    basisIds.push(r.basisId);
  }
  const defs = await api<{ name: string; needsLabels: boolean; needsPerceptualModel: boolean }[]>('metrics.definitions', {});
  const metrics = defs.filter((d) => !d.needsPerceptualModel && (d.name.endsWith('-label') || d.name.endsWith('-pixel'))).map((d) => d.name);
  assert.ok(metrics.length >= 2, `label and pixel metrics are defined (${metrics.join(', ')})`);
  for (const basisId of basisIds) {
    const fc = await api<{ jobId: number }>('features.compute', { basisId, topK: 16, bands: 4 });
    await waitJob(fc.jobId, 180_000);
    const mc = await api<{ jobId: number }>('metrics.compute', { basisId, metrics, trials: 10, seed: 0 });
    await waitJob(mc.jobId, 240_000);
  }

  // --- the UI -------------------------------------------------------------------------------------------------------
  const p = page!;
  const tid = (id: string) => `[data-testid="${id}"]`;
  await p.goto(url);
  await p.locator(tid('rail-compare')).click();
  await p.locator(tid('compare-panel')).waitFor({ timeout: 30_000 });
  await p.locator(tid('compare-empty')).waitFor({ timeout: 30_000 });
  assert.equal(await p.locator(tid('compare-send-report')).isDisabled(), true, 'nothing to send before the comparison runs');
  await p.locator(tid('compare-run')).click();
  await p.locator(tid('compare-results')).waitFor({ timeout: 120_000 });

  // One box plot per metric, each with a drawn canvas.
  await p.locator(`${tid('compare-boxplot')} canvas`).first().waitFor({ timeout: 30_000 });
  const boxes = await p.locator(tid('compare-boxplot')).count();
  assert.equal(boxes, metrics.length, `a box plot per metric (${boxes} of ${metrics.length})`);
  const shown = await p.locator(tid('compare-boxplot')).evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')));
  assert.deepEqual([...shown].sort(), [...metrics].sort());
  const bb = await p.locator(`${tid('compare-boxplot')} canvas`).first().boundingBox();
  assert.ok(bb && bb.width > 200 && bb.height > 150, 'the box plot has a size');

  // The tests: one row per metric and basis; p values under 0.05 highlighted somewhere (the SAE or PCA vs random).
  const testRows = Number(await p.locator(tid('compare-tests')).getAttribute('data-rows'));
  assert.equal(testRows, metrics.length * basisIds.length, `a test row per metric and basis (${testRows})`);
  await p.locator(tid('compare-test-row')).first().waitFor();
  // Each row carries the median z-score against the random-direction null; the random basis' own is near 0.
  const heads = await p.locator(`${tid('compare-tests')} .vt-th`).allInnerTexts();
  const zCol = heads.findIndex((t) => t.startsWith('med. z'));
  assert.ok(zCol >= 0, `a median z column (${heads.join(' | ')})`);
  const randomRow = p.locator(tid('compare-test-row'), { hasText: 'random' }).first();
  const randomZ = Number((await randomRow.locator('.vt-td').nth(zCol).innerText()).replace('−', '-'));
  assert.ok(Number.isFinite(randomZ) && Math.abs(randomZ) < 1, `random basis median z ${randomZ}`);
  const qualityRows = Number(await p.locator(tid('compare-quality')).getAttribute('data-rows'));
  assert.equal(qualityRows, basisIds.length, 'a quality row per basis');
  const methodsShown = await p.locator(`${tid('compare-quality-row')} .vt-td:nth-child(1)`).allInnerTexts();
  assert.deepEqual(methodsShown, ['neurons', 'random', 'pca', 'ica', 'nmf', 'kmeans', 'sae-topk'], 'bases in the fixed method order');

  // The match matrix.
  await p.locator(`${tid('match-matrix')} canvas`).first().waitFor({ timeout: 30_000 });
  const mb = await p.locator(`${tid('match-matrix')} canvas`).first().boundingBox();
  assert.ok(mb && mb.width > 200 && mb.height > 200, 'the match matrix has a size');

  mkdirSync(artifactsDir, { recursive: true });
  await p.mouse.move(5, 5);
  await p.waitForTimeout(300);
  await p.screenshot({ path: join(artifactsDir, 'e2e-compare.png') });
  await p.locator(tid('compare-tests')).scrollIntoViewIfNeeded();
  await p.waitForTimeout(200);
  await p.screenshot({ path: join(artifactsDir, 'e2e-compare-tables.png') });

  // --- Send to report, the Reports panel, export -------------------------------------------------------------------
  assert.equal(await p.locator(tid('compare-send-report-target')).inputValue(), 'new', 'a new report by default');
  await p.locator(tid('compare-send-report')).click();
  const sent = p.locator(tid('compare-send-report-sent'));
  await sent.waitFor({ timeout: 60_000 });
  assert.match(await sent.innerText(), /^Sent the comparison of harvest #1 as section 1 of “Comparison of ReLU114_Output_0 · mnist-8\.onnx”\.$/);
  await sent.locator('a').click();
  await p.locator(tid('reports-panel')).waitFor({ timeout: 30_000 });
  assert.equal(await p.locator(tid('report-item')).count(), 1);
  await p.locator(tid('report-section')).first().waitFor({ timeout: 30_000 });
  assert.equal(await p.locator(tid('report-section')).count(), 1);
  assert.equal(await p.locator(tid('report-section')).first().getAttribute('data-kind'), 'comparison');

  // The preview: the exported file in a sandboxed iframe, styled by its own stylesheet (the app's CSP allows its hash).
  const preview = p.frameLocator(tid('report-preview'));
  await preview.locator('figure[data-metric] svg').first().waitFor({ timeout: 60_000 });
  assert.equal(await preview.locator('figure[data-metric]').count(), metrics.length, 'a chart per metric in the preview');
  assert.equal(await preview.locator('h1').evaluate((e) => getComputedStyle(e).fontSize), '22px', 'the report stylesheet applies in the preview');

  const [download] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.locator(tid('report-export')).click()]);
  assert.match(download.suggestedFilename(), /^cajal-report-\d+-comparison-of-relu114-output-0-mnist-8onnx\.html$/);
  const html = readFileSync((await download.path())!, 'utf8');
  assert.match(html, /<svg/);
  assert.equal((html.match(/<figure data-metric="/g) ?? []).length, metrics.length, 'a chart per metric in the file');
  assert.ok(!/<script|<link|src="http/i.test(html), 'nothing to run or fetch');
  await p.mouse.move(5, 5);
  await p.waitForTimeout(300);
  await p.screenshot({ path: join(artifactsDir, 'e2e-reports.png') });

  // --- z-scores in the Features table: the toggle turns every metric column into its z against the null -----------
  await p.locator(tid('rail-features')).click();
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${basisIds[0]}"]`).click();
  await p.locator(`${tid('feature-table')}[data-rows="16"]`).waitFor({ timeout: 30_000 });
  const before = await p.locator(`${tid('feature-table')} .vt-th`).allInnerTexts();
  assert.ok(!before.some((t) => t.startsWith('z ')), 'values shown by default');
  await p.locator(tid('feature-show-z')).check();
  const zHeads = await p.locator(`${tid('feature-table')} .vt-th`).allInnerTexts();
  assert.equal(zHeads.filter((t) => t.startsWith('z ')).length, metrics.length, `a z column per metric (${zHeads.join(' | ')})`);
  const table = await api<{ features: { zScores: Record<string, number> }[] }>('features.table', { basisId: basisIds[0] });
  const firstZ = table.features[0]!.zScores[metrics.slice().sort()[0]!];
  const zIdx = zHeads.findIndex((t) => t.startsWith('z '));
  const shownZ = await p.locator(`${tid('feature-row')}[data-key="0"] .vt-td`).nth(zIdx).innerText();
  assert.ok(firstZ !== undefined && Math.abs(Number(shownZ.replace('−', '-')) - firstZ) < 0.01 * Math.max(1, Math.abs(firstZ)), `feature 0 shows z ${shownZ} = ${firstZ}`);
  await p.mouse.move(5, 5);
  await p.waitForTimeout(200);
  await p.screenshot({ path: join(artifactsDir, 'e2e-features-z.png') });

  const csp = await p.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  assert.deepEqual(csp, [], `no Content-Security-Policy violations: ${csp.join('; ')}`);
  assert.deepEqual(pageErrors, [], `no errors in the page: ${pageErrors.join('; ')}`);
});
