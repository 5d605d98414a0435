// The lesion panels in a real Chromium (#10), served headless with the built renderer, on the bundled MNIST MLP:
// setup through the HTTP API (1,000 digits, a harvest of hidden1, an 8-direction PCA basis with feature statistics),
// then everything else through the UI — an ablation sweep of every PCA direction (effect table checked row by row
// against lesions.get, sorting, the lesion map's canvas, the culprits per digit recomputed here from the stored
// rows), a steering sweep (its curve, and the feature card's "What it does"), an exact and a sampled Shapley
// analysis (value rows, efficiency, interactions, convergence), and "Send to report" rendered to HTML with the
// lesion map and the Shapley bars as inline SVG. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { LesionsResults, ShapleySummary, SweepSummary } from '../../main/api/contract';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixture, repoRoot } from '../helpers/fixtures';

let lab: E2eLab | null = null;
const STIMULI = 400;

before(async () => {
  lab = await startE2eLab('cajal-e2e-lesions-', 'lesions.cajal');
});
after(async () => {
  await lab?.close();
});

/** Pixels of a chart's canvas that are drawn (not transparent, not the white background). */
function inkedPixels(p: Page, testid: string): Promise<number> {
  return p.evaluate((id) => {
    const cv = document.querySelector(`[data-testid="${id}"] canvas`) as HTMLCanvasElement | null;
    if (!cv) return 0;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && (d[i]! < 235 || d[i + 1]! < 235 || d[i + 2]! < 235)) n++;
    return n;
  }, testid);
}

const shot = (p: Page, name: string) => p.screenshot({ path: join(artifactsDir, `e2e-lesions-${name}.png`), fullPage: true });

test('lesion panels: sweep table, lesion map, culprits, steering, Shapley, report — rendered in Chromium', { timeout: 900_000 }, async () => {
  const l = lab!;
  mkdirSync(artifactsDir, { recursive: true });
  const model = await l.api<{ id: number; tensors: { name: string }[] }>('models.open', { path: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx') });
  const tensor = model.tensors.find((t) => t.name === 'hidden1')?.name;
  assert.ok(tensor, 'mnist-mlp has hidden1');
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await l.api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 1000, recipe }, name: 'mnist 1000' });
  const h = await l.api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: [tensor], positions: 'centre' });
  await l.waitJob(h.jobId, 120_000);
  const fit = await l.api<{ jobId: number; basisId: number }>('bases.fit', { harvestId: h.harvestIds[0], method: 'pca', seed: 0, params: { nFeatures: 8 }, name: 'pca 8' });
  await l.waitJob(fit.jobId, 120_000);
  const fc = await l.api<{ jobId: number }>('features.compute', { basisId: fit.basisId, topK: 10, bands: 2 });
  await l.waitJob(fc.jobId, 120_000);

  const p = l.page;
  await p.goto(l.url);

  // --- ablation sweep: every PCA direction projected out, each alone -------------------------------------------
  await p.click(tid('rail-ablation'));
  await p.waitForSelector(tid('panel-ablation'));
  await p.check(tid('ablate-source-basis'));
  await p.selectOption(tid('ablate-basis'), String(fit.basisId));
  await p.selectOption(tid('ablate-elements'), 'all');
  await p.selectOption(tid('ablate-mode'), 'project');
  await p.fill(tid('ablate-stimuli'), String(STIMULI));
  await p.click(tid('ablate-run'));
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="lesion-row"]').length === 8, undefined, { timeout: 300_000 });

  const runs = await l.api<LesionsResults['lesions.list']>('lesions.list', {});
  const sweepInfo = runs.find((r) => r.kind === 'sweep')!;
  const sweep = await l.api<LesionsResults['lesions.get']>('lesions.get', { runId: sweepInfo.id });
  const summary = sweep.run.summary as unknown as SweepSummary;
  assert.equal(summary.stimuli, STIMULI);
  assert.deepEqual(sweep.run.elements, [0, 1, 2, 3, 4, 5, 6, 7]);
  // Each table row is its stored lesion: Δ accuracy = lesioned − clean.
  const shown = await p.$$eval('[data-testid="lesion-row"]', (rows) => rows.map((r) => ({ element: Number(r.getAttribute('data-element')), delta: Number(r.getAttribute('data-delta')) })));
  for (const row of sweep.results) {
    const ui = shown.find((s) => s.element === row.element)!;
    assert.ok(Math.abs(ui.delta - (row.effects.classes!.accuracy - summary.clean.accuracy!)) < 1e-12, `row ${row.element}`);
  }
  // Sorted by Δ accuracy, most harmful first; a click on the header reverses it.
  const deltas = shown.map((s) => s.delta);
  assert.deepEqual(deltas, [...deltas].sort((a, b) => a - b));
  const deltaHeader = p.locator(`${tid('lesion-table')} .vt-th`, { hasText: 'Δ accuracy' });
  await deltaHeader.click(); // ascending → the run's order
  await deltaHeader.click(); // → descending
  const reversed = await p.$$eval('[data-testid="lesion-row"]', (rows) => rows.map((r) => Number(r.getAttribute('data-delta'))));
  assert.deepEqual(reversed, [...deltas].sort((a, b) => b - a));
  // Every lesion changed the output (the map has something to show), and the map is drawn.
  for (const r of sweep.results) assert.ok(r.effects.mse > 0, `lesion ${r.name} changed nothing`);
  await p.waitForSelector(`${tid('lesion-map')} canvas`);
  assert.ok((await inkedPixels(p, 'lesion-map')) > 2000, 'the lesion map has cells drawn');
  // The culprits of each digit, recomputed here from the stored rows: the largest drop of that digit's accuracy.
  const culprits = await p.$$eval('[data-testid="lesion-culprit"]', (rows) => rows.map((r) => r.querySelectorAll('td.num').length));
  assert.equal(culprits.length, 10);
  for (let c = 0; c < 10; c++) {
    const drops = sweep.results.map((r) => r.effects.classes!.perClassAccuracy[c]! - summary.clean.perClassAccuracy![c]!).filter((d) => d < 0);
    assert.equal(culprits[c], Math.min(3, drops.length), `digit ${c}`);
  }
  const firstCulprit = await p.locator(`${tid('lesion-culprit')}[data-class="${summary.classNames?.[0] ?? '0'}"] td.num`).first().textContent();
  const worst0 = sweep.results.map((r) => ({ name: r.name, d: r.effects.classes!.perClassAccuracy[0]! - summary.clean.perClassAccuracy![0]! })).sort((a, b) => a.d - b.d)[0]!;
  if (worst0.d < 0) assert.match(firstCulprit ?? '', new RegExp(`${(worst0.d * 100).toFixed(1)} pt`));
  await shot(p, 'sweep');
  await p.selectOption(tid('lesion-map-measure'), 'logit');
  await p.waitForTimeout(300);
  assert.ok((await inkedPixels(p, 'lesion-map')) > 2000, 'the Δ logit map is drawn');

  // --- report: the sweep as a section ------------------------------------------------------------------------
  await p.click(tid('ablate-send-report'));
  await p.waitForSelector(tid('ablate-send-report-sent'));

  // --- steering sweep: three directions at three α --------------------------------------------------------------
  await p.selectOption(tid('ablate-elements'), 'list');
  await p.fill(tid('ablate-list'), '0-2');
  await p.selectOption(tid('ablate-mode'), 'steer');
  await p.fill(tid('ablate-alphas'), '-3, 0, 3');
  await p.click(tid('ablate-run'));
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="lesion-row"]').length === 9, undefined, { timeout: 300_000 });
  await p.waitForSelector(`${tid('steer-curve')} canvas`);
  assert.ok((await inkedPixels(p, 'steer-curve')) > 500, 'the steering curve is drawn');
  // At α = 0 steering changes nothing.
  const steer = await l.api<LesionsResults['lesions.get']>('lesions.get', { runId: (await l.api<LesionsResults['lesions.list']>('lesions.list', {})).filter((r) => r.kind === 'sweep').at(-1)!.id });
  for (const r of steer.results.filter((x) => x.alpha === 0)) assert.ok(Math.abs(r.effects.classes!.accuracy - summary.clean.accuracy!) < 1e-12);
  await shot(p, 'steer');

  // --- a long sweep, cancelled from the panel and resumed: every unit of hidden1 steered at 16 α ------------------
  await p.click(tid('ablate-source-units'));
  await p.selectOption(tid('ablate-elements'), 'all');
  await p.fill(tid('ablate-alphas'), Array.from({ length: 16 }, (_, i) => i - 8).join(', '));
  await p.click(tid('ablate-run'));
  await p.click(tid('ablate-job-cancel'), { timeout: 60_000 });
  await p.waitForSelector(`${tid('ablate-job')}[data-status="cancelled"]`, { timeout: 60_000 });
  const cancelled = (await l.api<LesionsResults['lesions.list']>('lesions.list', {})).filter((r) => r.kind === 'sweep').at(-1)!;
  assert.equal(cancelled.elements.length, 256);
  await p.click(tid('ablate-job-resume'));
  await p.waitForSelector(`${tid('lesion-table')}[data-rows="4096"]`, { timeout: 600_000 });
  assert.ok((await p.locator(tid('lesion-row')).count()) < 100, 'only the rows in view are in the DOM');
  const long = await l.api<LesionsResults['lesions.get']>('lesions.get', { runId: cancelled.id });
  assert.equal(long.results.length, 4096);
  await shot(p, 'long-sweep');

  // --- the feature card's "What it does" -----------------------------------------------------------------------
  await p.click(tid('rail-features'));
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${fit.basisId}"]`).click();
  await p.waitForSelector(`${tid('feature-what-bars')} canvas`, { timeout: 60_000 });
  await p.waitForSelector(`${tid('feature-what-steer')} canvas`);
  assert.ok((await inkedPixels(p, 'feature-what-bars')) > 100, 'the per-class bars are drawn');
  await p.locator(tid('feature-what-it-does')).scrollIntoViewIfNeeded();
  await shot(p, 'feature-card');

  // --- Shapley: exact over six directions, then sampled over all eight ----------------------------------------
  await p.click(tid('rail-shapley'));
  await p.waitForSelector(tid('panel-shapley'));
  await p.check(tid('shapley-source-basis'));
  await p.selectOption(tid('shapley-basis'), String(fit.basisId));
  await p.selectOption(tid('shapley-elements'), 'list');
  await p.fill(tid('shapley-list'), '0-5');
  await p.selectOption(tid('shapley-mode'), 'project');
  await p.fill(tid('shapley-stimuli'), '200');
  await p.selectOption(tid('shapley-game'), 'accuracy');
  await p.selectOption(tid('shapley-method'), 'exact');
  await p.fill(tid('shapley-interactions-k'), '4');
  await p.click(tid('shapley-run'));
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="shapley-row"]').length === 6, undefined, { timeout: 300_000 });
  await p.waitForSelector(`${tid('shapley-bars')} canvas`);
  await p.waitForSelector(`${tid('shapley-interactions')} canvas`);
  assert.ok((await inkedPixels(p, 'shapley-bars')) > 500);
  const exact = (await l.api<LesionsResults['lesions.get']>('lesions.get', { runId: (await l.api<LesionsResults['lesions.list']>('lesions.list', {})).find((r) => r.kind === 'shapley')!.id })).run.summary as unknown as ShapleySummary;
  assert.equal(exact.method, 'exact');
  assert.equal(Number(await p.locator(tid('shapley-vall')).textContent().then((t) => t!.replace('−', '-'))).toFixed(2), exact.vAll.toFixed(2));
  assert.ok(Number(await p.locator(tid('shapley-efficiency')).textContent()) < 1e-6, 'efficiency gap shown below 1e-6');
  const order = await p.$$eval('[data-testid="shapley-row"]', (rows) => rows.map((r) => Number(r.getAttribute('data-element'))));
  assert.deepEqual(order, exact.values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i).map((x) => x.i));
  await shot(p, 'shapley-exact');
  await p.click(tid('shapley-send-report'));
  await p.waitForSelector(tid('shapley-send-report-sent'));

  await p.selectOption(tid('shapley-elements'), 'all');
  await p.selectOption(tid('shapley-method'), 'sampled');
  await p.fill(tid('shapley-samples'), '40');
  await p.click(tid('shapley-run'));
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="shapley-row"]').length === 8, undefined, { timeout: 300_000 });
  await p.waitForSelector(`${tid('shapley-convergence')} canvas`);
  assert.ok((await inkedPixels(p, 'shapley-convergence')) > 500, 'the convergence plot is drawn');
  await shot(p, 'shapley-sampled');

  // --- the report: both sections, with their charts inline ----------------------------------------------------
  const reports = await l.api<{ id: number; sectionCount: number }[]>('reports.list', {});
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.sectionCount, 2);
  const { html } = await l.api<{ html: string }>('reports.render', { id: reports[0]!.id });
  assert.equal((html.match(/data-kind="lesion"/g) ?? []).length, 2);
  assert.match(html, /Lesion map/);
  assert.match(html, /aria-label="Lesion map: change of each class accuracy/);
  assert.match(html, /aria-label="Shapley value of each element/);
  assert.match(html, /aria-label="Pairwise Shapley interactions/);
  for (const r of sweep.results) assert.ok(html.includes(`<td>${r.name}</td>`), `effect row ${r.name} in the report`);
  assert.ok(!/<script/i.test(html));
  writeFileSync(join(artifactsDir, 'e2e-lesions-report.html'), html);
  // The report in a page of its own (its CSP would block the app's calls in this one).
  const reportPage = await p.context().newPage();
  await reportPage.setContent(html);
  await shot(reportPage, 'report');
  await reportPage.close();
  assert.deepEqual(l.pageErrors, []);
});

test('mnist-8: every channel of the first conv layer lesioned alone in the panel gives a lesion map and each digit’s culprits', { timeout: 600_000 }, async () => {
  const l = lab!;
  const model = await l.api<{ id: number }>('models.open', { path: fixture('models/mnist-8.onnx') });
  // mnist-8 reads pixels 0..255 (the lead's integration test uses the same recipe).
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await l.api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 300, recipe }, name: 'mnist 300 (0..255)' });
  const h = await l.api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU32_Output_0'], positions: 'centre' });
  await l.waitJob(h.jobId, 120_000);
  const conv1 = h.harvestIds[0]!;

  const p = l.page;
  await p.goto(l.url);
  await p.click(tid('rail-ablation'));
  await p.waitForSelector(tid('panel-ablation'));
  await p.selectOption(tid('ablate-harvest'), String(conv1));
  await p.check(tid('ablate-source-units'));
  await p.selectOption(tid('ablate-elements'), 'all');
  assert.equal((await p.locator(`${tid('ablate-elements')} option[value="all"]`).textContent())?.trim(), 'all 8', 'conv1 has 8 channels');
  await p.selectOption(tid('ablate-mode'), 'zero');
  assert.equal(await p.locator(tid('ablate-positions')).isEnabled(), true, 'a conv map offers positions');
  await p.selectOption(tid('ablate-positions'), 'all');
  await p.fill(tid('ablate-stimuli'), '300');
  await p.click(tid('ablate-run'));
  await p.waitForSelector(`${tid('lesion-table')}[data-rows="8"]`, { timeout: 300_000 });
  const run = (await l.api<LesionsResults['lesions.list']>('lesions.list', {})).filter((r) => r.kind === 'sweep' && r.harvestId === conv1).at(-1)!;
  const sweep = await l.api<LesionsResults['lesions.get']>('lesions.get', { runId: run.id });
  const summary = sweep.run.summary as unknown as SweepSummary;
  assert.ok(summary.clean.accuracy! >= 0.95, `mnist-8 clean accuracy ${summary.clean.accuracy}`);
  await p.selectOption(tid('lesion-map-measure'), 'accuracy');
  await p.waitForSelector(`${tid('lesion-map')} canvas`);
  assert.ok((await inkedPixels(p, 'lesion-map')) > 2000, 'the lesion map of the 8 channels is drawn');
  // Each digit's first culprit is the channel whose loss lowers that digit's accuracy most (recomputed here).
  for (let c = 0; c < 10; c++) {
    const drops = sweep.results.map((r) => ({ name: r.name, d: r.effects.classes!.perClassAccuracy[c]! - summary.clean.perClassAccuracy![c]! })).sort((a, b) => a.d - b.d);
    const cell = p.locator(`${tid('lesion-culprit')}[data-class="${summary.classNames?.[c] ?? c}"] td.num`).first();
    if (drops[0]!.d < 0) assert.match((await cell.textContent()) ?? '', new RegExp(`${(drops[0]!.d * 100).toFixed(1)} pt`), `digit ${c}`);
    else assert.equal(await cell.count(), 0, `digit ${c}: no lesion lowers it`);
  }
  const worst = sweep.results.reduce((a, b) => (b.effects.classes!.accuracy < a.effects.classes!.accuracy ? b : a));
  assert.ok(worst.effects.classes!.accuracy < summary.clean.accuracy!, 'some channel matters');
  await p.locator(tid('lesion-culprits')).scrollIntoViewIfNeeded();
  await shot(p, 'mnist8-conv1');
  assert.deepEqual(l.pageErrors, []);
});
