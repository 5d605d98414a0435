// The token-context browser (#13 item 4) in Chromium: a text harvest of a model with planted features, the neurons
// basis, and the feature card of unit 0 (fires only on the "x" of "hello there x") shows its top contexts with every
// token shaded by the feature's activation — the "x" outlined and shaded, every other token clear — its top tokens
// and its activation bands; its output effects (the model's logits read unit 0 into "!") list "!" as the next byte
// that ablating it lowers most and that steering it raises most. Screenshots kept under test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir } from '../helpers/fixtures';
import { PLANTED_LENGTH, plantedTextModel, writePlantedCorpus } from '../unit/text/planted-text';

let lab: E2eLab | null = null;
before(async () => {
  lab = await startE2eLab('cajal-e2e-text-', 'text.cajal');
});
after(async () => {
  await lab?.close();
});

test('the feature card of a text feature shows shaded token contexts, the max token marked, top tokens and bands', { timeout: 300_000 }, async () => {
  const textPath = join(lab!.dir, 'planted.txt');
  writePlantedCorpus(textPath);
  const modelPath = join(lab!.dir, 'planted.onnx');
  writeFileSync(modelPath, plantedTextModel());
  const model = await lab!.api<{ id: number }>('models.open', { path: modelPath });
  const L = PLANTED_LENGTH;
  const set = await lab!.api<{ id: number }>('stimuli.create', { spec: { kind: 'text', path: textPath, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: L, seed: 0 } });
  const h = await lab!.api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden'] });
  await lab!.waitJob(h.jobId, 60_000);
  const fit = await lab!.api<{ jobId: number; basisId: number }>('bases.fit', { harvestId: h.harvestIds[0]!, method: 'neurons', params: {} });
  await lab!.waitJob(fit.jobId, 60_000);
  const fc = await lab!.api<{ jobId: number }>('features.compute', { basisId: fit.basisId });
  await lab!.waitJob(fc.jobId, 60_000);

  const p = lab!.page;
  await p.goto(lab!.url);
  await p.click(tid('rail-features'));
  await p.locator(`${tid('features-basis-item')}[data-basis-id="${fit.basisId}"]`).click();
  // The metrics form offers a text harvest the text metrics only, all ticked.
  await p.locator(tid('metric-check-token-consistency')).waitFor({ timeout: 30_000 });
  const offered = await p.locator(`${tid('metrics-checklist')} input`).evaluateAll((els) => els.map((e) => [e.getAttribute('value'), (e as HTMLInputElement).checked]));
  assert.deepEqual(offered, [['token-consistency', true], ['ngram-overlap', true], ['text-compression', true]]);
  await p.locator(`${tid('feature-row')}[data-key="0"]`).click();
  await p.locator(tid('token-max')).first().waitFor({ timeout: 60_000 });
  const contexts = p.locator(tid('token-context'));
  assert.equal(await contexts.count(), 8, 'eight top contexts');
  const maxTexts = await p.locator(tid('token-max')).allInnerTexts();
  assert.deepEqual(maxTexts, Array(8).fill('x'), 'the marked token of each context is the "x"');
  const shading = await p.locator(`${tid('token-context')} .tok`).evaluateAll((els) =>
    els.map((e) => ({ text: e.textContent, bg: getComputedStyle(e).backgroundColor, outline: getComputedStyle(e).outlineStyle })),
  );
  assert.ok(shading.length >= 8 * 10, `every token of the contexts is drawn (${shading.length})`);
  for (const s of shading) {
    if (s.text === 'x') assert.match(s.bg, /^rgba\(255, 140, 0, 0\.85\)$/, 'the x is shaded at full scale');
    else assert.match(s.bg, /^rgba\(0, 0, 0, 0\)$/, `"${s.text}" is not shaded`);
  }
  assert.equal(shading.filter((s) => s.outline === 'solid').length, 8, 'one outlined token per context');
  assert.match(await p.locator(tid('token-top-tokens')).innerText(), /^x\s+\d+$/);
  assert.ok((await p.locator(tid('token-band')).count()) > 0, 'the activation bands');
  assert.equal(await p.locator(tid('feature-top-grid')).count(), 0, 'no image grid for text');
  mkdirSync(artifactsDir, { recursive: true });
  await p.locator(tid('feature-card')).screenshot({ path: join(artifactsDir, 'text-token-contexts.png') });

  // room: text (#13 output effects) — measured on request; ablation lowers "!" (unit 0 is its only source), steering raises it.
  await p.click(tid('token-effects-run'));
  await p.locator(`${tid('token-effects')}[data-mode="ablate"] ${tid('token-effects-summary')}`).waitFor({ timeout: 60_000 });
  const rows = (col: string) => p.locator(`${tid(`token-effects-${col}`)} ${tid('token-effect')}`);
  assert.equal(await rows('lowered').first().getAttribute('data-token-id'), String('!'.charCodeAt(0)), 'ablating the x feature lowers "!" most');
  assert.equal(await rows('raised').count(), 10, 'ten raised bytes listed');
  assert.match(await rows('lowered').first().innerText(), /^!\s+\u22120\.0\d+$/);
  await p.click(tid('token-effects-steer'));
  // The mode and the rows are patched in one render: once the section says steer, its rows are the steered ones.
  await p.locator(`${tid('token-effects')}[data-mode="steer"]`).waitFor({ timeout: 10_000 });
  assert.equal(await rows('raised').first().getAttribute('data-token-id'), String('!'.charCodeAt(0)), 'steering it raises "!" most');
  assert.ok((await rows('lowered').count()) > 0, 'and lowers the rest');
  const bar = await rows('raised').first().locator('.fill').evaluate((e) => getComputedStyle(e).width);
  assert.ok(Number.parseFloat(bar) > 20, `the top row's bar is drawn (${bar})`);
  await p.locator(tid('token-effects')).screenshot({ path: join(artifactsDir, 'text-token-effects.png') });

  // Unit 1 fires at the last position of every context, whatever the token: many top tokens, the last token marked.
  await p.locator(`${tid('feature-row')}[data-key="1"]`).click();
  await p.waitForFunction(() => document.querySelector('[data-testid="feature-card"]')?.getAttribute('data-feature') === '1');
  await p.locator(`${tid('token-contexts')}[data-loading="false"]`).waitFor({ timeout: 60_000 });
  await p.waitForFunction(() => [...document.querySelectorAll('[data-testid="token-context"]')].every((c) => c.lastElementChild?.lastElementChild?.getAttribute('data-testid') === 'token-max'));
  assert.ok((await p.locator(`${tid('token-top-tokens')} .chip`).count()) > 1, 'unit 1 has several top tokens');
  await p.locator(tid('feature-card')).screenshot({ path: join(artifactsDir, 'text-token-contexts-position.png') });
});
