// CLI commands for features, interpretability metrics and the comparison of bases; all through the router, so the
// CLI validates exactly as the UI does (e.g. label metrics on unlabelled stimuli are refused before any job starts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { Comparison, FeatureTable, JobInfo, MetricName } from '../api/contract';
import { median } from '../analyses/stats';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { formatTable, out, progressPrinter } from './output';
import { saturationSentence } from '../analyses/ceiling'; // room: i8
import { computeMissing, defaultMetrics, harvestIsLabelled, missingMetrics, missingReport } from './compare-missing'; // room: i8

type Options = NonNullable<ParseArgsConfig['options']>;
interface Command {
  usage: string;
  options: Options;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const common: Options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, project: { type: 'string' } };

export async function withProject<T>(v: Record<string, unknown>, body: (lab: Lab, call: (m: string, p: unknown) => Promise<unknown>) => Promise<T>): Promise<T> {
  if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
  if (!existsSync(resolve(v.project))) throw new UserError('cli.usage', `There is no project file at ${resolve(v.project)}.`);
  const lab = new Lab(v.json ? () => undefined : progressPrinter(), {});
  lab.openProject({ path: resolve(v.project), create: false });
  const router = createRouter(lab, 'direct');
  try {
    return await body(lab, (m, p) => router.call(m, p));
  } finally {
    await lab.shutdown();
  }
}

export function int(v: unknown, name: string, required = false): number | undefined {
  if (v === undefined) {
    if (required) throw new UserError('cli.usage', `This command needs --${name}.`);
    return undefined;
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UserError('cli.usage', `--${name} takes a whole number, not ${String(v)}.`);
  return n;
}

async function waitOk(lab: Lab, jobId: number, json: boolean, what: string): Promise<JobInfo> {
  const job = await lab.jobs.wait(jobId);
  if (!json) process.stderr.write('\n');
  if (job.status !== 'done') throw new UserError(`${what}.${job.status}`, job.error ?? `The ${what} job ${job.status}.`);
  return job;
}

const f = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

const features: Command = {
  usage: `cajal features --project FILE --basis ID [--top K] [--bands N] [--recompute] [--json]
  Computes the feature statistics of a basis if needed (density, mean, range, top/bottom-K rows, histogram, interval
  samples) and prints every feature's summary with its metrics. Statistics already computed are reused unless
  --recompute, --top or --bands asks for new ones.`,
  options: { ...common, basis: { type: 'string' }, top: { type: 'string' }, bands: { type: 'string' }, recompute: { type: 'boolean' } },
  async run(v) {
    const basisId = int(v.basis, 'basis', true);
    return withProject(v, async (lab, call) => {
      let table = (await call('features.table', { basisId })) as FeatureTable;
      // Asking for a top-K or band count is asking for statistics computed with it.
      if (!table.computed || v.recompute || v.top !== undefined || v.bands !== undefined) {
        const { jobId } = (await call('features.compute', { basisId, topK: int(v.top, 'top'), bands: int(v.bands, 'bands') })) as { jobId: number };
        await waitOk(lab, jobId, Boolean(v.json), 'features');
        table = (await call('features.table', { basisId })) as FeatureTable;
      }
      if (v.json) out({ ok: true, ...table });
      else {
        const names = table.metricNames;
        process.stdout.write(
          formatTable(
            ['feature', 'density', 'mean', 'min', 'max', ...names],
            table.features.map((r) => [String(r.feature), f(r.density, 4), f(r.mean), f(r.min), f(r.max), ...names.map((n) => f(r.metrics[n]))]),
          ),
        );
      }
      return 0;
    });
  },
};

const metrics: Command = {
  usage: `cajal metrics --project FILE --basis ID [--metric NAME …] [--perceptual-model MODEL_ID_OR_PATH] [--perceptual-preset NAME]
              [--trials N] [--seed S] [--afc-pool sum|mean] [--json]
  Scores every feature of a basis (default metrics: 2afc-pixel, 2afc-colour, consistency-pixel, compression, and the
  label metrics when the stimuli are labelled) and the random basis of the same harvest as the null; --json carries
  each feature's zScores against that null and each metric's medianZ.
  NAME: 2afc-pixel 2afc-colour 2afc-label 2afc-perceptual consistency-pixel consistency-colour consistency-label
        consistency-perceptual label-purity label-entropy compression
  --perceptual-model: a one-image network (its feature maps are compared, LPIPS-style) or a two-image distance
        network (inputs img0, img1, one number per pair, e.g. LPIPS exported to ONNX; LPIPS wants --perceptual-preset
        minus1to1).
  --afc-pool: how the 2AFC pools the z-scored similarities of a side: sum (default, as the task is worded) or mean
        (as Klindt et al.'s code, psychophysics.py, does; the same as sum with the evidence divided by 9).`,
  options: {
    ...common,
    basis: { type: 'string' },
    metric: { type: 'string', multiple: true },
    'perceptual-model': { type: 'string' },
    'perceptual-preset': { type: 'string' },
    trials: { type: 'string' },
    seed: { type: 'string' },
    'afc-pool': { type: 'string' },
  },
  async run(v) {
    const basisId = int(v.basis, 'basis', true);
    const pool = v['afc-pool'];
    if (pool !== undefined && pool !== 'sum' && pool !== 'mean') throw new UserError('cli.usage', `--afc-pool takes sum or mean, not ${String(pool)}.`);
    return withProject(v, async (lab, call) => {
      let list = v.metric as string[] | undefined;
      if (!list?.length) {
        list = ['2afc-pixel', '2afc-colour', 'consistency-pixel', 'compression'];
        const basis = (await call('bases.get', { basisId })) as { harvestId: number };
        const h = ((await call('harvests.list', {})) as { id: number; stimulusSetId: number }[]).find((x) => x.id === basis.harvestId);
        const set = ((await call('stimuli.list', {})) as { id: number; kind: string; labelNames: string[] | null }[]).find((s) => s.id === h?.stimulusSetId);
        if (set?.labelNames) list.push('2afc-label', 'consistency-label', 'label-purity', 'label-entropy');
        if (set?.kind === 'text') list = ['token-consistency', 'ngram-overlap', 'text-compression']; // room: text (#13 item 5)
      }
      let perceptualModelId: number | undefined;
      const pm = v['perceptual-model'];
      if (typeof pm === 'string') {
        if (/^\d+$/.test(pm)) perceptualModelId = Number(pm);
        else perceptualModelId = ((await call('models.open', { path: resolve(pm) })) as { id: number }).id;
      }
      const { jobId } = (await call('metrics.compute', {
        basisId,
        metrics: list,
        perceptualModelId,
        perceptualPreset: v['perceptual-preset'],
        trials: int(v.trials, 'trials'),
        seed: int(v.seed, 'seed'),
        afcPool: pool,
      })) as { jobId: number };
      const job = await waitOk(lab, jobId, Boolean(v.json), 'metrics');
      const table = (await call('features.table', { basisId })) as FeatureTable;
      const result = job.result as { nullBasisId: number | null; medians: Record<string, number>; runId: number; afcPool: 'sum' | 'mean' };
      // Median over the features of each metric's z-score against the random-direction null (null: no null).
      const medianZ: Record<string, number | null> = {};
      for (const k of Object.keys(result.medians)) {
        const zs = table.features.map((r) => r.zScores?.[k as MetricName]).filter((z): z is number => z !== undefined && Number.isFinite(z));
        medianZ[k] = zs.length ? median(zs) : null;
      }
      if (v.json) out({ ok: true, basisId, jobId, runId: result.runId, nullBasisId: result.nullBasisId, afcPool: result.afcPool, medians: result.medians, medianZ, features: table.features });
      else {
        process.stdout.write(`Basis ${basisId}: metrics of ${table.features.length} features (null: random basis ${result.nullBasisId ?? '—'})\n`);
        process.stdout.write(formatTable(['metric', 'median', 'median z'], Object.entries(result.medians).map(([k, x]) => [k, f(x, 4), f(medianZ[k] ?? undefined, 2)])));
      }
      return 0;
    });
  },
};

const compare: Command = {
  usage: `cajal compare --project FILE --harvest ID [--bootstrap N] [--seed S] [--json]
  Every basis of a harvest side by side: per metric the median with a bootstrap 95% interval, the median z-score
  against the random-direction null, Mann–Whitney U against the neurons and the random basis (two-sided p,
  effect = U/(n1·n2)), quality, and the direction match matrix.
  Bases missing any of the default metrics are named with the command that computes them (exit 1 when no basis has
  any metric); --compute computes them (feature statistics too) before comparing.`,
  options: { ...common, harvest: { type: 'string' }, bootstrap: { type: 'string' }, seed: { type: 'string' }, compute: { type: 'boolean' } },
  async run(v) {
    const harvestId = int(v.harvest, 'harvest', true)!;
    return withProject(v, async (lab, call) => {
      const run = async () => (await call('compare.run', { harvestId, bootstrap: int(v.bootstrap, 'bootstrap'), seed: int(v.seed, 'seed') })) as Comparison;
      let c = await run();
      // room: i8 — metrics that were never computed are named (or computed with --compute), not silently absent
      let missing = missingMetrics(c, defaultMetrics(await harvestIsLabelled(call, harvestId)));
      if (missing.length && v.compute) {
        await computeMissing(lab, call, missing);
        if (!v.json) process.stderr.write('\n');
        c = await run();
        missing = missingMetrics(c, defaultMetrics(await harvestIsLabelled(call, harvestId)));
      }
      const code = c.metricNames.length === 0 ? 1 : 0;
      if (v.json) {
        // Per-basis summaries first; the raw per-feature values stay available under bases[].metrics[].values.
        out({ ok: code === 0, ...c, missingMetrics: missing });
        return code;
      }
      if (missing.length) process.stderr.write(missingReport(missing, String(v.project), harvestId));
      for (const m of c.metricNames) {
        process.stdout.write(`\n${m}\n`);
        const sat = c.saturated?.[m]; // room: i8
        if (sat) process.stdout.write(`⚠ ${saturationSentence(m, sat)}\n`);
        process.stdout.write(
          formatTable(
            ['basis', 'method', 'n', 'median', '95% CI', 'median z', 'vs neurons p', 'effect', 'vs random p', 'effect'],
            c.bases
              .filter((b) => b.metrics[m])
              .map((b) => {
                const x = b.metrics[m]!;
                return [String(b.basisId), b.method, String(x.values.length), f(x.median, 4), `[${f(x.ci95[0], 4)}, ${f(x.ci95[1], 4)}]`, f(x.medianZ ?? undefined, 2), x.vsNeurons ? x.vsNeurons.p.toExponential(2) : '—', f(x.vsNeurons?.effect), x.vsRandom ? x.vsRandom.p.toExponential(2) : '—', f(x.vsRandom?.effect)];
              }),
          ),
        );
      }
      process.stdout.write('\nmean max |cosine| (row basis → column basis)\n');
      process.stdout.write(formatTable(['basis', ...c.bases.map((b) => String(b.basisId))], c.matchMatrix.map((row, i) => [String(c.bases[i]!.basisId), ...row.map((x) => f(x))])));
      return code;
    });
  },
};

export const featureCommands: Record<string, Command> = { features, metrics, compare };
