// The TCA panel in a real Chromium (#15), served headless with the built renderer. Setup through the HTTP API: the
// CIFAR fixture CNN's last conv map ('43': 24 channels on a 10 × 10 grid, the smallest conv map it has) recorded at
// all positions over 2,000 MNIST digits drawn as 32 × 32 RGB (labelled, so the stimulus factor is coloured by digit).
// From the panel: a rank sweep over ranks 1–4 (two restarts each) runs as a job with progress; both diagnostics draw
// (every restart a dot), rank 3's components draw their three factors each; Fit this rank stores a tca basis and Send
// to report adds a 'tca' section. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixtureModels } from '../helpers/fixtures';

let lab: E2eLab | null = null;
const STIMULI = 2000;

before(async () => {
  lab = await startE2eLab('cajal-e2e-tca-', 'tca.cajal');
});
after(async () => {
  await lab?.close();
});

interface SweepResult {
  dim: number;
  positions: number;
  stimuli: number;
  ranks: { rank: number; errors: number[]; bestError: number }[];
}

test('TCA panel: rank sweep of a CIFAR CNN conv map at all positions × 2,000 images, both diagnostics and the factors', { timeout: 600_000 }, async (t) => {
  const l = lab!;
  const t0 = Date.now();
  const model = await l.api<{ id: number }>('models.open', { path: fixtureModels.cifar10() });
  // The model's own preprocessing, (x/255 − 0.5)/0.5, on digits stretched to 32 × 32 and repeated over R, G, B.
  const recipe = { width: 32, height: 32, channels: 3, channelOrder: 'RGB', resize: 'stretch', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], layout: 'NCHW' };
  const set = await l.api<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: STIMULI, recipe } });
  const h = await l.api<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['43'], positions: 'all' });
  await l.waitJob(h.jobId, 180_000);
  t.diagnostic(`harvest ${Date.now() - t0} ms`);

  const p = l.page;
  await p.goto(l.url);
  await p.click(tid('rail-tca'));
  await p.waitForSelector(tid('tca-harvest'));
  await p.fill(tid('tca-ranks'), '1-4');
  await p.fill(tid('tca-restarts'), '2');
  await p.fill(tid('tca-max-iter'), '15');
  await p.click(tid('tca-run'));
  await p.waitForSelector(`${tid('tca-progress')}[data-status]`);
  await p.waitForSelector(`${tid('tca-progress')}[data-status="done"]`, { timeout: 240_000 });
  t.diagnostic(`sweep done ${Date.now() - t0} ms`);

  await p.waitForSelector(`${tid('tca-error-chart')} canvas`);
  await p.waitForSelector(`${tid('tca-similarity-chart')} canvas`);
  const jobs = await l.api<{ id: number; kind: string; result: SweepResult | null }[]>('jobs.list', {});
  const sweep = jobs.find((j) => j.kind === 'tca-sweep')!;
  const res = sweep.result!;
  assert.deepEqual([res.dim, res.positions, res.stimuli], [24, 100, STIMULI]);
  assert.deepEqual(res.ranks.map((r) => r.rank), [1, 2, 3, 4]);
  for (const r of res.ranks) assert.equal(r.errors.length, 2);
  // More components fit better (non-negative ALS on a ReLU map).
  assert.ok(res.ranks[3]!.bestError < res.ranks[0]!.bestError, `errors ${res.ranks.map((r) => r.bestError)}`);

  // Rank 3: three component rows, each with units, positions and stimuli drawn.
  await p.selectOption(tid('tca-rank'), '3');
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="tca-component"]').length === 3);
  assert.equal(await p.locator(`${tid('tca-component')} canvas`).count(), 9);
  // The stimulus factor is coloured by digit: a legend entry per digit present.
  assert.ok((await p.locator(`${tid('tca-components')} .legend span`).count()) >= 10);
  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'e2e-tca-panel.png'), fullPage: true });

  await p.click(tid('tca-fit'));
  await p.waitForSelector(tid('tca-fitted'));
  const bases = await l.api<{ id: number; method: string; nFeatures: number; harvestId: number }[]>('bases.list', {});
  const tca = bases.find((b) => b.method === 'tca');
  assert.ok(tca && tca.nFeatures === 3 && tca.harvestId === h.harvestIds[0], JSON.stringify(bases));

  await p.click(tid('tca-send-report'));
  await p.waitForSelector(tid('tca-send-report-sent'));
  const reports = await l.api<{ id: number }[]>('reports.list', {});
  const report = await l.api<{ sections: { kind: string }[] }>('reports.get', { id: reports.at(-1)!.id });
  assert.deepEqual(report.sections.map((x) => x.kind), ['tca']);
  assert.deepEqual(l.pageErrors, []);
  t.diagnostic(`all ${Date.now() - t0} ms`);
});
