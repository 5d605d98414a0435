// What `cajal demo` and `cajal demo --text` share: a fresh project under the demo folder, the lab driven through the
// router as the UI drives it, each basis fitted and scored as a job, the comparison sent to a report and rendered
// beside the project, and the comparison printed with what the lab found. Only the model and stimuli differ.
// room: i8 (split for #13's text demo)
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leadingMetric, saturationSentence } from '../analyses/ceiling';
import type { Comparison, Events, EventName, JobInfo, MetricName, Result } from '../api/contract';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { demoFinding } from './demo-finding';
import { formatTable, progressPrinter } from './output';

export interface DemoBasis {
  method: string;
  params: Record<string, number | string | boolean>;
  label: string;
}

export interface DemoSession {
  lab: Lab;
  project: string;
  call<T>(method: string, params: unknown): Promise<T>;
  say(line: string): void;
  finish(jobId: number, what: string): Promise<JobInfo>;
}

/** Opens a fresh project DIR/demo.cajal: a demo starts afresh, so every run shows the same pipeline from the same seeds. */
export function openDemo(o: { dir: string; json: boolean; log?: (line: string) => void }): DemoSession {
  mkdirSync(o.dir, { recursive: true });
  const project = join(o.dir, 'demo.cajal');
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(project + suffix)) rmSync(project + suffix);
  const printer = progressPrinter();
  const lab = new Lab(<E extends EventName>(e: E, p: Events[E]) => (o.json ? undefined : printer(e, p)), { log: o.log });
  lab.openProject({ path: project, create: true });
  const router = createRouter(lab, 'direct', o.log);
  return {
    lab,
    project,
    call: <T>(method: string, params: unknown) => router.call(method, params) as Promise<T>,
    say: (line: string) => {
      if (!o.json) process.stderr.write(`\r\u001b[K${line}\n`);
    },
    finish: async (jobId: number, what: string) => {
      const job = await lab.jobs.wait(jobId);
      if (job.status !== 'done') throw new UserError('demo.failed', `${what} ${job.status}: ${job.error ?? ''}`);
      return job;
    },
  };
}

/** Fits every basis in order (random first: the null the others are z-scored against), with its statistics and metrics. */
export async function fitAndScore(s: DemoSession, harvestId: number, bases: readonly DemoBasis[], metrics: readonly MetricName[]): Promise<Record<string, number>> {
  const fitted: Record<string, number> = {};
  for (const b of bases) {
    const fit = await s.call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method: b.method, seed: 0, params: b.params, name: b.label });
    await s.finish(fit.jobId, `Fitting ${b.label}`);
    fitted[b.method] = fit.basisId;
    const fc = await s.call<{ jobId: number }>('features.compute', { basisId: fit.basisId });
    await s.finish(fc.jobId, `Feature statistics of ${b.label}`);
    const mc = await s.call<{ jobId: number }>('metrics.compute', { basisId: fit.basisId, metrics: [...metrics] });
    await s.finish(mc.jobId, `Metrics of ${b.label}`);
    s.say(`Fitted and scored ${b.label}.`);
  }
  return fitted;
}

/** Compares the harvest's bases, adds the comparison to a new report (optionally more sections) and renders it. */
export async function compareAndReport(
  s: DemoSession,
  dir: string,
  harvestId: number,
  more?: (reportId: number, comparison: Comparison) => Promise<void>,
): Promise<{ comparison: Comparison; report: string }> {
  const comparison = await s.call<Comparison>('compare.run', { harvestId });
  // The same parameters as the comparison above, so the report reuses it rather than computing it again.
  const sent = await s.call<Result<'reports.addComparison'>>('reports.addComparison', { reportId: null, harvestId });
  if (more) await more(sent.report.id, comparison);
  const rendered = await s.call<Result<'reports.render'>>('reports.render', { id: sent.report.id });
  const report = join(dir, 'report.html');
  writeFileSync(report, rendered.html);
  return { comparison, report };
}

/** The comparison table on the leading (discriminating) metric, saturated metrics flagged, and the finding in words. */
export function printComparison(c: Comparison, metrics: readonly MetricName[], heading: (lead: MetricName) => string, project: string, report: string): MetricName {
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
  // room: i8 — lead with a metric that discriminates on this harvest; flag the ones whose random null is at a bound
  const saturated = c.saturated ?? {};
  const lead = leadingMetric([...metrics], c.metricNames, saturated) ?? metrics[0]!;
  const p = (x: { p: number } | null | undefined) => (x ? x.p.toExponential(1) : '—');
  const rows = c.bases.map((b) => {
    const m = b.metrics[lead];
    return [b.name, String(b.nFeatures), f(b.quality?.explainedVariance), f(b.quality?.l0, 1), m ? `${f(m.median)} [${f(m.ci95[0])}, ${f(m.ci95[1])}]` : '—', p(m?.vsNeurons), p(m?.vsRandom)];
  });
  process.stdout.write(`\n${heading(lead)}\n`);
  process.stdout.write(formatTable(['basis', 'features', 'expl.var', 'L0', `${lead} median [95% CI]`, 'p vs neurons', 'p vs random'], rows));
  for (const [m, sat] of Object.entries(saturated)) process.stdout.write(`⚠ ${saturationSentence(m as MetricName, sat)}\n`);
  process.stdout.write(`${demoFinding(c, lead)}\n`);
  process.stdout.write(`\nDemo project: ${project}\nReport:       ${report}\nBrowse it:    npx cajal serve --project ${project}\n`);
  return lead;
}
