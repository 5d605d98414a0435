// `cajal demo --text` end to end (#13 item 6), as a user runs it: the CLI from the sources in a child process, on the
// lab's shipped one-layer transformer over the first 40 contexts of its held-out text, 8 positions each, and a TopK SAE
// of 8 × 512 features trained for 30 steps, so the run takes well under a minute here. The project it writes is then
// read back: the harvest of mlp_hidden, the five bases, feature statistics and the three text metrics, the comparison
// (whose SAE-vs-neurons medians and Mann–Whitney p are printed), the report with its feature cards, and the one line
// saying loss recovered is not measured on a token model. Out-of-range flags: one sentence, nothing written.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BasisInfo, Comparison, FeatureTable, HarvestInfo, JobInfo, ReportInfo, Result } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { CARDS, CARDS_COLLECTION, CARD_ROWS, TEXT_CONTEXT } from '../../main/cli/demo-text';
import { Lab } from '../../main/services/lab';
import { runCli, runCliInProcess, type CliResult } from '../helpers/cli';
import { repoRoot, tempDir } from '../helpers/fixtures';

const CONTEXTS = 40;
const POSITIONS = 8;
const SAE_STEPS = 30;
const METRICS = ['ngram-overlap', 'text-compression', 'token-consistency'];
const EXPECTED = [
  { name: 'random', method: 'random', nFeatures: 512 },
  { name: 'neurons', method: 'neurons', nFeatures: 512 },
  { name: 'PCA', method: 'pca', nFeatures: 256 },
  { name: 'ICA', method: 'ica', nFeatures: 64 },
  { name: 'SAE (TopK)', method: 'sae-topk', nFeatures: 4096 },
];

const out = join(tempDir('cajal-demo-text-'), 'demo-out');
const project = join(out, 'demo.cajal');
let run: CliResult;
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;

before(async () => {
  run = await runCli(['demo', '--text', '--out', out, '--contexts', String(CONTEXTS), '--positions', String(POSITIONS), '--steps', String(SAE_STEPS)]);
  assert.equal(run.code, 0, `cajal demo --text failed:\n${run.stderr.slice(-3000)}`);
  lab.openProject({ path: project, create: false });
});
after(() => lab.shutdown());

test('out-of-range or misplaced flags are refused in one sentence, with no project written', async () => {
  const dir = tempDir('cajal-demo-text-bad-');
  const cases = [
    [['--text', '--contexts', '5'], /--contexts takes a whole number from 10 to 781, not 5\./],
    [['--positions', '4'], /--contexts and --positions go with --text\./],
  ] as const;
  for (const [args, said] of cases) {
    // In this process: the refusal comes before any work, so a new process would only add its start-up.
    const r = await runCliInProcess(['demo', '--out', dir, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')} exits non-zero`);
    assert.match(r.stderr, said);
    assert.equal(existsSync(join(dir, 'demo.cajal')), false, 'no project file made');
  }
  const help = await runCliInProcess(['demo', '--help']);
  assert.match(help.stdout, /--text\s+\(text, #13\) the lab's one-layer transformer/);
});

test('the project holds one harvest of lab-lm mlp_hidden over the held-out text, 8 positions per context', async () => {
  const heldOut = readFileSync(join(repoRoot, 'resources/models/lab-lm-heldout.txt'));
  const used = readFileSync(join(out, 'heldout.txt'));
  assert.ok(used.length <= CONTEXTS * TEXT_CONTEXT && used.length > (CONTEXTS - 2) * TEXT_CONTEXT, `${used.length} bytes`);
  assert.ok(heldOut.subarray(0, used.length).equals(used), 'a prefix of the shipped held-out text, cut at a line end');
  const contexts = Math.ceil(used.length / TEXT_CONTEXT);
  const harvests = await call<HarvestInfo[]>('harvests.list', {});
  assert.equal(harvests.length, 1);
  const h = harvests[0]!;
  assert.deepEqual([h.modelName, h.tensor, h.dim, h.status, h.source], ['lab-lm.onnx', 'mlp_hidden', 512, 'done', 'model']);
  // Every context but a short last one offers 8 positions; the last offers at most its own length.
  assert.ok(h.rowsDone <= contexts * POSITIONS && h.rowsDone >= (contexts - 1) * POSITIONS, `${h.rowsDone} rows`);
  assert.equal(h.rowsDone, h.rowsExpected);
  const jobs = await call<JobInfo[]>('jobs.list', {});
  assert.deepEqual(jobs.filter((j) => j.status !== 'done').map((j) => [j.id, j.kind, j.status]), [], 'every job finished');
  const kinds = new Map<string, number>();
  for (const j of jobs) kinds.set(j.kind, (kinds.get(j.kind) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(kinds), { harvest: 1, fit: 5, 'feature-stats': 5, metrics: 5 });
});

test('five bases (neurons, random, PCA, ICA, a TopK SAE of 8 × 512) with feature statistics and the three text metrics', async () => {
  const bases = await call<BasisInfo[]>('bases.list', {});
  assert.deepEqual(bases.map((b) => ({ name: b.name, method: b.method, nFeatures: b.nFeatures })), EXPECTED);
  const by = new Map(bases.map((b) => [b.method, b]));
  for (const b of bases) {
    assert.equal(b.status, 'done', b.name);
    assert.equal(b.dim, 512);
    const t = await call<FeatureTable>('features.table', { basisId: b.id });
    assert.equal(t.computed, true, b.name);
    assert.deepEqual([...t.metricNames].sort(), METRICS, b.name);
    assert.ok(t.features.some((f) => METRICS.every((m) => Number.isFinite(f.metrics[m as keyof typeof f.metrics]))), `${b.name} has scored features`);
  }
  for (const m of ['random', 'neurons'] as const) assert.ok(by.get(m)!.quality!.explainedVariance! > 1 - 1e-6, `${m} is complete`);
  const sae = by.get('sae-topk')!;
  assert.equal(sae.params.steps, SAE_STEPS, '--steps reached the SAE');
  assert.ok(sae.quality!.l0 <= 16 + 1e-9, `TopK keeps at most 16 latents: L0 ${sae.quality!.l0}`);
  assert.equal(sae.lossRecovered, null, 'no loss recovered on a token model');
});

test('the comparison scores the SAE against the neurons on every text metric, and the printed table shows it', async (t) => {
  const bases = await call<BasisInfo[]>('bases.list', {});
  const c = await call<Comparison>('compare.run', { harvestId: bases[0]!.harvestId });
  assert.deepEqual([...c.metricNames].sort(), METRICS);
  assert.equal(c.neuronsBasisId, bases[1]!.id);
  assert.equal(c.randomBasisId, bases[0]!.id);
  const sae = c.bases.find((b) => b.method === 'sae-topk')!;
  const neurons = c.bases.find((b) => b.method === 'neurons')!;
  for (const m of METRICS) {
    const s = sae.metrics[m as keyof typeof sae.metrics]!;
    const n = neurons.metrics[m as keyof typeof neurons.metrics]!;
    assert.ok(s && n && s.vsNeurons, `${m}: both scored and tested`);
    assert.ok(s.vsNeurons.p >= 0 && s.vsNeurons.p <= 1);
    // Measured, not asserted: at this scale (a 30-step SAE on ~300 rows) the direction is whatever the data say.
    t.diagnostic(`${m}: SAE median ${s.median.toFixed(4)} (${s.values.length} features) vs neurons ${n.median.toFixed(4)} (${n.values.length}); Mann–Whitney p ${s.vsNeurons.p.toExponential(2)}, effect ${s.vsNeurons.effect.toFixed(3)}`);
  }
  const lead = /scored on their top-activating token positions: (\S+)/.exec(run.stdout);
  assert.ok(lead && METRICS.includes(lead[1]!), run.stdout.slice(0, 2000));
  const row = run.stdout.split('\n').find((l) => l.startsWith('SAE (TopK)'));
  const m = sae.metrics[lead[1]! as keyof typeof sae.metrics]!;
  assert.ok(row?.includes(m.median.toFixed(3)) && row.includes(m.vsNeurons!.p.toExponential(1)), `printed row ${row}`);
  assert.match(run.stdout, /^Found: on \S+, .+ has the highest median/m);
  assert.match(run.stdout, /^Loss recovered: not measured — the lesions engine \(main\/lesions\/\) does not yet run token models/m);
});

test('the report holds the comparison and feature cards of the most interpretable SAE features', async () => {
  const reports = await call<ReportInfo[]>('reports.list', {});
  assert.equal(reports.length, 1);
  const detail = await call<Result<'reports.get'>>('reports.get', { id: reports[0]!.id });
  assert.deepEqual(detail.sections.map((s) => s.kind), ['comparison', 'collection']);
  const pinned = (await call<Result<'collections.list'>>('collections.list', {})).find((c) => c.name === CARDS_COLLECTION)!;
  const sae = (await call<BasisInfo[]>('bases.list', {})).find((b) => b.method === 'sae-topk')!;
  assert.ok(pinned.items.length > 0 && pinned.items.length <= CARDS, `${pinned.items.length} cards`);
  const lead = /scored on their top-activating token positions: (\S+)/.exec(run.stdout)![1]! as 'token-consistency';
  const table = await call<FeatureTable>('features.table', { basisId: sae.id });
  const rows = (await call<HarvestInfo[]>('harvests.list', {}))[0]!.rowsDone;
  const eligible = table.features.filter((f) => f.density * rows >= CARD_ROWS && Number.isFinite(f.metrics[lead]));
  const worstCard = Math.min(...pinned.items.map((i) => table.features[i.feature]!.metrics[lead]!));
  for (const i of pinned.items) {
    assert.equal(i.basisId, sae.id);
    assert.ok(table.features[i.feature]!.density * rows >= CARD_ROWS, `feature ${i.feature} is active on ≥ ${CARD_ROWS} rows`);
  }
  const better = eligible.filter((f) => f.metrics[lead]! > worstCard && !pinned.items.some((i) => i.feature === f.feature));
  assert.deepEqual(better.map((f) => f.feature), [], 'no uncarded eligible feature scores above the carded ones');
  // The cards' text is printed: each carded feature with its top contexts, the top token marked.
  const printed = run.stdout.slice(run.stdout.indexOf('Feature cards (SAE'));
  for (const i of pinned.items) {
    const view = await call<Result<'text.contexts'>>('text.contexts', { basisId: sae.id, feature: i.feature, k: 2 });
    const top = JSON.stringify(view.contexts[0]!.tokens[view.contexts[0]!.position]!.text).slice(1, -1);
    assert.ok(printed.includes(`feature ${i.feature}  ${lead}`) && printed.includes(`⟦${top}⟧`), `card text of feature ${i.feature}:\n${printed}`);
  }
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /Bases of mlp_hidden · lab-lm\.onnx/);
  for (const i of pinned.items) assert.ok(html.includes(`Feature ${i.feature}`), `card of feature ${i.feature} in report.html`);
  assert.ok(!/<script[^>]+src=|<link[^>]+href="http/i.test(html), 'the report loads nothing from the network');
});
