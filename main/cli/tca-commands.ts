// `cajal tca-sweep` (#15): Williams et al.'s rank sweep over a harvest recorded at all positions — the residual of
// every restart and each restart's factor match to the best, per rank — run as a job through the router, so the CLI
// validates as the UI does. Fits at one rank: `cajal fit --method tca --rank R`.
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { TcaResults, TcaSweepResult } from '../api/schemas/tca';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { formatTable, out, progressPrinter } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

/** "1-12" or "1,2,4-6" → sorted distinct ranks. */
export function parseRanks(text: string): number[] {
  const ranks = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim())) {
    const m = /^(\d+)(?:(?:-|\.\.)(\d+))?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || lo < 1 || hi < lo || hi > 256) throw new UserError('cli.usage', `--ranks takes ranks from 1 to 256 like 1-12 or 2,4,6, not ${text}.`);
    for (let r = lo; r <= hi; r++) ranks.add(r);
  }
  return [...ranks].sort((a, b) => a - b);
}

function whole(v: unknown, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError('cli.usage', `--${flag} takes a whole number of at least ${min}, not ${String(v)}.`);
  return n;
}

const tcaSweep = {
  usage: `cajal tca-sweep --project FILE --harvest ID --ranks 1-12 [--nonneg] [--restarts N] [--max-iter N] [--seed S] [--json]
  Tensor component analysis rank sweep (Williams et al. 2018) on a harvest recorded at all positions: for each rank,
  N restarts (default 3) of CP-ALS (or non-negative HALS with --nonneg); prints each rank's residual ‖X − X̂‖/‖X‖
  (best and per restart) and the factor match score of every restart to the best (the stability diagnostic).`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    harvest: { type: 'string' },
    ranks: { type: 'string' },
    nonneg: { type: 'boolean' },
    restarts: { type: 'string' },
    'max-iter': { type: 'string' },
    seed: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    const harvestId = whole(v.harvest, 'harvest', 1);
    if (harvestId === undefined || typeof v.ranks !== 'string') throw new UserError('cli.usage', 'cajal tca-sweep needs --harvest ID and --ranks LIST.');
    const params: Record<string, unknown> = { harvestId, ranks: parseRanks(v.ranks), nonneg: Boolean(v.nonneg) };
    const restarts = whole(v.restarts, 'restarts', 1);
    if (restarts !== undefined) params.restarts = restarts;
    const maxIter = whole(v['max-iter'], 'max-iter', 1);
    if (maxIter !== undefined) params.maxIter = maxIter;
    const seed = whole(v.seed, 'seed', 0);
    if (seed !== undefined) params.seed = seed;
    const json = Boolean(v.json);
    const lab = new Lab(json ? () => undefined : progressPrinter(), {});
    lab.openProject({ path: resolve(v.project), create: false });
    const router = createRouter(lab, 'direct');
    try {
      const { jobId } = (await router.call('tca.sweep', params)) as TcaResults['tca.sweep'];
      const job = await lab.jobs.wait(jobId);
      if (!json) process.stderr.write('\n');
      if (job.status !== 'done') throw new UserError(`tca.${job.status}`, job.error ?? `The rank sweep ${job.status}.`);
      const result = job.result as TcaSweepResult;
      if (json) out({ ok: true, jobId, ...result });
      else {
        process.stdout.write(`TCA rank sweep · harvest ${harvestId} · ${result.dim} units × ${result.positions} positions × ${result.stimuli} stimuli · ${result.nonneg ? 'non-negative HALS' : 'ALS'} · ${result.restarts} restarts\n`);
        const f = (x: number | null): string => (x === null ? '—' : x.toFixed(4));
        process.stdout.write(
          formatTable(
            ['rank', 'best error', 'errors (restarts)', 'mean similarity to best', 'similarities'],
            result.ranks.map((r) => [String(r.rank), f(r.bestError), r.errors.map((e) => e.toFixed(4)).join(' '), f(r.meanSimilarity), r.similarities.map((s) => s.toFixed(3)).join(' ')]),
          ),
        );
      }
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

export const tcaCommands = { 'tca-sweep': tcaSweep };
