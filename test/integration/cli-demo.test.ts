// `cajal demo` end to end, as `npm start` runs it where Electron cannot start: the CLI from the sources in a child
// process, on the bundled MNIST MLP, at a smaller size (--digits 500 --steps 200) so the whole pipeline runs in well
// under a minute. Its real outputs are then read back: the project file opens and holds the harvest, the seven bases
// with their quality on held-out rows, feature statistics and metrics, and the comparison; the printed table and
// report.html show that comparison's numbers, and the report loads nothing from the network. The same demo run then
// serves export-report-tests.ts (the report as PDF, its reproduce appendix, the exports) on a copy of its outputs, so
// the costliest setup of the integration suite runs once instead of twice.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BasisInfo, Comparison, FeatureTable, HarvestInfo, JobInfo, ProjectInfo, ReportInfo } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { num } from '../../main/report/format';
import { Lab } from '../../main/services/lab';
import { runCli, runCliInProcess, type CliResult } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { exportReportTests } from './export-report-tests';

const DIGITS = 500;
const SAE_STEPS = 200;
const METRICS = ['2afc-label', 'consistency-pixel', 'label-purity'];
// The demo's bases, in the order it fits them (random first: the null the others are z-scored against).
const EXPECTED = [
  { name: 'random', method: 'random', nFeatures: 256 },
  { name: 'neurons', method: 'neurons', nFeatures: 256 },
  { name: 'PCA', method: 'pca', nFeatures: 256 },
  { name: 'ICA', method: 'ica', nFeatures: 64 },
  { name: 'NMF', method: 'nmf', nFeatures: 64 },
  { name: 'K-means', method: 'kmeans', nFeatures: 256 },
  { name: 'SAE (TopK)', method: 'sae-topk', nFeatures: 1024 },
];

const out = join(tempDir('cajal-demo-'), 'demo-out');
const project = join(out, 'demo.cajal');
const reportPath = join(out, 'report.html');
let run: CliResult;
const exportDir = tempDir('cajal-export-report-');
let demoComparison: Comparison;
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;

before(async () => {
  run = await runCli(['demo', '--out', out, '--digits', String(DIGITS), '--steps', String(SAE_STEPS)]);
  assert.equal(run.code, 0, `cajal demo failed:\n${run.stderr.slice(-3000)}`);
  // The export and report tests get the demo's outputs as its process left them (it has exited, so its last
  // connection folded the write-ahead log into the file): nothing this file's lab does reaches the files they hash.
  assert.equal(existsSync(`${project}-wal`), false, 'the demo closed its project');
  mkdirSync(join(exportDir, 'demo'));
  for (const f of ['demo.cajal', 'report.html']) copyFileSync(join(out, f), join(exportDir, 'demo', f));
  lab.openProject({ path: project, create: false });
  demoComparison = await call<Comparison>('compare.run', { harvestId: 1 });
});
after(() => lab.shutdown());

test('cajal demo --help documents --digits and --steps; out-of-range values are refused in one sentence', async () => {
  // The same command line, run in this process: the refusals come before any work, so a new process would only add
  // its start-up (the demo itself ran as a child process above).
  const help = await runCliInProcess(['demo', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--digits N\s+harvest the first N digits/);
  assert.match(help.stdout, /--steps N\s+train the TopK SAE for N steps/);
  const dir = tempDir('cajal-demo-bad-');
  for (const [flag, value, said] of [['--steps', '5', /--steps takes a whole number from 10 to 100000, not 5\./], ['--digits', '99.5', /--digits takes a whole number from 100 to 10000, not 99\.5\./]] as const) {
    const r = await runCliInProcess(['demo', '--out', dir, flag, value]);
    assert.equal(r.code, 1, `${flag} ${value} exits non-zero`);
    assert.match(r.stderr, said);
    assert.equal(existsSync(join(dir, 'demo.cajal')), false, 'no project file made');
  }
});

test('the demo project opens and holds one harvest of hidden1 over exactly the digits asked for', async () => {
  const info = await call<ProjectInfo>('project.info', {});
  assert.equal(info.path, project);
  assert.deepEqual({ ...info.counts, jobs: undefined }, { models: 1, stimulusSets: 1, harvests: 1, bases: 7, jobs: undefined });
  const harvests = await call<HarvestInfo[]>('harvests.list', {});
  assert.equal(harvests.length, 1);
  const h = harvests[0]!;
  assert.deepEqual(
    [h.modelName, h.tensor, h.dim, h.positions, h.status, h.rowsExpected, h.rowsDone, h.source],
    ['mnist-mlp.onnx', 'hidden1', 256, 'centre', 'done', DIGITS, DIGITS, 'model'],
  );
  const jobs = await call<JobInfo[]>('jobs.list', {});
  assert.deepEqual(jobs.filter((j) => j.status !== 'done').map((j) => [j.id, j.kind, j.status]), [], 'every job finished');
  const kinds = new Map<string, number>();
  for (const j of jobs) kinds.set(j.kind, (kinds.get(j.kind) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(kinds), { harvest: 1, fit: 7, 'feature-stats': 7, metrics: 7, 'loss-recovered': 1 });
});

test('the demo splices its TopK SAE into hidden1 and prints the loss it recovers, as bases.list stores it (#10)', async () => {
  const sae = (await call<BasisInfo[]>('bases.list', {})).find((b) => b.method === 'sae-topk')!;
  const lr = sae.lossRecovered!;
  assert.ok(lr && lr.labelled && lr.ceScoreZero !== null, 'a labelled loss-recovered figure');
  // Between the ablated layer (0) and the clean model (1): a trained SAE recovers most, not all, of the loss.
  assert.ok(lr.ceScoreZero! > 0.5 && lr.ceScoreZero! < 1.05, `CE score ${lr.ceScoreZero}`);
  assert.ok(lr.spliced.crossEntropy! >= lr.clean.crossEntropy! - 1e-9, 'splicing does not beat the clean model on its own labels');
  const said = /Loss recovered by the TopK SAE spliced into hidden1: (\d\.\d{3}) of the cross-entropy/.exec(run.stderr);
  assert.ok(said, run.stderr.slice(-2000));
  assert.equal(said[1], lr.ceScoreZero!.toFixed(3));
  for (const b of (await call<BasisInfo[]>('bases.list', {})).filter((x) => x.method !== 'sae-topk')) assert.equal(b.lossRecovered, null);
});

test('the seven bases are done, with quality measured on held-out rows', async () => {
  const bases = await call<BasisInfo[]>('bases.list', {});
  assert.deepEqual(bases.map((b) => ({ name: b.name, method: b.method, nFeatures: b.nFeatures })), EXPECTED);
  for (const b of bases) {
    assert.equal(b.status, 'done', b.name);
    assert.equal(b.dim, 256);
    const q = b.quality;
    assert.ok(q, `${b.name} has quality numbers`);
    assert.ok(q.rows > 0 && q.rows < DIGITS, `${b.name}: quality on a held-out part (${q.rows} rows)`);
    assert.ok(q.explainedVariance !== null && q.explainedVariance > 0.5 && q.explainedVariance <= 1 + 1e-9, `${b.name} EV ${q.explainedVariance}`);
    assert.ok(q.mse !== null && q.mse >= 0 && Number.isFinite(q.mse), `${b.name} MSE ${q.mse}`);
    assert.ok(q.l0 > 0 && q.l0 <= b.nFeatures, `${b.name} L0 ${q.l0}`);
    assert.ok(q.deadFraction >= 0 && q.deadFraction <= 1 && q.denseFraction >= 0 && q.denseFraction <= 1);
  }
  const by = new Map(bases.map((b) => [b.method, b]));
  // Complete bases of the 256-d layer reconstruct it exactly; TopK keeps at most k = 16 latents per row.
  for (const m of ['random', 'neurons', 'pca'] as const) assert.ok(by.get(m)!.quality!.explainedVariance! > 1 - 1e-6, `${m} is complete`);
  assert.ok(by.get('sae-topk')!.quality!.l0 <= 16 + 1e-9);
  assert.equal(by.get('sae-topk')!.params.steps, SAE_STEPS, '--steps reached the SAE');
});

test('every basis has feature statistics and its three metrics on every well-populated feature', async () => {
  for (const b of await call<BasisInfo[]>('bases.list', {})) {
    const t = await call<FeatureTable>('features.table', { basisId: b.id });
    assert.equal(t.computed, true, b.name);
    assert.deepEqual([...t.metricNames].sort(), METRICS, b.name);
    assert.equal(t.features.length, b.nFeatures);
    let scored = 0;
    for (const f of t.features) {
      assert.ok(f.density >= 0 && f.density <= 1 && f.min <= f.mean && f.mean <= f.max, `${b.name} #${f.feature} statistics`);
      const all = METRICS.every((m) => Number.isFinite(f.metrics[m as keyof typeof f.metrics]));
      if (all) scored++;
      // 10% of 500 rows is well above the 20 top examples a metric is read on: such a feature must be scored.
      if (f.density >= 0.1 && f.max > f.min) assert.ok(all, `${b.name} #${f.feature} (density ${f.density}) scored: ${JSON.stringify(f.metrics)}`);
    }
    assert.ok(scored > 0, `${b.name} has scored features`);
  }
});

test('the comparison covers every basis against neurons and random, and the printed table shows its numbers', async () => {
  const bases = await call<BasisInfo[]>('bases.list', {});
  const c = await call<Comparison>('compare.run', { harvestId: bases[0]!.harvestId });
  assert.deepEqual(c.bases.map((b) => b.basisId), bases.map((b) => b.id));
  assert.equal(c.neuronsBasisId, bases[1]!.id);
  assert.equal(c.randomBasisId, bases[0]!.id);
  assert.deepEqual([...c.metricNames].sort(), METRICS);
  assert.equal(c.matchMatrix.length, 7);
  for (let i = 0; i < 7; i++) assert.ok(Math.abs(c.matchMatrix[i]![i]! - 1) < 1e-6, `basis ${i} matches itself`);
  for (const b of c.bases) {
    const table = await call<FeatureTable>('features.table', { basisId: b.basisId });
    for (const m of METRICS) {
      const s = b.metrics[m as keyof typeof b.metrics];
      assert.ok(s, `${b.name} ${m}`);
      const finite = table.features.filter((f) => Number.isFinite(f.metrics[m as keyof typeof f.metrics])).length;
      assert.equal(s.values.length, finite, `${b.name} ${m}: one value per scored feature`);
      assert.ok(s.ci95[0] <= s.median && s.median <= s.ci95[1], `${b.name} ${m} median inside its CI`);
      assert.equal(s.vsNeurons === null, b.method === 'neurons', `${b.name} ${m} tested against neurons`);
    }
  }

  // The table printed to stdout: one row per basis, the same numbers (the columns are at least two spaces apart), on
  // the metric the demo leads with: the first of its metrics whose random null is not at a bound (issue #8).
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));
  const p = (x: { p: number } | null | undefined) => (x ? x.p.toExponential(1) : '—');
  const lines = run.stdout.split('\n');
  const lead = METRICS.find((m) => !c.saturated?.[m as keyof typeof c.saturated])!;
  assert.ok(lines.includes(`Bases of hidden1, scored on their top-activating digits: ${lead} (Klindt et al.)`), run.stdout);
  for (const b of c.bases) {
    const row = lines.find((l) => l.startsWith(`${b.name}  `));
    assert.ok(row, `a printed row for ${b.name}`);
    const cells = row.split(/\s{2,}/);
    const x = b.metrics[lead as keyof typeof b.metrics]!;
    assert.deepEqual(cells, [b.name, String(b.nFeatures), f(b.quality?.explainedVariance), f(b.quality?.l0, 1), `${f(x.median)} [${f(x.ci95[0])}, ${f(x.ci95[1])}]`, p(x.vsNeurons), p(x.vsRandom)]);
  }
  const flagged = Object.keys(c.saturated ?? {});
  assert.equal(lines.filter((l) => l.startsWith('⚠ ')).length, flagged.length);
  const best = c.bases.reduce((a, b) => (b.metrics[lead as keyof typeof b.metrics]!.median > a.metrics[lead as keyof typeof a.metrics]!.median ? b : a));
  assert.ok(lines.some((l) => l.startsWith(`Found: on ${lead}, ${best.name} has the highest median (${f(best.metrics[lead as keyof typeof best.metrics]!.median)}`)), run.stdout);
  assert.ok(lines.includes(`Demo project: ${project}`));
  assert.ok(lines.includes(`Report:       ${reportPath}`));

  // report.html: the comparison, sent to the project's one report, with these medians.
  const reports = await call<ReportInfo[]>('reports.list', {});
  assert.deepEqual(reports.map((r) => r.sectionCount), [1]);
  assert.ok(existsSync(reportPath), 'report.html written');
  const html = readFileSync(reportPath, 'utf8');
  assert.match(html, /<h1>Comparison of hidden1 · mnist-mlp\.onnx/);
  for (const b of c.bases) {
    for (const m of METRICS) {
      const cell = new RegExp(`data-cell="median" data-basis="${b.basisId}" data-metric="${m}">([^<]*)<`).exec(html)?.[1];
      assert.equal(cell, num(b.metrics[m as keyof typeof b.metrics]!.median), `${b.name} ${m} median in the report`);
    }
  }
});

test('report.html is self-contained: no script, stylesheet, image or font is loaded from anywhere', () => {
  const html = readFileSync(reportPath, 'utf8');
  assert.ok(html.length > 10_000, 'a real report');
  // src= / href= (xlink:href too) pointing off the page, CSS url() and @import of anything but data:, and external
  // scripts. Links a reader may follow (<a href>) load nothing, so they are left out.
  const page = html.replace(/<a\b[^>]*>/gi, '<a>');
  const loads = [
    ...page.matchAll(/\b(?:src|href)\s*=\s*["']?\s*(?!data:|#)([^"'\s>]+)/gi),
    ...page.matchAll(/url\(\s*["']?\s*(?!data:|#)([^"')\s]+)/gi),
    ...page.matchAll(/@import\s+([^;]+)/gi),
  ].map((m) => m[0]);
  assert.deepEqual(loads, [], 'nothing loaded from outside the file');
  assert.doesNotMatch(html, /<script\b[^>]*\bsrc\b/i);
  assert.doesNotMatch(html, /<link\b[^>]*rel=["']?stylesheet/i);
  assert.doesNotMatch(html, /<iframe\b/i);
  // Everything that is fetched is fetched from a data: URI (the charts are inline SVG).
  assert.match(html, /<svg\b/);
});

// After this file's own tests: the demo's outputs as exports and a printed, reproducible report.
exportReportTests(exportDir, () => demoComparison);
