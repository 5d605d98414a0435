// h12sweep (#12 item 3), end to end in a real Chromium: on the demo layer (what `cajal demo` harvests: hidden1 of the
// bundled MNIST MLP over MNIST digits, centre position), the fit form says what the swept parameter means for each
// method and shows the harvest's effective rank as a first guess at k; then every trained SAE method of the
// registry is swept over a few k (or λ) from the form, each sweep one job, and all frontiers are drawn in one chart
// (screenshot kept). The card compares BatchTopK's explained variance with TopK's at equal L0 (each frontier
// interpolated in log L0); the gaps it shows are checked against the engine's comparison and recorded under test-artifacts/;
// and the frontier is sent to a report, whose section gives the same gaps (its page kept as a screenshot).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { compareAtEqualL0 } from '../../main/bases/frontier-compare';
import { startE2eLab, type E2eLab } from '../helpers/e2e';
import { artifactsDir, repoRoot } from '../helpers/fixtures';

let lab: E2eLab | null = null;
let page: Page | null = null;
let url = '';
let pageErrors: string[] = [];

before(async () => {
  lab = await startE2eLab('cajal-e2e-sae-sweep-', 'e2e-sae-sweep.cajal');
  ({ page, url, pageErrors } = lab);
});

after(async () => {
  await lab?.close();
});

const tid = (id: string) => `[data-testid="${id}"]`;

interface Basis {
  id: number;
  method: string;
  status: string;
  jobId: number;
  params: Record<string, number>;
  quality: { l0: number; explainedVariance: number; deadFraction: number } | null;
}

test('sae sweep: every trained SAE method (six) swept on the demo layer, all frontiers in one chart', { timeout: 420_000 }, async () => {
  const api = lab!.api;
  // --- the demo's layer through the API -----------------------------------------------------------------------------
  const model = await api<{ id: number }>('models.open', { path: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx') });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 3000, recipe }, name: 'mnist 3000' });
  const h = await api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre' });
  await lab!.waitJob(h.jobId, 120_000);
  const harvestId = h.harvestIds[0]!;
  // The swept methods are the engine's: every trained method with a swept parameter.
  const defs = await api<{ method: string; trained: boolean; sweep: string | null; params: { key: string; meaning: string }[] }[]>('bases.definitions', {});
  const swept = defs.filter((d) => d.trained && d.sweep !== null);
  assert.ok(swept.length >= 6, `the registry sweeps ${swept.map((d) => d.method).join(', ')}`);

  const p = page!;
  await p.goto(url);
  await p.click(tid('rail-bases'));
  await p.locator(`${tid('bases-harvest-item')}.active`).waitFor({ timeout: 20_000 });

  // --- the form: what k or λ means, and the effective rank as a first guess ----------------------------------------
  const rank = p.locator(tid('effective-rank'));
  for (const d of swept) {
    await p.selectOption(tid('basis-method'), d.method);
    const meaning = d.params.find((x) => x.key === d.sweep)!.meaning;
    assert.equal((await p.locator(tid('sweep-meaning')).innerText()).trim().replace(/\s+/g, ' '), `${d.sweep} for ${await p.locator(`${tid('basis-method')} option:checked`).innerText().then((t) => t.split(' — ')[0]!.trim())}: ${meaning}.`);
  }
  await rank.waitFor({ timeout: 10_000 });
  assert.equal(await rank.getAttribute('data-source'), 'unit-variances', 'no PCA yet: the bound from the unit variances');
  const stated = await api<{ participationRatio: number; dims90: number; dim: number }>('bases.effectiveRank', { harvestId });
  assert.match(await rank.innerText(), new RegExp(`${stated.participationRatio.toFixed(1)}[\\s\\S]*${stated.dims90} of ${stated.dim} dims[\\s\\S]*unit variances`));

  // --- one sweep per method, each one job -------------------------------------------------------------------------
  // sae-l1 and sae-gated sweep l1Coefficient, sae-jumprelu its l0Coefficient (default 0.02), the TopK family k.
  const values: Record<string, string> = { l1Coefficient: '0.01, 0.04, 0.16', l0Coefficient: '0.01, 0.05, 0.25', k: '4, 8, 16' };
  const jobIds: number[] = [];
  for (const d of swept) {
    await p.selectOption(tid('basis-method'), d.method);
    await p.fill(tid('param-nFeatures'), '256');
    await p.fill(tid('param-steps'), '150');
    await p.fill(tid('param-batchSize'), '256');
    await p.fill(tid('sweep-values'), values[d.sweep!]!);
    const before = (await api<Basis[]>('bases.list', { harvestId })).length;
    await p.click(tid('sweep-start'));
    await p.waitForFunction((n) => document.querySelectorAll('[data-testid="basis-row"]').length === n, before + 3, { timeout: 20_000 });
    const mine = (await api<Basis[]>('bases.list', { harvestId })).filter((b) => b.method === d.method);
    assert.equal(new Set(mine.map((b) => b.jobId)).size, 1, `${d.method}: the three runs are one job`);
    jobIds.push(mine[0]!.jobId);
  }
  for (const id of jobIds) await lab!.waitJob(id, 240_000);

  // All frontiers in one chart: every method's three runs on its own line.
  const card = p.locator(tid('sweep-frontier-card'));
  await p.waitForFunction(
    (n) => (document.querySelector('[data-testid="sweep-frontier-card"]')?.getAttribute('data-lines') ?? '').split(' ').filter((s) => s.endsWith(':3')).length === n,
    swept.length,
    { timeout: 20_000 },
  );
  assert.deepEqual((await card.getAttribute('data-lines'))!.split(' ').map((s) => s.split(':')[0]), swept.map((d) => d.method));
  await p.locator(`${tid('sweep-frontier')} canvas`).first().waitFor();
  await p.mouse.move(5, 5);
  await p.waitForTimeout(400);
  mkdirSync(artifactsDir, { recursive: true });
  await card.screenshot({ path: join(artifactsDir, 'e2e-sae-sweep-frontier.png') });
  await p.screenshot({ path: join(artifactsDir, 'e2e-sae-sweep.png') });

  // --- the frontiers' shape, and BatchTopK against TopK at equal L0 -----------------------------------------------
  const bases = (await api<Basis[]>('bases.list', { harvestId })).filter((b) => b.status === 'done' && b.quality);
  const frontier = (d: (typeof swept)[number]) =>
    bases.filter((b) => b.method === d.method).map((b) => ({ value: b.params[d.sweep!]!, l0: b.quality!.l0, ev: b.quality!.explainedVariance })).sort((x, y) => x.value - y.value);
  const lines = Object.fromEntries(swept.map((d) => [d.method, frontier(d)]));
  writeFileSync(join(artifactsDir, 'e2e-sae-sweep-frontiers.json'), JSON.stringify(lines, null, 1));
  // TopK's L0 is k exactly; a larger λ makes the L1 SAE sparser; more active latents reconstruct more.
  assert.deepEqual(lines['sae-topk']!.map((x) => x.l0), [4, 8, 16]);
  const l1 = lines['sae-l1']!;
  assert.ok(l1[0]!.l0 > l1[1]!.l0 && l1[1]!.l0 > l1[2]!.l0, `L1: L0 falls as λ rises (${l1.map((x) => x.l0.toFixed(1)).join(', ')})`);
  for (const m of ['sae-topk', 'sae-batchtopk', 'sae-matryoshka']) {
    const ev = lines[m]!.map((x) => x.ev);
    assert.ok(ev[0]! < ev[1]! && ev[1]! < ev[2]!, `${m}: EV rises with k (${ev.map((e) => e.toFixed(3)).join(', ')})`);
  }
  for (const b of lines['sae-batchtopk']!) assert.ok(b.l0 >= 0.75 * b.value && b.l0 <= 1.25 * b.value, `BatchTopK's held-out L0 ${b.l0} for k = ${b.value}`);
  // h12btk: Issue #12 expects BatchTopK's EV ≥ TopK's at equal L0. The card compares them at equal L0 by default (not
  // run against run of equal k: BatchTopK's L0 is what its threshold keeps, 4.3 for k = 4), and shows what the engine's
  // comparison gives. On this layer and at these 150-step runs the claim does NOT hold, so it is recorded, not asserted:
  // measured with these runs' settings (bench/sae-batchtopk-gap.ts) BatchTopK trails by 0.015–0.019 at k = 4 and
  // 0.006–0.010 at k = 8 (seeds 0–4), and after 600 steps by 0.008–0.010 at k = 4 and −0.002…+0.002 at k = 8. No
  // departure from the paper was found in the training, and an independent PyTorch implementation trails the same way
  // (−0.017 / −0.012 at k 4 / 8, see that bench's header); the planted test of varying per-row sparsity
  // (test/integration/sae-sweep.test.ts) shows the paper's effect, +0.02–0.05.
  // h12btk, second pass (bench/sae-batchtopk-gap.ts's header): the batch-wide cut starves latents whose codes are small
  // on every row, so BatchTopK leaves more latents dead (73 % vs 59 % at k = 4 after 150 steps); trained 1,200–2,400
  // steps the two are level at k = 8 and 16 (|ΔEV| ≤ 0.002) and BatchTopK trails by 0.004–0.005 at k = 4.
  const equal = p.locator(tid('frontier-equal-l0'));
  assert.equal(await equal.getAttribute('data-a'), 'sae-batchtopk');
  assert.equal(await equal.getAttribute('data-b'), 'sae-topk');
  const shown = JSON.parse((await equal.getAttribute('data-gaps'))!) as { l0: number; gap: number }[];
  const engine = compareAtEqualL0(lines['sae-batchtopk']!, lines['sae-topk']!);
  assert.ok(engine.gaps.length >= 2, "BatchTopK's and TopK's frontiers overlap in L0");
  assert.deepEqual(shown.map((g) => [g.l0, g.gap]), engine.gaps.map((g) => [g.l0, g.gap]), 'the card shows the engine comparison');
  assert.match(await p.locator(tid('frontier-equal-l0-summary')).innerText(), /ΔEV mean [+−]\d\.\d{3}, lowest [+−]\d\.\d{3}/);
  // Beside the gap, each frontier's dead latents on held-out rows (the mean over its runs), as the engine measured them.
  const dead = p.locator(tid('frontier-equal-l0-dead'));
  const meanDead = (m: string) => {
    const d = bases.filter((b) => b.method === m).map((b) => b.quality!.deadFraction);
    return d.reduce((a, x) => a + x, 0) / d.length;
  };
  for (const [attr, m] of [['data-a', 'sae-batchtopk'], ['data-b', 'sae-topk']] as const) {
    assert.ok(Math.abs(Number(await dead.getAttribute(attr)) - meanDead(m)) < 1e-12, `${m}'s dead latents shown as the mean of its runs`);
  }
  assert.equal(
    (await dead.innerText()).trim(),
    `dead latents ${Math.round(100 * meanDead('sae-batchtopk'))} % / ${Math.round(100 * meanDead('sae-topk'))} %`,
  );
  writeFileSync(join(artifactsDir, 'e2e-sae-sweep-batchtopk-vs-topk.json'), JSON.stringify(engine, null, 1));

  // h12front: the frontier sent to a report from the card — the chart, the pair at equal L0 with the gaps the card
  // showed, every frontier against TopK and each run — and the report's page kept as a screenshot.
  await p.click(tid('frontier-send-report'));
  await p.waitForSelector(tid('frontier-send-report-sent'));
  const reports = await api<{ id: number }[]>('reports.list', {});
  const report = await api<{ id: number; sections: { id: number; kind: string }[] }>('reports.get', { id: reports.at(-1)!.id });
  assert.deepEqual(report.sections.map((x) => x.kind), ['frontier']);
  const { html } = await api<{ html: string }>('reports.render', { id: report.id });
  const pairTable = /<table data-pair="sae-batchtopk\|sae-topk">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.deepEqual([...pairTable.matchAll(/data-gap="([^"]*)"/g)].map((m) => Number(m[1])), engine.gaps.map((g) => g.gap), 'the report gives the gaps the card showed');
  const against = /<table data-against="sae-topk">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.deepEqual([...against.matchAll(/data-method="([^"]*)"/g)].map((m) => m[1]), swept.map((d) => d.method).filter((m) => m !== 'sae-topk'), 'every other frontier against TopK');
  assert.equal([...html.matchAll(/<tr data-basis="/g)].length, bases.length, 'a row per run');
  writeFileSync(join(artifactsDir, 'e2e-sae-sweep-report.html'), html);
  const view = await p.context().newPage();
  await view.setViewportSize({ width: 1000, height: 900 });
  await view.setContent(html);
  await view.locator('section[data-kind="frontier"]').screenshot({ path: join(artifactsDir, 'e2e-sae-sweep-report-frontier.png') });
  await view.close();
  console.log(`BatchTopK − TopK at equal L0: ${JSON.stringify(engine)}`);
  assert.deepEqual(pageErrors, []);
});
