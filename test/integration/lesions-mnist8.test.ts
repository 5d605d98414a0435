// Acceptance (#10) on a real network, through the real pipeline (CLI / router → lesion jobs → onnxruntime → SQLite):
// mnist-8's first conv layer lesioned channel by channel gives a lesion map and the channels that hurt each digit;
// an MSA over 10 channels of its second conv layer, sampled, falls within 3 standard errors of the exact values and
// both are efficient; the neurons basis spliced in recovers all of the loss; a killed sweep resumes to the same
// numbers; bad requests are refused in one sentence, nothing written. The CLI commands run in this process (the same
// argument parsing and commands as `cajal`), sparing six start-ups of tsx and the engine: their output is read as JSON
// or matched by pattern, which a child process would check no further.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LesionsResults, LossRecoveredInfo, ShapleySummary, SweepSummary } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { makeJobContext } from '../../main/jobs/context';
import { CancelledError } from '../../main/jobs/types';
import { runLesionSweepJob } from '../../main/lesions/jobs';
import { Lab } from '../../main/services/lab';
import { insertLesionRun, lesionResults } from '../../main/store/lesions';
import { defaultRecipeForInput } from '../../main/stimuli/recipe';
import { runCliInProcess as runCli } from '../helpers/cli';
import { fixture, tempDir } from '../helpers/fixtures';

const DIGITS = 200;
const dir = tempDir('cajal-lesions-mnist8-');
const project = join(dir, 'lesions.cajal');
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let conv1 = 0;
let conv2 = 0;
let noiseHarvest = 0;

async function done(jobId: number): Promise<void> {
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
}

before(async () => {
  lab.openProject({ path: project, create: true });
  const model = await call<{ id: number }>('models.open', { path: fixture('models/mnist-8.onnx') });
  const recipe = { ...defaultRecipeForInput([1, 1, 28, 28], 'float32', 'Input3'), scale: 1 }; // mnist-8 reads pixels 0..255
  const digits = await call<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: DIGITS, recipe } });
  const h = await call<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: digits.id, tensors: ['ReLU32_Output_0', 'ReLU114_Output_0'], positions: 'centre' });
  await done(h.jobId);
  [conv1, conv2] = h.harvestIds as [number, number];
  const noise = await call<{ id: number }>('stimuli.create', { spec: { kind: 'noise', distribution: 'gaussian', count: 50, itemShape: [1, 28, 28], seed: 1, mean: 0, std: 1 } });
  const hn = await call<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: noise.id, tensors: ['ReLU114_Output_0'], positions: 'centre' });
  await done(hn.jobId);
  noiseHarvest = hn.harvestIds[0]!;
});
after(() => lab.shutdown());

test('mnist-8 conv1: every channel lesioned alone (CLI) gives a lesion map and the channels that hurt each digit most', { timeout: 600_000 }, async () => {
  const r = await runCli(['ablate', '--project', project, '--harvest', String(conv1), '--all', '--mode', 'zero', '--stimuli', String(DIGITS), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { summary: SweepSummary; results: LesionsResults['lesions.get']['results']; worstPerClass: { class: number; elements: { element: number; drop: number }[] }[] };
  assert.ok(j.summary.clean.accuracy! >= 0.95, `clean accuracy ${j.summary.clean.accuracy}`);
  assert.equal(j.results.length, 8);
  for (const row of j.results) {
    assert.equal(row.effects.classes!.perClassAccuracy.length, 10);
    assert.ok(row.effects.classes!.accuracy <= 1 && row.effects.mse > 0, `${row.name} changed nothing`);
  }
  // The map is the per-class accuracies; the worst list is read from it, so check one entry against the table.
  const w = j.worstPerClass.find((x) => x.elements.length > 0)!;
  const row = j.results.find((x) => x.element === w.elements[0]!.element)!;
  assert.ok(Math.abs(j.summary.clean.perClassAccuracy![w.class]! - row.effects.classes!.perClassAccuracy[w.class]! - w.elements[0]!.drop) < 1e-12);
  const text = await runCli(['ablate', '--project', project, '--harvest', String(conv1), '--units', '0-2', '--mode', 'zero', '--stimuli', '50']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /hurts each class most/);
  console.log(`mnist-8 conv1 lesion map (${DIGITS} digits): clean ${j.summary.clean.accuracy}; ${j.results.map((x) => `${x.name} ${x.effects.classes!.accuracy.toFixed(3)}`).join(', ')}; worst per digit: ${j.worstPerClass.map((x) => `${x.class}:${x.elements[0] ? `u${x.elements[0].element}` : '-'}`).join(' ')}`);
});

test('MSA over 10 channels of mnist-8 conv2: sampled values within 3 SE of exact ones; efficiency to 1e-6; the cache serves the sample', { timeout: 900_000 }, async () => {
  {
    const base = { harvestId: conv2, elements: { kind: 'list', indices: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }, mode: 'zero', game: 'loss', stimuli: 60, interactions: 4 };
    const exactRun = await call<LesionsResults['lesions.shapley']>('lesions.shapley', { ...base, method: 'exact' });
    await done(exactRun.jobId);
    const exact = (await call<LesionsResults['lesions.get']>('lesions.get', { runId: exactRun.runId })).run.summary as unknown as ShapleySummary;
    const sampledRun = await call<LesionsResults['lesions.shapley']>('lesions.shapley', { ...base, method: 'sampled', samples: 300, seed: 5 });
    await done(sampledRun.jobId);
    const sampled = (await call<LesionsResults['lesions.get']>('lesions.get', { runId: sampledRun.runId })).run.summary as unknown as ShapleySummary;
    for (const s of [exact, sampled]) {
      const sum = s.values.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - (s.vAll - s.vNone)) < 1e-6, `efficiency: ${sum} vs ${s.vAll - s.vNone}`);
    }
    assert.equal(exact.evaluated, 1024);
    assert.equal(sampled.evaluated, 0, 'every coalition of the sample was evaluated by the exact run and read from the project');
    sampled.values.forEach((v, i) => {
      assert.ok(sampled.stderr[i]! > 0);
      assert.ok(Math.abs(v - exact.values[i]!) <= 3 * sampled.stderr[i]! + 1e-9, `element ${i}: sampled ${v} ± ${sampled.stderr[i]} vs exact ${exact.values[i]}`);
    });
    assert.equal(exact.interactionElements.length, 4);
    console.log(`mnist-8 conv2 MSA (v = −CE, ${base.stimuli} digits): exact ${exact.values.map((v) => v.toFixed(3)).join(' ')}; sampled ${sampled.values.map((v, i) => `${v.toFixed(3)}±${sampled.stderr[i]!.toFixed(3)}`).join(' ')}`);
  }
});

test('adaptive MSA (Neuron Shapley) over 16 channels through the CLI agrees with plain sampling on the top contributors', { timeout: 900_000 }, async () => {
  const common = ['shapley', '--project', project, '--harvest', String(conv2), '--all', '--mode', 'zero', '--game', 'loss', '--stimuli', '40', '--seed', '3', '--json'];
  const plain = await runCli([...common, '--method', 'sampled', '--samples', '150']);
  assert.equal(plain.code, 0, plain.stderr);
  const adaptive = await runCli([...common, '--method', 'adaptive', '--top-k', '3', '--samples', '150']);
  assert.equal(adaptive.code, 0, adaptive.stderr);
  const p = (JSON.parse(plain.stdout) as { summary: ShapleySummary }).summary;
  const a = (JSON.parse(adaptive.stdout) as { summary: ShapleySummary }).summary;
  assert.equal(a.method, 'adaptive');
  const top = (s: ShapleySummary) => s.values.map((_, i) => i).sort((x, y) => s.values[y]! - s.values[x]!).slice(0, 3);
  for (const i of top(a)) assert.ok(Math.abs(a.values[i]! - p.values[i]!) <= 3 * Math.hypot(a.stderr[i]!, p.stderr[i]!) + 1e-9, `channel ${i}: adaptive ${a.values[i]} ± ${a.stderr[i]} vs sampled ${p.values[i]} ± ${p.stderr[i]}`);
  const text = await runCli(common.filter((x) => x !== '--json').concat(['--method', 'sampled', '--samples', '20']));
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /efficiency: Σ values = /);
  console.log(`mnist-8 conv2 top 3 by adaptive MSA: ${top(a).join(', ')} (plain sampling: ${top(p).join(', ')}); coalitions evaluated ${a.evaluated} vs ${p.evaluated}`);
});

test('splice: the neurons basis recovers all of the loss; bases.list carries the figure', { timeout: 600_000 }, async () => {
  {
    const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId: conv2, method: 'neurons', params: {} });
    await done(fit.jobId);
    const lr = await call<LesionsResults['lesions.lossRecovered']>('lesions.lossRecovered', { basisId: fit.basisId, stimuli: 100 });
    await done(lr.jobId);
    const s = (await call<LesionsResults['lesions.get']>('lesions.get', { runId: lr.runId })).run.summary as unknown as LossRecoveredInfo;
    assert.ok(Math.abs(s.ceScoreZero! - 1) < 1e-6 && Math.abs(s.ceScoreMean! - 1) < 1e-6, JSON.stringify(s));
    assert.ok(Math.abs(s.klScoreZero - 1) < 1e-6);
    const listed = (await call<{ id: number; lossRecovered?: LossRecoveredInfo | null }[]>('bases.list', {})).find((b) => b.id === fit.basisId)!;
    assert.equal(listed.lossRecovered!.ceScoreZero, s.ceScoreZero);
  }
});

test('a killed sweep resumes from its stored groups to the numbers of an uninterrupted one', { timeout: 600_000 }, async () => {
  {
    const db = lab.database;
    // 16 channels × 40 α = 640 lesions: several groups of the sweep, so a kill after the first leaves work to resume.
    const params = { mode: 'steer', positions: 'all', seed: 0, alphas: Array.from({ length: 40 }, (_, i) => (i - 20) / 4), stimuli: 30 };
    const elements = Array.from({ length: 16 }, (_, i) => i);
    const killed = insertLesionRun(db, { kind: 'sweep', harvestId: conv2, basisId: null, params, elements });
    const whole = insertLesionRun(db, { kind: 'sweep', harvestId: conv2, basisId: null, params, elements });
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const ctx = makeJobContext(db, project, 0, flag, () => Atomics.store(flag, 0, 1), 0);
    await assert.rejects(runLesionSweepJob({ runId: killed }, ctx), CancelledError);
    const partial = lesionResults(db, killed).length;
    assert.ok(partial > 0 && partial < 640, `stored after the kill: ${partial}`);
    const fresh = () => makeJobContext(db, project, 0, new Int32Array(new SharedArrayBuffer(4)), () => undefined, 0);
    const resumed = await runLesionSweepJob({ runId: killed }, fresh());
    assert.equal(resumed.resumedAt, partial);
    await runLesionSweepJob({ runId: whole }, fresh());
    assert.deepEqual(lesionResults(db, killed), lesionResults(db, whole));
  }
});

test('bad requests: one sentence each, nothing written', { timeout: 600_000 }, async () => {
  {
    const db = lab.database;
    const runs = () => (db.prepare('SELECT count(*) AS n FROM lesion_runs').get() as { n: number }).n;
    const before = runs();
    const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId: conv1, method: 'pca', params: { nFeatures: 4 } });
    await done(fit.jobId);
    const refusals: [unknown, RegExp][] = [
      [{ harvestId: conv2, basisId: fit.basisId, elements: { kind: 'all' }, mode: 'zero' }, /was fitted to ReLU32_Output_0.*lesion a basis of the same layer/],
      [{ harvestId: conv2, elements: { kind: 'list', indices: [16] }, mode: 'zero' }, /has 16 units \(0 to 15\); 16 is out of range/],
      [{ harvestId: conv2, elements: { kind: 'all' }, mode: 'steer' }, /Steering needs the α values/],
      [{ harvestId: conv2, elements: { kind: 'all' }, mode: 'clamp' }, /Clamping needs the value/],
    ];
    for (const [p, re] of refusals) await assert.rejects(call('lesions.ablate', p), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
    await assert.rejects(call('lesions.shapley', { harvestId: noiseHarvest, elements: { kind: 'list', indices: [0, 1, 2] }, mode: 'zero', game: 'accuracy' }), /needs labelled stimuli.*has no labels/);
    await assert.rejects(call('lesions.shapley', { harvestId: conv2, elements: { kind: 'all' }, mode: 'zero', game: 'loss', method: 'exact' }), /limited to 12 elements \(you chose 16\)/);
    await assert.rejects(call('lesions.shapley', { harvestId: conv2, elements: { kind: 'all' }, mode: 'zero', game: 'logit:3', method: 'auto', samples: 10, output: 'nope' }), /has no output "nope"/);
    assert.equal(runs(), before);
    const cli = await runCli(['ablate', '--project', project, '--harvest', String(conv2), '--all', '--features', '1']);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /exactly one of/);
  }
});
