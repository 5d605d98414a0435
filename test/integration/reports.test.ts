// Reports on a real project file: planted activations over real MNIST digits (units 0–3 fire for their digit class,
// the rest are noise), three bases with feature statistics and label metrics. A comparison and a collection are sent
// to a report through the router; the snapshot must survive deleting a basis; the HTML must print the comparison's
// numbers; sections move and go; the CLI writes a report from a fresh comparison and from an existing report.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BasisMethodDefinition, Comparison, ReportDetail, ReportInfo, ReportSectionInfo } from '../../main/api/contract';
import { ApiError, createRouter } from '../../main/api/router';
import { num } from '../../main/report/format';
import { Lab } from '../../main/services/lab';
import { sectionsWithSnapshots } from '../../main/store/reports';
import { fileDigest, runCli, runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { plantedHarvest } from '../helpers/planted';

const N = 1000;
const PLANTED = 4;
const D = 12;
const dir = tempDir('cajal-reports-');
const project = join(dir, 'reports.cajal');
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let harvestId = 0;
const basisIds: Record<string, number> = {};
type Added = { report: ReportDetail; section: ReportSectionInfo };

before(async () => {
  lab.openProject({ path: project, create: true });
  harvestId = await plantedHarvest(lab, router, { n: N, planted: PLANTED, dim: D, seed: 7, chunkRows: N, tensor: 'planted <units>' });
  // Random first: it is the null the other bases' metrics are scored against (else one would be made for them).
  for (const [method, params] of [['random', { nFeatures: D }], ['neurons', {}], ['pca', { nFeatures: 6 }]] as const) {
    const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method, params });
    assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
    basisIds[method] = fit.basisId;
    const fc = await call<{ jobId: number }>('features.compute', { basisId: fit.basisId, topK: 16, bands: 4 });
    assert.equal((await lab.jobs.wait(fc.jobId)).status, 'done');
    const mc = await call<{ jobId: number }>('metrics.compute', { basisId: fit.basisId, metrics: ['label-purity', '2afc-label'], trials: 5, seed: 1 });
    const job = await lab.jobs.wait(mc.jobId);
    assert.equal(job.status, 'done', job.error ?? '');
  }
});
after(() => lab.shutdown());

const medianCell = (html: string, basisId: number, metric: string) => new RegExp(`data-cell="median" data-basis="${basisId}" data-metric="${metric}">([^<]*)<`).exec(html)?.[1];

let reportId = 0;
let shown: Comparison | null = null;

test('a comparison sent to a new report is a snapshot: it survives deleting a basis, and the HTML prints its numbers', async () => {
  shown = await call<Comparison>('compare.run', { harvestId, bootstrap: 300, seed: 2 });
  assert.equal(shown.bases.length, 3);
  const sent = await call<Added>('reports.addComparison', { reportId: null, harvestId, bootstrap: 300, seed: 2 });
  reportId = sent.report.id;
  assert.equal(sent.report.sectionCount, 1);
  assert.equal(sent.section.kind, 'comparison');
  assert.equal(sent.section.position, 0);
  assert.deepEqual(sent.section.params, { harvestId, bootstrap: 300, seed: 2, basisIds: shown.bases.map((b) => b.basisId) });
  assert.match(sent.report.title, /^Comparison of planted <units>/);
  const stored = sectionsWithSnapshots(lab['db']!, reportId)[0]!.snapshot as { comparison: Comparison; bases: { basisId: number; seed: number; params: unknown }[]; harvest: { harvestId: number } };
  assert.deepEqual(stored.comparison, JSON.parse(JSON.stringify(shown)), 'the comparison that was shown is the one kept');
  assert.equal(stored.harvest.harvestId, harvestId);
  assert.deepEqual(stored.bases.map((b) => b.basisId), shown.bases.map((b) => b.basisId));

  // The project changes afterwards: PCA is deleted. The report does not change.
  lab['db']!.prepare('DELETE FROM bases WHERE id = ?').run(basisIds.pca);
  const now = await call<Comparison>('compare.run', { harvestId, bootstrap: 300, seed: 2 });
  assert.equal(now.bases.length, 2, 'the live comparison lost PCA');

  const { fileName, html } = await call<{ fileName: string; html: string }>('reports.render', { id: reportId });
  assert.match(fileName, new RegExp(`^cajal-report-${reportId}-comparison-of-planted-units.*\\.html$`));
  assert.equal((html.match(/<figure data-metric=/g) ?? []).length, 2, 'a chart per metric');
  assert.ok((html.match(/<svg/g) ?? []).length >= 3);
  for (const b of shown.bases) {
    for (const m of shown.metricNames) assert.equal(medianCell(html, b.basisId, m), num(b.metrics[m]!.median), `${b.method} ${m} median as printed`);
  }
  assert.ok(html.includes('planted &lt;units&gt;'), 'tensor name escaped');
  assert.ok(!html.includes('planted <units>'));
  // Methods names the source of each method compared and where the lab departs from it — PCA's too, though it
  // was deleted from the project after the section was sent.
  const defs = await call<BasisMethodDefinition[]>('bases.definitions', {});
  assert.deepEqual(defs.map((d) => d.method).sort(), ['ica', 'kmeans', 'neurons', 'nmf', 'pca', 'random', 'sae-batchtopk', 'sae-gated', 'sae-jumprelu', 'sae-l1', 'sae-matryoshka', 'sae-topk', 'sparse-coding', 'tca']);
  for (const method of ['random', 'neurons', 'pca']) assert.ok(html.includes(`id="basis-${method}"`), `Methods describes ${method}`);
  assert.ok(!html.includes('id="basis-sae-l1"'), 'and only the methods compared');
  assert.ok(html.includes('data-departure="pca"'));
});

test('a collection goes to the same report with its thumbnails; sections move, go, and the report is renamed', async () => {
  const neurons = basisIds.neurons!;
  await call('collections.pin', { name: 'digit units', basisId: neurons, feature: 1, pinned: true });
  await call('collections.pin', { name: 'digit units', basisId: neurons, feature: 2, pinned: true });
  const sent = await call<Added>('reports.addCollection', { reportId, name: 'digit units' });
  assert.equal(sent.report.id, reportId);
  assert.deepEqual(sent.report.sections.map((s) => s.kind), ['comparison', 'collection']);
  assert.equal(sent.section.title, 'Collection “digit units” · 2 features');
  const { html } = await call<{ html: string }>('reports.render', { id: reportId });
  assert.equal((html.match(/<article class="feature"/g) ?? []).length, 2);
  assert.ok((html.match(/<img src="data:image\/png;base64,/g) ?? []).length >= 2, 'top stimuli inline');
  assert.match(html, /Label purity<\/td><td class="n">1</, 'a planted unit is pure');

  const moved = await call<ReportDetail>('reports.moveSection', { sectionId: sent.section.id, position: 0 });
  assert.deepEqual(moved.sections.map((s) => [s.kind, s.position]), [['collection', 0], ['comparison', 1]]);
  const renamed = await call<ReportDetail>('reports.rename', { id: reportId, title: '  Planted units  ' });
  assert.equal(renamed.title, 'Planted units');
  const removed = await call<ReportDetail>('reports.removeSection', { sectionId: sent.section.id });
  assert.deepEqual(removed.sections.map((s) => [s.kind, s.position]), [['comparison', 0]]);
  const list = await call<ReportInfo[]>('reports.list', {});
  assert.deepEqual(list.map((r) => [r.id, r.title, r.sectionCount]), [[reportId, 'Planted units', 1]]);
});

test('bad requests are refused in one sentence, and a deleted report takes its sections with it', async () => {
  const refused = async (method: string, params: unknown, code: string, pattern: RegExp) =>
    assert.rejects(router.call(method, params), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, code);
      assert.match(err.message, pattern);
      return true;
    });
  await refused('reports.addCollection', { reportId: null, name: 'nothing here' }, 'collection.unknown', /no collection named “nothing here”/);
  await refused('reports.addComparison', { reportId: 999, harvestId }, 'report.unknown', /There is no report 999 in this project\./);
  await refused('reports.addComparison', { reportId: null, harvestId: 999 }, 'harvest.unknown', /There is no harvest 999/);
  await refused('reports.render', { id: 999 }, 'report.unknown', /no report 999/);
  await refused('reports.create', { title: '   ' }, 'api.invalid-params', /title/);
  await refused('reports.moveSection', { sectionId: 999, position: 0 }, 'report.unknown-section', /no report section 999/);
  assert.equal((await call<ReportInfo[]>('reports.list', {})).length, 1, 'nothing was created by the refused calls');

  const spare = await call<ReportDetail>('reports.create', { title: 'Spare' });
  const sent = await call<Added>('reports.addComparison', { reportId: spare.id, harvestId });
  assert.equal(sent.report.sections.length, 1);
  assert.deepEqual(await call('reports.delete', { id: spare.id }), { id: spare.id, title: 'Spare' });
  const left = lab['db']!.prepare('SELECT count(*) AS n FROM report_sections WHERE report_id = ?').get(spare.id) as { n: number };
  assert.equal(left.n, 0, 'ON DELETE CASCADE');
});

test('CLI: cajal report writes an existing report and a fresh comparison; a bad id changes nothing', async () => {
  await lab.closeProject();
  const existing = join(dir, 'existing.html');
  // The two that succeed run in this process (the same command as `cajal report`); the refusal, held to its exact
  // stderr, keeps a child process.
  const r1 = await runCliInProcess(['report', '--project', project, '--report', String(reportId), '--out', existing, '--json']);
  assert.equal(r1.code, 0, r1.stderr);
  const j1 = JSON.parse(r1.stdout.trim()) as { ok: boolean; reportId: number; path: string; bytes: number };
  assert.deepEqual([j1.ok, j1.reportId, j1.path], [true, reportId, existing]);
  const html1 = readFileSync(existing, 'utf8');
  assert.equal(Buffer.byteLength(html1), j1.bytes);
  for (const b of shown!.bases) assert.equal(medianCell(html1, b.basisId, 'label-purity'), num(b.metrics['label-purity']!.median));

  const fresh = join(dir, 'fresh.html');
  const r2 = await runCliInProcess(['report', '--project', project, '--compare', String(harvestId), '--bootstrap', '200', '--out', fresh]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, new RegExp(`^Report \\d+ written to ${fresh.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(\\d+ KB\\)\\.\\n$`));
  const html2 = readFileSync(fresh, 'utf8');
  assert.match(html2, /<svg/);
  assert.match(html2, /200 resamples, seed 0/);

  const digest = fileDigest(project);
  const bad = await runCli(['report', '--project', project, '--report', '4242', '--out', join(dir, 'never.html')]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'cajal report: There is no report 4242 in this project.\n');
  assert.equal(existsSync(join(dir, 'never.html')), false);
  assert.equal(fileDigest(project), digest, 'project file unchanged');
});
