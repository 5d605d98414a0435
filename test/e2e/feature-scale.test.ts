// #18 acceptance, end to end at the seed's dictionary size: 131,072 features. As a user would: rows come in by
// harvests.importNpy (with labels, no stimuli), a planted 131,072-feature ReLU SAE in SAELens layout by
// bases.importSae, then features.compute. Planted latent c (c < 10) reads unit c, which fires only on rows of label c;
// its top examples must be exactly rows of label c. Then in Chromium the Features panel lists all 131,072 features
// (typed columns, virtual rows) and opens a planted feature's card. The input width is kept small (d_in 16, 1,200
// rows) so the test stays light; the benchmark (bench/feature-scale.ts) runs the issue's d_in 512 × 20,000 rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { writePlantedSae } from '../helpers/planted-sae';

const M = 131_072;
const D = 16;
const ROWS = 1200;
const PLANTED = 10;
let lab: E2eLab | null = null;

before(async () => {
  lab = await startE2eLab('cajal-e2e-feature-scale-', 'scale.cajal');
});
after(async () => {
  await lab?.close();
});

test('131,072 features: planted latents’ top rows are their class; the panel lists all and opens a planted card', { timeout: 600_000 }, async () => {
  const files = writePlantedSae(lab!.dir, { m: M, d: D, rows: ROWS, classes: PLANTED, seed: 18 });
  const labels = files.labelOf;
  const harvest = await lab!.api<{ id: number }>('harvests.importNpy', { path: files.acts, labelsPath: files.labels });
  const sae = await lab!.api<{ id: number; nFeatures: number }>('bases.importSae', { harvestId: harvest.id, path: files.saeDir });
  assert.equal(sae.nFeatures, M);
  const fc = await lab!.api<{ jobId: number }>('features.compute', { basisId: sae.id, topK: 16, bands: 4 });
  await lab!.waitJob(fc.jobId, 400_000);
  for (let c = 0; c < PLANTED; c++) {
    const card = await lab!.api<{ top: { row: number; label: number | null }[]; density: number }>('features.get', { basisId: sae.id, feature: c });
    assert.equal(card.top.length, 16);
    assert.ok(card.top.every((e) => e.label === c && labels[e.row] === c), `latent ${c}: top rows ${card.top.map((e) => `${e.row}:${e.label}`).join(' ')}`);
    assert.ok(Math.abs(card.density - 0.1) < 1e-12, `latent ${c} fires on its class only (${card.density})`);
  }

  const p: Page = lab!.page;
  // h18ui: the table of a basis is asked for once — its first page, then its whole columns (a change of basis once
  // counted as a finished job too, and loaded everything twice, the second page request hiding the first's rows).
  const asked: string[] = [];
  p.on('request', (r) => {
    if (r.url().endsWith('/api/call')) asked.push(String((r.postDataJSON() as { method?: string } | null)?.method));
  });
  await p.goto(lab!.url);
  await p.click(tid('rail-features'));
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${sae.id}"]`).click();
  await p.locator(`${tid('feature-table')}[data-rows="${M}"]`).waitFor({ timeout: 120_000 });
  assert.match(await p.locator(tid('feature-count')).innerText(), /131,072/);
  assert.deepEqual([asked.filter((m) => m === 'features.columnsPage').length, asked.filter((m) => m === 'features.columns').length], [1, 1], asked.join(' '));
  assert.ok((await p.locator(tid('feature-row')).count()) < 200, 'only the rows in view are in the DOM');
  // The first page shows real values at once; the whole columns then replace it (the filters wait for them).
  assert.doesNotMatch(await p.locator(`${tid('feature-row')}[data-key="0"]`).innerText(), /…/);
  // Filter on the columns: density 9.99–10.01 % keeps exactly the planted latents (the others fire far less often).
  await p.fill(tid('filter-density-min'), '9.99');
  await p.fill(tid('filter-density-max'), '10.01');
  await p.locator(`${tid('feature-table')}[data-rows="${PLANTED}"]`).waitFor({ timeout: 30_000 });
  await p.locator(`${tid('feature-row')}[data-key="3"]`).click();
  await p.locator(`${tid('feature-card')}[data-feature="3"][data-loading="false"]`).waitFor({ timeout: 60_000 });
  const captions = await p.locator(`${tid('feature-top-grid')} figcaption .lab`).allInnerTexts();
  assert.equal(captions.length, 16);
  assert.ok(captions.every((t) => t === '3'), `the planted card's top rows are label 3: ${captions.join(' ')}`);
  // Imported rows have no stimuli: no <img> of the card is broken (an empty or failed source has naturalWidth 0).
  const broken = await p.locator(tid('feature-card')).evaluate((el) => [...el.querySelectorAll('img')].filter((i) => !i.complete || i.naturalWidth === 0).length);
  assert.equal(broken, 0, 'no broken image');
  assert.deepEqual(lab!.pageErrors, []);
});
