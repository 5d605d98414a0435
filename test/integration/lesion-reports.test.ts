// A lesion run sent to a report (#10), through the router on a real project: the bundled MNIST MLP over 300 digits,
// a sweep of four hidden units and an exact Shapley analysis of four. The section keeps a snapshot of the run, so the
// HTML report shows every lesion's numbers as lesions.get gave them even after the project changes; loss-recovered
// runs, unfinished or unknown runs and unknown reports are refused in one sentence with nothing written.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LesionsResults, ReportDetail, ShapleySummary, SweepSummary } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { num } from '../../main/report/format';
import { Lab } from '../../main/services/lab';
import { insertLesionRun } from '../../main/store/lesions';
import { runCliInProcess } from '../helpers/cli';
import { repoRoot, tempDir } from '../helpers/fixtures';

const dir = tempDir('cajal-lesion-reports-');
const project = join(dir, 'r.cajal');
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let harvestId = 0;

async function done(jobId: number): Promise<void> {
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
}

before(async () => {
  lab.openProject({ path: project, create: true });
  const model = await call<{ id: number }>('models.open', { path: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx') });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await call<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 300, recipe } });
  const h = await call<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre' });
  await done(h.jobId);
  harvestId = h.harvestIds[0]!;
});
after(() => lab.shutdown());

test('a sweep and a Shapley analysis become report sections that render their numbers and charts', { timeout: 300_000 }, async () => {
  const sweepStart = await call<LesionsResults['lesions.ablate']>('lesions.ablate', { harvestId, elements: { kind: 'list', indices: [0, 1, 2, 3] }, mode: 'zero', stimuli: 300 });
  await done(sweepStart.jobId);
  const sweep = await call<LesionsResults['lesions.get']>('lesions.get', { runId: sweepStart.runId });
  const sent = await call<{ report: ReportDetail }>('reports.addLesionRun', { reportId: null, runId: sweepStart.runId });
  assert.equal(sent.report.sections.length, 1);
  assert.equal(sent.report.sections[0]!.kind, 'lesion');

  const msaStart = await call<LesionsResults['lesions.shapley']>('lesions.shapley', { harvestId, elements: { kind: 'list', indices: [0, 1, 2, 3] }, mode: 'zero', game: 'accuracy', method: 'exact', stimuli: 300, interactions: 3 });
  await done(msaStart.jobId);
  const msa = (await call<LesionsResults['lesions.get']>('lesions.get', { runId: msaStart.runId })).run.summary as unknown as ShapleySummary;
  const both = await call<{ report: ReportDetail }>('reports.addLesionRun', { reportId: sent.report.id, runId: msaStart.runId });
  assert.equal(both.report.sections.length, 2);

  // The project changes after sending: the section still shows the run as it was.
  lab.database.prepare('DELETE FROM lesion_results WHERE run_id = ?').run(sweepStart.runId);
  const { html } = await call<{ html: string }>('reports.render', { id: sent.report.id });
  const summary = sweep.run.summary as unknown as SweepSummary;
  assert.equal((html.match(/<section id="section-\d+" data-kind="lesion">/g) ?? []).length, 2);
  for (const r of sweep.results) {
    const c = r.effects.classes!;
    const row = `<tr><td>${r.name}</td><td class="n">${num((c.accuracy - summary.clean.accuracy!) * 100, 3)} pt</td><td class="n">${num(c.crossEntropy)}</td><td class="n">${num(c.klCleanToLesioned)}</td><td class="n">${num(r.effects.mse)}</td><td class="n">${num(r.effects.cosine)}</td></tr>`;
    assert.ok(html.includes(row), `the report has the row ${row}`);
  }
  for (let i = 0; i < msa.values.length; i++) assert.ok(html.includes(`<tr><td>${msa.names[i]}</td><td class="n">${num(msa.values[i])}</td>`), `Shapley row ${msa.names[i]}`);
  assert.match(html, new RegExp(`Σ φ = ${num(msa.values.reduce((a, b) => a + b, 0), 6)}`));
  assert.match(html, /<svg role="img" aria-label="Lesion map: change of each class accuracy/);
  assert.match(html, /<svg role="img" aria-label="Shapley value of each element/);
  assert.match(html, /<svg role="img" aria-label="Pairwise Shapley interactions/);
  assert.doesNotMatch(html, /<script|style="/i);

  // The command the section prints redoes the sweep: run on this project, it gives the same lesions.
  const command = /<pre class="commands">(cajal ablate [^<]*)<\/pre>/.exec(html)?.[1];
  assert.ok(command, 'the sweep section prints its cajal ablate command');
  assert.equal(command, `cajal ablate --project reproduced.cajal --harvest ${harvestId} --units 0-3 --mode zero --positions all --stimuli 300 --seed 0`);
  // In this process (the same argument parsing and command as `cajal`): a success read from its JSON.
  const again = await runCliInProcess([...command.split(' ').slice(1).map((a) => (a === 'reproduced.cajal' ? project : a)), '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual((JSON.parse(again.stdout) as { results: typeof sweep.results }).results, sweep.results);
  assert.match(html, new RegExp(`cajal shapley --project reproduced.cajal --harvest ${harvestId} --units 0-3 --game accuracy --mode zero --positions all --stimuli 300 --seed 0 --method exact --samples 200 --interactions 3`));
});

test('bad requests to send a lesion run: one sentence each, nothing written', { timeout: 120_000 }, async () => {
  const sections = () => (lab.database.prepare('SELECT count(*) AS n FROM report_sections').get() as { n: number }).n;
  const reports = () => (lab.database.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n;
  const before = [sections(), reports()];
  const pending = insertLesionRun(lab.database, { kind: 'sweep', harvestId, basisId: null, params: { mode: 'zero', positions: 'all', stimuli: 10, seed: 0 }, elements: [0] });
  const recovered = insertLesionRun(lab.database, { kind: 'loss-recovered', harvestId, basisId: null, params: { stimuli: 10 }, elements: [] });
  const refusals: [unknown, RegExp][] = [
    [{ reportId: null, runId: pending }, /^Lesion run \d+ is \w+; only a finished run can be sent to a report\.$/],
    [{ reportId: null, runId: recovered }, /is a loss-recovered measurement/],
    [{ reportId: null, runId: 9999 }, /9999/],
    [{ reportId: 424242, runId: pending }, /There is no report 424242/],
  ];
  for (const [p, re] of refusals) await assert.rejects(call('reports.addLesionRun', p), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
  assert.deepEqual([sections(), reports()], before);
});
