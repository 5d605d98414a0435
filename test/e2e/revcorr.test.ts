// The Receptive-fields panel in a real Chromium (#11), served headless with the built renderer. Setup through the
// HTTP API: the planted ON/OFF/energy network (ONNX written by the test), harvests over white noise, an STA run of
// the LN units and an STC run of the energy unit. The panel must draw the grid of filters with the diverging map
// (red where the ON filter is positive, blue for the OFF unit at the same pixel), the unit card with its z map and
// nonlinearity, and for STC the spectrum chart and two eigenvector maps. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir } from '../helpers/fixtures';
import { planted, writePlantedModel } from '../integration/revcorr-helpers';

let lab: E2eLab | null = null;

before(async () => {
  lab = await startE2eLab('cajal-e2e-revcorr-', 'revcorr.cajal');
});
after(async () => {
  await lab?.close();
});

test('receptive fields: grid of filters, unit card, STC spectrum — rendered in Chromium', { timeout: 600_000 }, async () => {
  const l = lab!;
  const model = await l.api<{ id: number }>('models.open', { path: writePlantedModel(l.dir) });
  const noise = { kind: 'noise', distribution: 'gaussian', count: 20000, itemShape: [1, 28, 28], seed: 7, mean: 0, std: 1 };
  const set = await l.api<{ id: number }>('stimuli.create', { spec: noise });
  const h = await l.api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['ln', 'energy'], positions: 'centre' });
  await l.waitJob(h.jobId, 180_000);
  const [ln, energy] = h.harvestIds;
  const stc = await l.api<{ jobId: number }>('revcorr.start', { harvestId: energy, units: [0], estimator: 'stc', nulls: 6, maxAxes: 3 });
  await l.waitJob(stc.jobId, 300_000);
  const sta = await l.api<{ jobId: number }>('revcorr.start', { harvestId: ln, units: [0, 1, 2], estimator: 'sta', nulls: 10 });
  await l.waitJob(sta.jobId, 180_000);

  const p = l.page;
  await p.goto(l.url);
  await p.click(tid('rail-revcorr'));
  await p.waitForSelector(`${tid('revcorr-grid')} ${tid('filter-map')}`);
  assert.equal(await p.locator(`${tid('revcorr-grid')} ${tid('filter-map')}`).count(), 3);
  // The colour at the ON filter's strongest pixel: red for the ON unit, blue for the OFF unit.
  const peak = planted.on.indexOf(Math.max(...planted.on));
  const pixel = (cell: number) =>
    p.evaluate(
      ([c, i]) => {
        const cv = document.querySelectorAll('[data-testid="revcorr-grid"] canvas')[c] as HTMLCanvasElement;
        return Array.from(cv.getContext('2d')!.getImageData(i % 28, Math.floor(i / 28), 1, 1).data);
      },
      [cell, peak] as const,
    );
  const on = await pixel(0);
  const off = await pixel(1);
  assert.ok(on[0]! > 200 && on[2]! < 120, `ON pixel ${on}`);
  assert.ok(off[2]! > 200 && off[0]! < 120, `OFF pixel ${off}`);
  await p.waitForSelector(tid('revcorr-card'));
  assert.equal(await p.locator(`${tid('revcorr-card')} ${tid('filter-map')}`).count(), 2, 'filter and z map');
  await p.waitForSelector(`${tid('nonlinearity')} canvas`);
  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'e2e-revcorr-sta.png'), fullPage: true });

  await p.selectOption(tid('revcorr-run'), { index: 0 });
  await p.waitForSelector(`${tid('stc-spectrum')} canvas`);
  assert.equal(await p.locator(`${tid('revcorr-card')} ${tid('filter-map')}`).count(), 3, 'the filter and two eigenvectors');
  await p.screenshot({ path: join(artifactsDir, 'e2e-revcorr-stc.png'), fullPage: true });
  // Send to report: the run becomes a 'revcorr' section of a new report.
  await p.click(tid('revcorr-send-report'));
  await p.waitForSelector(tid('revcorr-send-report-sent'));
  const reports = await l.api<{ id: number }[]>('reports.list', {});
  const report = await l.api<{ sections: { kind: string }[] }>('reports.get', { id: reports.at(-1)!.id });
  assert.deepEqual(report.sections.map((x) => x.kind), ['revcorr']);

  // The feature card shows the feature's receptive field once a run has mapped it (#11 item 5).
  const fit = await l.api<{ jobId: number; basisId: number }>('bases.fit', { harvestId: ln, method: 'neurons', params: {} });
  await l.waitJob(fit.jobId, 60_000);
  const fc = await l.api<{ jobId: number }>('features.compute', { basisId: fit.basisId });
  await l.waitJob(fc.jobId, 120_000);
  const byFeature = await l.api<{ jobId: number }>('revcorr.start', { harvestId: ln, basisId: fit.basisId, features: [0], estimator: 'sta' });
  await l.waitJob(byFeature.jobId, 180_000);
  await p.click(tid('rail-features'));
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${fit.basisId}"]`).click();
  await p.locator(`${tid('feature-row')}[data-key="0"]`).click();
  await p.waitForSelector(`${tid('feature-rf')} canvas`, { timeout: 30_000 });
  const rf = await p.evaluate((i) => {
    const cv = document.querySelector('[data-testid="feature-rf"] canvas') as HTMLCanvasElement;
    const k = cv.width / 28;
    return Array.from(cv.getContext('2d')!.getImageData(Math.floor(((i % 28) + 0.5) * k), Math.floor((Math.floor(i / 28) + 0.5) * k), 1, 1).data);
  }, peak);
  assert.ok(rf[0]! > 200 && rf[2]! < 120, `the ON feature's field is red at the filter's peak: ${rf}`);
  await p.screenshot({ path: join(artifactsDir, 'e2e-revcorr-feature-card.png'), fullPage: true });
  assert.deepEqual(l.pageErrors, []);
});
