// `cajal compare` on bases whose metrics were never computed printed only the match matrix and exited 0 (issue #8).
// This finds which of the default metrics each basis lacks, says so with the command that computes them, and with
// --compute runs the feature statistics and metrics jobs for them first.
import type { Comparison, FeatureTable, JobInfo, MetricName } from '../api/contract';
import { UserError } from '../errors';
import type { Lab } from '../services/lab';

type Call = (method: string, params: unknown) => Promise<unknown>;

/** The set `cajal metrics` computes when no --metric is given. */
export function defaultMetrics(labelled: boolean): MetricName[] {
  const list: MetricName[] = ['2afc-pixel', '2afc-colour', 'consistency-pixel', 'compression'];
  if (labelled) list.push('2afc-label', 'consistency-label', 'label-purity', 'label-entropy');
  return list;
}

export async function harvestIsLabelled(call: Call, harvestId: number): Promise<boolean> {
  const h = ((await call('harvests.list', {})) as { id: number; stimulusSetId: number }[]).find((x) => x.id === harvestId);
  const set = ((await call('stimuli.list', {})) as { id: number; labelNames: string[] | null }[]).find((s) => s.id === h?.stimulusSetId);
  return Boolean(set?.labelNames);
}

export interface MissingMetrics {
  basisId: number;
  method: string;
  missing: MetricName[];
}

export function missingMetrics(c: Comparison, wanted: readonly MetricName[]): MissingMetrics[] {
  return c.bases
    .map((b) => ({ basisId: b.basisId, method: b.method as string, missing: wanted.filter((m) => !b.metrics[m]) }))
    .filter((b) => b.missing.length > 0);
}

/** One line per basis, then the commands: what a user reads on stderr. */
export function missingReport(list: MissingMetrics[], project: string, harvestId: number): string {
  const lines = list.map((b) => `basis ${b.basisId} (${b.method}) has no ${b.missing.join(', ')}: cajal metrics --project ${project} --basis ${b.basisId}`);
  return `Metrics missing for ${list.length} ${list.length === 1 ? 'basis' : 'bases'}; compute them with the commands below, or all at once with cajal compare --project ${project} --harvest ${harvestId} --compute.\n${lines.join('\n')}\n`;
}

async function waitDone(lab: Lab, jobId: number, what: string): Promise<JobInfo> {
  const job = await lab.jobs.wait(jobId);
  if (job.status !== 'done') throw new UserError(`${what}.${job.status}`, job.error ?? `The ${what} job ${job.status}.`);
  return job;
}

/** Feature statistics where absent, then the missing metrics, basis by basis (the random basis is scored as the null). */
export async function computeMissing(lab: Lab, call: Call, list: MissingMetrics[]): Promise<void> {
  for (const b of list) {
    const table = (await call('features.table', { basisId: b.basisId })) as FeatureTable;
    if (!table.computed) await waitDone(lab, ((await call('features.compute', { basisId: b.basisId })) as { jobId: number }).jobId, 'features');
    await waitDone(lab, ((await call('metrics.compute', { basisId: b.basisId, metrics: b.missing })) as { jobId: number }).jobId, 'metrics');
  }
}
