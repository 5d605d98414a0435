// Exports in the app, end to end: the headless server with the built renderer, driven in a real Chromium. Setup
// through the API (the bundled MNIST MLP over 300 digits, hidden1; random, neurons and PCA bases with statistics and
// label metrics; the comparison sent to a report). Then the UI: a comparison chart saved as PNG and as SVG (real
// downloads: a PNG signature, an SVG drawing with the bases' names), the comparison exported as CSV beside its
// tables, an export into a missing folder answered in one sentence, and the report exported as PDF by the
// machine's Chromium from the Reports panel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { repoRoot } from '../helpers/fixtures';

let lab: E2eLab | null = null;
let page: Page | null = null;
const api = <T = unknown>(method: string, params: Record<string, unknown>): Promise<T> => lab!.api<T>(method, params);

before(async () => {
  lab = await startE2eLab('cajal-e2e-export-', 'export.cajal');
  page = lab.page;
});

after(async () => {
  await lab?.close();
});

test('charts save as PNG and SVG; the comparison exports as CSV; the report as PDF', { timeout: 600_000 }, async () => {
  const model = await api<{ id: number }>('models.open', { path: join(repoRoot, 'resources/models/mnist-mlp.onnx') });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 300, recipe } });
  const h = await api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre' });
  await lab!.waitJob(h.jobId, 120_000);
  const harvestId = h.harvestIds[0]!;
  for (const [method, params] of [['random', { nFeatures: 32 }], ['neurons', {}], ['pca', { nFeatures: 32 }]] as const) {
    const r = await api<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method, seed: 0, params });
    await lab!.waitJob(r.jobId, 120_000);
    const fc = await api<{ jobId: number }>('features.compute', { basisId: r.basisId });
    await lab!.waitJob(fc.jobId, 120_000);
    const mc = await api<{ jobId: number }>('metrics.compute', { basisId: r.basisId, metrics: ['label-purity', '2afc-label'] });
    await lab!.waitJob(mc.jobId, 120_000);
  }
  await api('reports.addComparison', { reportId: null, harvestId });

  const p = page!;
  await p.goto(lab!.url);
  await p.locator(tid('rail-compare')).click();
  await p.locator(tid('compare-run')).click();
  await p.locator(tid('compare-results')).waitFor({ timeout: 120_000 });
  const box = p.locator(tid('compare-boxplot')).first();
  await box.locator('canvas').first().waitFor({ timeout: 30_000 });
  await box.hover();

  const [png] = await Promise.all([p.waitForEvent('download'), box.locator(tid('chart-save-png')).click()]);
  const pngPath = join(lab!.dir, png.suggestedFilename());
  await png.saveAs(pngPath);
  assert.match(png.suggestedFilename(), /\.png$/);
  const pngBytes = readFileSync(pngPath);
  assert.deepEqual([...pngBytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.ok(pngBytes.length > 5_000, `a drawn chart (${pngBytes.length} bytes)`);

  const [svg] = await Promise.all([p.waitForEvent('download'), box.locator(tid('chart-save-svg')).click()]);
  const svgPath = join(lab!.dir, svg.suggestedFilename());
  await svg.saveAs(svgPath);
  assert.match(svg.suggestedFilename(), /\.svg$/);
  const svgText = readFileSync(svgPath, 'utf8');
  assert.match(svgText, /^<svg[\s\S]*<\/svg>$/);
  for (const name of ['neurons', 'PCA'].map((n) => n.toLowerCase())) assert.ok(svgText.toLowerCase().includes(name), `the SVG draws ${name}`);
  assert.ok((svgText.match(/<path\b/g) ?? []).length > 10, 'boxes and whiskers drawn as paths');

  // Export… beside the comparison: CSV into the lab's folder, then into a folder that does not exist.
  const exp = p.locator(tid('export-comparison'));
  await exp.locator(tid('export-comparison-open')).click();
  await exp.locator(tid('export-comparison-format')).selectOption('csv');
  const csvPath = join(lab!.dir, 'comparison.csv');
  await exp.locator(tid('export-comparison-path')).fill(csvPath);
  await exp.locator(tid('export-comparison-save')).click();
  await exp.locator(tid('export-comparison-done')).waitFor({ timeout: 60_000 });
  const csv = readFileSync(csvPath, 'utf8').trim().split('\r\n');
  assert.ok(csv[0]!.startsWith('harvest_id,basis_id,basis,method,n_features'), csv[0]);
  assert.equal(csv.length, 1 + 3 * 2, 'three bases × two metrics');
  await exp.locator(tid('export-comparison-path')).fill(join(lab!.dir, 'nowhere', 'c.csv'));
  await exp.locator(tid('export-comparison-save')).click();
  const err = await exp.locator(tid('export-comparison-error')).textContent({ timeout: 30_000 });
  assert.match(err ?? '', /^There is no folder .*nowhere to write the comparison export into; create it first or choose another\.$/);

  // The report as PDF from the Reports panel.
  await p.locator(tid('rail-reports')).click();
  await p.locator(tid('report-item')).first().click();
  const pdf = p.locator(tid('report-pdf'));
  await pdf.locator(tid('report-pdf-open')).click();
  const pdfPath = join(lab!.dir, 'report.pdf');
  await pdf.locator(tid('report-pdf-path')).fill(pdfPath);
  await pdf.locator(tid('report-pdf-save')).click();
  const done = await pdf.locator(tid('report-pdf-done')).textContent({ timeout: 120_000 });
  assert.match(done ?? '', /^Wrote \d+ pages to .*report\.pdf\.$/);
  assert.ok(existsSync(pdfPath));
  assert.equal(readFileSync(pdfPath).subarray(0, 5).toString('latin1'), '%PDF-');
  // The refused export is a 400 answer, which the browser logs; nothing else went wrong in the page.
  const refused = lab!.pageErrors.filter((e) => /^Failed to load resource: the server responded with a status of 400\b/.test(e));
  assert.equal(refused.length, 1, 'the one refused export');
  assert.deepEqual(lab!.pageErrors.filter((e) => !refused.includes(e)), []);
});
