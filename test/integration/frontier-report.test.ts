// h12front (#12 item 3): a harvest's sparsity frontier sent to a report on a real project file — two sweeps (TopK and
// BatchTopK) and a PCA on rows planted from 24 atoms, every run at its held-out L0 and explained variance as the
// engine stored them, the pair compared at equal L0 by the same function as the Bases panel's card (either way round),
// every frontier against the pair's second, the methods' definitions and the commands that refit each run; bad
// requests refused in one sentence with nothing written.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRouter } from '../../main/api/router';
import type { BasesResults, ReportsResults } from '../../main/api/contract';
import { compareAtEqualL0, type FrontierPoint } from '../../main/bases/frontier-compare';
import { Lab } from '../../main/services/lab';
import { runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { importPlantedRows } from '../helpers/planted-import';

const dir = tempDir('cajal-frontier-report-');
const project = join(dir, 'frontier.cajal');
const D = 16;
const ATOMS = 24;
const ROWS = 3000;
const lab = new Lab(() => undefined);
const call = createRouter(lab, 'direct').call;
let harvestId = 0;
let bare = 0;
const runs: Record<'sae-topk' | 'sae-batchtopk', number[]> = { 'sae-topk': [], 'sae-batchtopk': [] };
let pcaId = 0;

/** ROWS rows, each the sum of 1 or 5 (alternately) of ATOMS planted unit atoms (seed 12), imported: the harvest's id. */
const importRows = (name: string) => importPlantedRows({ dir, project, name, rows: ROWS, d: D, atoms: ATOMS, atomsIn: (r) => (r % 2 === 0 ? 1 : 5) });

before(async () => {
  harvestId = await importRows('planted.npy');
  bare = await importRows('bare.npy');
  lab.openProject({ path: project, create: false });
  const small = { nFeatures: 32, steps: 160, batchSize: 128 };
  for (const [method, values] of [['sae-topk', [2, 3, 4, 6]], ['sae-batchtopk', [2, 3, 4]]] as const) {
    const r = (await call('bases.sweep', { harvestId, method, values: [...values], seed: 3, params: small })) as BasesResults['bases.sweep'];
    assert.equal((await lab.jobs.wait(r.jobId)).status, 'done');
    runs[method] = r.basisIds;
  }
  const pca = (await call('bases.fit', { harvestId, method: 'pca', params: { nFeatures: 8 } })) as BasesResults['bases.fit'];
  assert.equal((await lab.jobs.wait(pca.jobId)).status, 'done');
  pcaId = pca.basisId;
});
after(async () => lab.shutdown());

const points = (ids: number[]): FrontierPoint[] => ids.map((id) => ({ l0: lab.getBasis(id).quality!.l0, ev: lab.getBasis(id).quality!.explainedVariance! }));
const attr = (html: string, name: string) => [...html.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);
/** The HTML of one section of a rendered report, by its id. */
async function sectionHtml(reportId: number, sectionId: number): Promise<string> {
  const { html } = (await call('reports.render', { id: reportId })) as ReportsResults['reports.render'];
  const m = new RegExp(`<section id="section-${sectionId}" data-kind="frontier">([\\s\\S]*?)</section>`).exec(html);
  assert.ok(m, `section ${sectionId} is a frontier section`);
  return m[1]!;
}

test('a frontier section holds every run at its held-out L0 and EV, and BatchTopK against TopK at equal L0 as the card computes it', { timeout: 120_000 }, async () => {
  const r = (await call('reports.addFrontier', { reportId: null, harvestId })) as BasesResults['reports.addFrontier'];
  assert.equal(r.section.kind, 'frontier');
  assert.deepEqual(r.section.params.pair, { a: 'sae-batchtopk', b: 'sae-topk' }, 'the card’s default pair');
  const ids = [...runs['sae-topk'], ...runs['sae-batchtopk'], pcaId];
  assert.deepEqual([...(r.section.params.basisIds as number[])].sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
  const html = await sectionHtml(r.report.id, r.section.id);

  // Every run, with the numbers the engine stored for it (written in full, so they compare exactly).
  for (const id of ids) {
    const q = lab.getBasis(id).quality!;
    const row = new RegExp(`<tr data-basis="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
    assert.ok(row, `basis ${id} has a row`);
    assert.equal(Number(attr(row, 'data-l0')[0]), q.l0);
    assert.equal(Number(attr(row, 'data-ev')[0]), q.explainedVariance);
  }
  assert.match(html, /<td class="mono">k = 3<\/td>/, 'a run is named by its swept value');
  // Along TopK's line, what each run gains over the previous one per doubling of L0 (its L0 is k).
  const [k2, k3] = runs['sae-topk'].map((id) => lab.getBasis(id).quality!);
  const row3 = new RegExp(`<tr data-basis="${runs['sae-topk'][1]}">([\\s\\S]*?)</tr>`).exec(html)![1]!;
  assert.ok(Math.abs(Number(attr(row3, 'data-per-doubling')[0]) - (k3!.explainedVariance! - k2!.explainedVariance!) / Math.log2(3 / 2)) < 1e-12);
  assert.equal(attr(new RegExp(`<tr data-basis="${runs['sae-topk'][0]}">([\\s\\S]*?)</tr>`).exec(html)![1]!, 'data-per-doubling')[0], '', 'nothing before the first run');

  // The pair at equal L0: the gaps of frontier-compare.ts over the stored points, in order.
  const c = compareAtEqualL0(points(runs['sae-batchtopk']), points(runs['sae-topk']));
  assert.ok(c.gaps.length >= 3, 'the two frontiers overlap');
  const pair = /<table data-pair="sae-batchtopk\|sae-topk">([\s\S]*?)<\/table>/.exec(html)?.[1];
  assert.ok(pair, 'the pair table');
  assert.deepEqual(attr(pair, 'data-gap').map(Number), c.gaps.map((g) => g.gap));
  const verdict = /<p data-verdict="sae-batchtopk\|sae-topk">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
  assert.match(verdict, c.minGap! >= 0 ? /sae-batchtopk reconstructs at least as much as sae-topk at every shared L0/ : /sae-batchtopk falls short of sae-topk at \d+ of \d+ shared L0s/);
  assert.match(verdict, /Dead latents on held-out rows, the mean over each frontier's runs: sae-batchtopk \d+ %, sae-topk \d+ %\./);

  // Every other frontier against the pair's second.
  const against = /<table data-against="sae-topk">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.equal(Number(attr(against, 'data-mean-gap')[0]), c.meanGap);

  // The chart: both lines and the PCA as a point, named in the SVG's label.
  assert.match(html, /<svg role="img" aria-label="Explained variance against L0 on held-out rows: sae-topk \(4 runs\), sae-batchtopk \(3 runs\), and 1 other bases as points"/);
  const { html: whole } = (await call('reports.render', { id: r.report.id })) as ReportsResults['reports.render'];
  for (const m of ['sae-topk', 'sae-batchtopk', 'pca']) assert.match(whole, new RegExp(`<dt id="basis-${m}">`), `Methods defines ${m}`);
  const reproduce = whole.slice(whole.indexOf('<section id="reproduce">'));
  // Imported rows have no command that rebuilds them, so the appendix names each run that it cannot refit.
  assert.match(reproduce, /Harvest \d+ holds imported activations \(3000 rows of /);
  for (const id of ids) assert.match(reproduce, new RegExp(`Basis ${id} \\(`), `the appendix accounts for basis ${id}`);
});

test('the pair the user picks, either way round: the gaps change sign', { timeout: 60_000 }, async () => {
  const first = (await call('reports.addFrontier', { reportId: null, harvestId, a: 'sae-topk', b: 'sae-batchtopk' })) as BasesResults['reports.addFrontier'];
  const second = (await call('reports.addFrontier', { reportId: first.report.id, harvestId, a: 'sae-batchtopk' })) as BasesResults['reports.addFrontier'];
  assert.equal(second.report.sections.length, 2);
  assert.deepEqual(second.section.params.pair, { a: 'sae-batchtopk', b: 'sae-topk' }, 'b chosen as the card would');
  const flipped = compareAtEqualL0(points(runs['sae-topk']), points(runs['sae-batchtopk']));
  const html = await sectionHtml(first.report.id, first.section.id);
  const pair = /<table data-pair="sae-topk\|sae-batchtopk">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.deepEqual(attr(pair, 'data-gap').map(Number), flipped.gaps.map((g) => g.gap));
});

test('bad requests to send a frontier: one sentence each, nothing written', { timeout: 60_000 }, async () => {
  const count = (table: string) => (lab.database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const before = [count('reports'), count('report_sections')];
  const refusals: [unknown, RegExp][] = [
    [{ reportId: null, harvestId, a: 'sae-l1' }, /^sae-l1 has no finished runs on harvest \d+ to draw a frontier from; compare two of sae-topk, sae-batchtopk\.$/],
    [{ reportId: null, harvestId, a: 'sae-topk', b: 'sae-topk' }, /compared with itself/],
    [{ reportId: null, harvestId: bare }, /^Harvest \d+ has no finished basis with an explained variance, so there is no frontier to send; fit or sweep bases on it first\.$/],
    [{ reportId: 424242, harvestId }, /There is no report 424242/],
    [{ reportId: null, harvestId: 9999 }, /9999/],
    [{ reportId: null, harvestId, a: 'not-a-method' }, /^Invalid parameters for reports\.addFrontier: .*Invalid option.*→ at a$/],
  ];
  for (const [p, re] of refusals) await assert.rejects(call('reports.addFrontier', p), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
  assert.deepEqual([count('reports'), count('report_sections')], before);
});

test('cajal report --frontier writes the frontier as a new report; --pair picks the two compared; bad flags one sentence', { timeout: 60_000 }, async () => {
  const file = join(dir, 'frontier.html');
  const r = await runCliInProcess(['report', '--project', project, '--frontier', String(harvestId), '--pair', 'sae-topk,sae-batchtopk', '--out', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { reportId } = JSON.parse(r.stdout) as { reportId: number };
  const html = readFileSync(file, 'utf8');
  assert.match(html, new RegExp(`<h1>Sparsity frontier of [^<]*</h1>`), 'the new report, named after the frontier');
  assert.equal((await call('reports.get', { id: reportId }) as ReportsResults['reports.get']).sections[0]!.kind, 'frontier');
  const flipped = compareAtEqualL0(points(runs['sae-topk']), points(runs['sae-batchtopk']));
  const pair = /<table data-pair="sae-topk\|sae-batchtopk">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.deepEqual(attr(pair, 'data-gap').map(Number), flipped.gaps.map((g) => g.gap));
  for (const [args, re] of [
    [['--frontier', String(harvestId), '--pair', 'sae-topk'], /^cajal report: --pair takes two method names separated by a comma \(e\.g\. sae-batchtopk,sae-topk\), not "sae-topk"\.$/],
    [['--compare', String(harvestId), '--pair', 'sae-topk,sae-batchtopk'], /^cajal report: --pair goes with --frontier/],
    [['--frontier', String(harvestId), '--report', '1'], /^cajal report: it takes one of --compare HARVEST_ID or --frontier HARVEST_ID/],
    [['--frontier', String(bare)], /has no finished basis with an explained variance/],
  ] as const) {
    const bad = await runCliInProcess(['report', '--project', project, ...args]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr.trim(), re);
    assert.equal(bad.stderr.trim().split('\n').length, 1, 'one sentence');
  }
});
