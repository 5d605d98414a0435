// Bases, end to end: the headless server with the built renderer (out/renderer), driven in a real Chromium. Open the
// CIFAR-10 CNN, make 600 white-noise images (3×32×32), harvest the ReLU tensor `40` ([N,24,12,12]) at the centre
// position (d = 24), then in the Bases panel: a bad parameter is refused in a sentence, "Fit every method" fits every
// method, the table shows their held-out quality (PCA with nFeatures = d explains ≈ all variance), an SAE's detail
// draws its training curves and feature density, and a TopK sweep draws the sparsity frontier.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startE2eLab, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixtureModels } from '../helpers/fixtures';

let lab: E2eLab | null = null;
let page: Page | null = null;
let url = '';
let dir = '';
let pageErrors: string[] = [];

before(async () => {
  lab = await startE2eLab('cajal-e2e-bases-', 'e2e-bases.cajal');
  ({ page, url, dir, pageErrors } = lab);
});

after(async () => {
  await lab?.close();
});

const tid = (id: string) => `[data-testid="${id}"]`;

/** Wait until the bases table has `n` rows and all are done; fail early on a failed fit, with its words. */
async function waitAllDone(p: Page, n: number, timeout: number): Promise<void> {
  await p.waitForFunction(
    (want) => {
      const rows = [...document.querySelectorAll('[data-testid="basis-row"]')];
      const failed = rows.find((r) => r.getAttribute('data-status') === 'failed' || r.getAttribute('data-status') === 'cancelled');
      if (failed) {
        const err = failed.querySelector('[data-testid="basis-row-status"]')?.getAttribute('title') ?? '';
        throw new Error(`basis ${failed.getAttribute('data-key')} (${failed.getAttribute('data-method')}) ${failed.getAttribute('data-status')}: ${err}`);
      }
      return rows.length === want && rows.every((r) => r.getAttribute('data-status') === 'done');
    },
    n,
    { timeout, polling: 250 },
  );
}

/** The text of one column of a basis row (columns: #, name, method, features, status, EV, MSE, L0, dead, dense, cos). */
async function cell(p: Page, method: string, col: number): Promise<string> {
  return (await p.locator(`${tid('basis-row')}[data-method="${method}"] .vt-td`).nth(col).innerText()).trim();
}
const num = (s: string) => Number(s.replace('−', '-').replace('%', '').trim());

test('bases: fit every method on a CIFAR-10 ReLU over white noise, look at an SAE, sweep TopK', { timeout: 420_000 } /* h12jg: thirteen methods now */, async () => {
  const p = page!;
  await p.goto(url);
  await p.locator(tid('models-empty')).waitFor({ timeout: 30_000 });

  // --- Model and stimuli -------------------------------------------------------------------------------------------
  await p.fill(tid('model-path'), fixtureModels.cifar10());
  await p.click(tid('model-open'));
  await p.locator(tid('model-title')).waitFor({ timeout: 60_000 });

  await p.click(tid('rail-stimuli'));
  await p.click(tid('stim-kind-noise'));
  await p.fill(tid('stim-count'), '600');
  await p.fill(tid('stim-item-shape'), '3, 32, 32');
  await p.selectOption(tid('stim-distribution'), 'gaussian');
  await p.fill(tid('stim-name'), 'white noise 600');
  await p.click(tid('stim-create'));
  await p.locator(tid('stim-item')).first().waitFor({ timeout: 60_000 });

  // --- Harvest tensor 40 (ReLU, [N,24,12,12]) at the centre: d = 24 ---------------------------------------------
  await p.click(tid('rail-harvests'));
  await p.fill(tid('harvest-tensor-input'), '40');
  await p.click(tid('harvest-tensor-add'));
  await p.locator(tid('harvest-tensor-chip'), { hasText: '40' }).waitFor();
  await p.selectOption(tid('harvest-positions'), 'centre');
  await p.click(tid('harvest-start'));
  await p.waitForFunction(
    () => {
      const s = document.querySelector('[data-testid="harvest-item"]')?.getAttribute('data-status');
      if (s === 'failed' || s === 'cancelled') throw new Error(`the harvest ${s}`);
      return s === 'done';
    },
    undefined,
    { timeout: 120_000, polling: 250 },
  );

  // --- Bases panel: the finished harvest is chosen, the form is sized to it -------------------------------------
  await p.click(tid('rail-bases'));
  await p.locator(`${tid('bases-harvest-item')}.active`).waitFor({ timeout: 10_000 });
  assert.match(await p.locator(`${tid('bases-harvest-item')}.active`).innerText(), /600 × 24/);
  await p.selectOption(tid('basis-method'), 'ica');
  assert.match(await p.locator(tid('basis-method-line')).innerText(), /independent/i);
  assert.equal(await p.inputValue(tid('param-nFeatures')), '24', 'nFeatures defaults to d');

  // A bad parameter: the engine answers in one sentence, and nothing is fitted.
  await p.fill(tid('param-nFeatures'), '1000');
  await p.click(tid('basis-fit'));
  await p.locator(tid('basis-error')).waitFor({ timeout: 10_000 });
  const err = await p.locator(tid('basis-error')).innerText();
  assert.ok(err.length > 10 && err.length < 300 && !/\n\s+at /.test(err), `a one-sentence error, not a stack: ${err}`);
  assert.equal(await p.locator(tid('basis-row')).count(), 0, 'a refused fit leaves no basis');
  await p.fill(tid('param-nFeatures'), '24');

  // --- Fit every method ----------------------------------------------------------------------------------------------
  await p.click(tid('fit-all'));
  await p.locator(tid('basis-row')).first().waitFor({ timeout: 20_000 });
  await waitAllDone(p, 13, 240_000); // #12: with sae-batchtopk and sae-matryoshka; h12jg: sae-jumprelu, sae-gated
  const errAfter = await p.locator(tid('basis-error')).count();
  assert.equal(errAfter, 0, 'every method started');

  const methods = await p.locator(tid('basis-row')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-method')));
  assert.deepEqual([...methods].sort(), ['ica', 'kmeans', 'neurons', 'nmf', 'pca', 'random', 'sae-batchtopk', 'sae-gated', 'sae-jumprelu', 'sae-l1', 'sae-matryoshka', 'sae-topk', 'sparse-coding']);
  for (const m of methods) {
    // Sparsity and reconstruction numbers for every method (K-means reconstructs a row from its centroid).
    const [ev, mse, l0, dead, dense, cos] = await Promise.all([5, 6, 7, 8, 9, 10].map((c) => cell(p, m!, c)));
    assert.ok([l0, dead, dense].every((t) => Number.isFinite(num(t))), `${m}: numeric L0 ${l0}, dead ${dead}, dense ${dense}`);
    assert.ok([ev, mse, cos].every((t) => Number.isFinite(num(t))), `${m}: numeric EV ${ev}, MSE ${mse}, cos ${cos}`);
  }
  assert.ok(num(await cell(p, 'pca', 5)) > 0.99, 'PCA with nFeatures = d explains nearly all held-out variance');
  assert.ok(num(await cell(p, 'neurons', 5)) > 0.99, 'the neuron basis reconstructs exactly');
  assert.ok(num(await cell(p, 'sae-l1', 5)) > 0.5, 'the L1 SAE reconstructs most of the variance');

  // --- An SAE in detail: quality, training curves, feature density ------------------------------------------------
  await p.click(`${tid('basis-row')}[data-method="sae-l1"]`);
  const detail = p.locator(`${tid('basis-detail')}[data-status="done"]`);
  await detail.waitFor({ timeout: 10_000 });
  await p.locator(`${tid('training-curves')} canvas`).first().waitFor({ timeout: 20_000 });
  const curves = await p.locator(`${tid('training-curves')} canvas`).first().boundingBox();
  assert.ok(curves && curves.width > 150 && curves.height > 100, 'the training curves have a size');
  await p.locator(`${tid('density-histogram')} canvas`).first().waitFor({ timeout: 10_000 });
  const evText = await p.locator(`${tid('basis-quality')} [data-q="explainedVariance"]`).innerText();
  assert.ok(Number.isFinite(num(evText)), `the SAE's explained variance is a number (${evText})`);
  // Hover a curve: a tooltip (and no CSP trouble).
  await p.mouse.move(curves!.x + curves!.width * 0.3, curves!.y + curves!.height * 0.25);
  await p.waitForTimeout(300);

  // --- A TopK sweep: three SAEs, drawn on the frontier --------------------------------------------------------------
  await p.selectOption(tid('basis-method'), 'sae-topk');
  // The form says whom the method follows and where the lab departs from it.
  const source = p.locator(`${tid('basis-form')} ${tid('basis-method-source')}[data-method="sae-topk"]`);
  await source.waitFor({ state: 'attached' });
  assert.match((await source.textContent()) ?? '', /Gao et al\. 2024[\s\S]*Departure\.[\s\S]*k_aux/);
  await p.fill(tid('param-steps'), '400');
  await p.fill(tid('sweep-values'), '2, 4, 8');
  await p.click(tid('sweep-start'));
  await p.locator(tid('basis-row')).nth(15).waitFor({ timeout: 20_000 }); // 13 methods + 3 sweep members
  // Catch one training live, if it is still running when we look (small runs may finish first).
  const live = await p
    .locator(tid('training-live'))
    .waitFor({ timeout: 4000 })
    .then(() => true)
    .catch(() => false);
  if (live) await p.screenshot({ path: join(artifactsDir, 'e2e-bases-live.png') });
  await waitAllDone(p, 16, 120_000);
  // Every finished basis with a reconstruction is a point: all sixteen (K-means reconstructs from its centroids).
  await p.waitForFunction(() => Number(document.querySelector('[data-testid="sweep-frontier-card"]')?.getAttribute('data-points')) === 16, undefined, {
    timeout: 10_000,
  });
  await p.locator(`${tid('sweep-frontier')} canvas`).first().waitFor();

  // Back to a sweep member, to show its curves beside the frontier.
  const lastRow = p.locator(`${tid('basis-row')}[data-method="sae-topk"]`).last();
  await lastRow.click();
  await p.locator(`${tid('basis-detail')}[data-status="done"] ${tid('training-curves')} canvas`).first().waitFor({ timeout: 10_000 });
  await p.mouse.move(5, 5);
  await p.waitForTimeout(300);
  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'e2e-bases.png') });

  // --- Export: the SAE in SAELens' layout, PCA's directions as .npy (default paths beside the project) -----------
  await p.click(tid('export-sae'));
  await p.locator(tid('export-message'), { hasText: 'sae_weights.safetensors' }).waitFor({ timeout: 10_000 });
  assert.ok(existsSync(join(dir, `basis-${await lastRow.getAttribute('data-key')}-sae-topk-sae`, 'cfg.json')), 'cfg.json written');
  await p.click(`${tid('basis-row')}[data-method="pca"]`);
  await p.locator(`${tid('basis-detail')}[data-status="done"]`).waitFor();
  await p.click(tid('export-directions'));
  await p.locator(tid('export-message'), { hasText: '24 × 24' }).waitFor({ timeout: 10_000 });

  // --- Pause and resume a longer SAE: the run keeps its checkpoint and finishes -------------------------------------
  await p.selectOption(tid('basis-method'), 'sae-l1');
  await p.fill(tid('param-steps'), '4000');
  await p.fill(tid('basis-name'), 'long sae');
  await p.click(tid('basis-fit'));
  await p.locator(`${tid('basis-detail')}[data-status="training"] ${tid('training-live')}`).waitFor({ timeout: 20_000 });
  await p.locator(`${tid('training-curves')} canvas`).first().waitFor({ timeout: 20_000 });
  await p.click(tid('basis-pause'));
  await p.locator(`${tid('basis-detail')}[data-status="cancelled"]`).waitFor({ timeout: 20_000 });
  await p.click(tid('basis-resume'));
  await p.locator(`${tid('basis-detail')}[data-status="done"]`).waitFor({ timeout: 90_000 });
  assert.ok(Number.isFinite(num(await p.locator(`${tid('basis-quality')} [data-q="explainedVariance"]`).innerText())), 'the resumed SAE has its quality');

  // The dark theme draws the same view (charts re-created with their dark theme).
  await p.click(tid('theme-toggle'));
  await p.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await p.locator(`${tid('training-curves')} canvas`).first().waitFor();
  await p.mouse.move(5, 5);
  await p.waitForTimeout(300);
  await p.screenshot({ path: join(artifactsDir, 'e2e-bases-dark.png') });

  const csp = await p.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  assert.deepEqual(csp, [], `no Content-Security-Policy violations: ${csp.join('; ')}`);
  // The refused fit above answered 400 on purpose; anything else is an error.
  const unexpected = pageErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
  assert.ok(pageErrors.length - unexpected.length <= 1, 'only the deliberately bad fit was refused');
  assert.deepEqual(unexpected, [], `no errors in the page: ${unexpected.join('; ')}`);
});
