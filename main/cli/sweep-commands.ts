// `cajal sweep` (#12 item 3): the sparsity sweep of one trained SAE method as one job — every value of its swept
// parameter (k, or the L1 coefficient) trained in turn, each stored as a basis when it finishes — through the router,
// so the CLI validates as the UI does. A killed or cancelled sweep resumes with `cajal resume --job ID`.
import type { BasisInfo, JobInfo } from '../api/contract';
import type { SaeSweepResult } from '../bases/sweep-job';
import { UserError } from '../errors';
import { extraParams, num, qualityRow, withProject } from './bases-commands';
import { formatTable, out } from './output';

/** "2,4,8" or "0.01 0.02" → the listed values, in order. */
export function parseValues(text: string): number[] {
  const values = text.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (values.length < 2 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new UserError('cli.usage', `--values takes at least two positive numbers separated by commas, like 2,4,8, not ${text}.`);
  }
  return values;
}

const sweep = {
  usage: `cajal sweep --project FILE --harvest ID --method METHOD --values V1,V2,… [--k M] [--steps N] [--seed S]
         [--holdout F] [--param key=value …] [--json]
  Trains one SAE per value of the method's swept parameter (k for sae-topk, sae-batchtopk, sae-matryoshka;
  l1Coefficient for sae-l1) in turn, as one job with progress over the whole sweep; each run is stored as a basis
  when it finishes, and the table lists every run's L0 and explained variance on held-out rows (the EV–L0 frontier).
  --k is the number of latents. An interrupted sweep resumes at the run in progress: cajal resume --project FILE --job ID.`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    harvest: { type: 'string' },
    method: { type: 'string' },
    values: { type: 'string' },
    k: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    holdout: { type: 'string' },
    param: { type: 'string', multiple: true },
  } as const,
  async run(v: Record<string, unknown>): Promise<number> {
    const harvestId = num(v.harvest, 'harvest');
    if (harvestId === undefined || typeof v.method !== 'string' || typeof v.values !== 'string') {
      throw new UserError('cli.usage', 'cajal sweep needs --harvest ID, --method METHOD and --values LIST.');
    }
    const values = parseValues(v.values);
    const params: Record<string, number | string | boolean> = { ...extraParams(v.param) };
    for (const [flag, key] of [['k', 'nFeatures'], ['steps', 'steps'], ['holdout', 'holdout']] as const) {
      const x = num(v[flag], flag);
      if (x !== undefined) params[key] = x;
    }
    return withProject(v, true, async (lab, call) => {
      const started = (await call('bases.sweep', { harvestId, method: v.method, values, seed: num(v.seed, 'seed') ?? 0, params })) as { jobId: number; basisIds: number[] };
      const job: JobInfo = await lab.jobs.wait(started.jobId);
      if (!v.json) process.stderr.write('\n');
      if (job.status !== 'done') throw new UserError(`sweep.${job.status}`, job.error ?? `The sweep ${job.status}; resume it with cajal resume --job ${started.jobId}.`);
      const result = job.result as SaeSweepResult;
      const bases = (await call('bases.list', { harvestId })) as BasisInfo[];
      const runs = started.basisIds.map((id) => bases.find((b) => b.id === id)!);
      if (v.json) out({ ok: true, jobId: started.jobId, ...result });
      else {
        process.stdout.write(`Sweep of ${result.method} over ${result.key} · harvest ${harvestId} · job ${started.jobId}\n`);
        process.stdout.write(formatTable([result.key, 'id', 'method', 'name', 'features', 'status', 'expl.var', 'mse', 'L0', 'dead', 'dense'], runs.map((b, i) => [String(values[i]), ...qualityRow(b)])));
      }
      return 0;
    });
  },
};

export const sweepCommands = { sweep };
