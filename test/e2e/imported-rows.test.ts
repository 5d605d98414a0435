// Rows without stimuli (#18 item 6): activations imported from an .npy with labels have nothing to picture. The
// feature card, its bands and a report of a pinned collection show each example's row, activation and label, say in
// one line that there are no stimuli to show, and never draw a broken image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeNpy } from '../../main/io/npy';
import { Rng } from '../../main/util/random';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir } from '../helpers/fixtures';

let lab: E2eLab | null = null;

before(async () => {
  lab = await startE2eLab('cajal-e2e-imported-', 'imported.cajal');
});
after(async () => {
  await lab?.close();
});

test('a feature card over imported rows shows activations and labels, one line on the missing stimuli, no broken image', { timeout: 300_000 }, async () => {
  const rows = 400;
  const d = 6;
  const rng = new Rng(11);
  const labels = Float32Array.from({ length: rows }, (_, i) => i % 3);
  const x = Float32Array.from({ length: rows * d }, (_, k) => Math.abs(rng.normal()) + (labels[Math.floor(k / d)] === k % d ? 2 : 0));
  writeFileSync(join(lab!.dir, 'acts.npy'), writeNpy(x, [rows, d]));
  writeFileSync(join(lab!.dir, 'labels.npy'), writeNpy(labels, [rows]));
  const harvest = await lab!.api<{ id: number }>('harvests.importNpy', { path: join(lab!.dir, 'acts.npy'), labelsPath: join(lab!.dir, 'labels.npy') });
  const fit = await lab!.api<{ jobId: number; basisId: number }>('bases.fit', { harvestId: harvest.id, method: 'neurons', params: {} });
  await lab!.waitJob(fit.jobId, 60_000);
  const fc = await lab!.api<{ jobId: number }>('features.compute', { basisId: fit.basisId });
  await lab!.waitJob(fc.jobId, 60_000);

  const p: Page = lab!.page;
  await p.goto(lab!.url);
  await p.click(tid('rail-features'));
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${fit.basisId}"]`).click();
  await p.locator(tid('feature-row')).first().click();
  await p.locator(tid('feature-no-stimuli')).waitFor({ timeout: 30_000 });
  const examples = await p.locator(`${tid('feature-top-grid')} ${tid('feature-example')}`).count();
  assert.ok(examples > 0, 'the card lists its top rows');
  assert.equal(await p.locator(`${tid('feature-top-grid')} ${tid('example-no-image')}`).count(), examples, 'every example shows its row instead of a picture');
  // No <img> anywhere in the card is broken (an empty or failed source has naturalWidth 0).
  const broken = await p.locator(tid('feature-card')).evaluate((el) => [...el.querySelectorAll('img')].filter((i) => !i.complete || i.naturalWidth === 0).length);
  assert.equal(broken, 0, 'no broken image');
  const captions = await p.locator(`${tid('feature-top-grid')} figcaption`).allInnerTexts();
  assert.ok(captions.every((c) => /\d/.test(c) && /[012]/.test(c)), `activation and label in every caption: ${captions.join(' | ')}`);
  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'imported-rows-card.png'), fullPage: true });

  // A pinned collection of it, sent to a report: captions kept, a dashed box where the picture would be, one line.
  await lab!.api('collections.pin', { name: 'imported', basisId: fit.basisId, feature: 0, pinned: true });
  const sent = await lab!.api<{ report: { id: number } }>('reports.addCollection', { reportId: null, name: 'imported' });
  const { html } = await lab!.api<{ html: string }>('reports.render', { id: sent.report.id });
  assert.doesNotMatch(html, /<img[^>]*src=""/);
  assert.match(html, /class="noimg"/);
  assert.match(html, /Imported without stimuli: no images to show/);
});
