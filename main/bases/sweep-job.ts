// The sparsity sweep as one job (#12 item 3): the SAEs of one trained method at a list of values of its swept
// parameter (k, or the L1 coefficient), trained in turn, each stored as a basis the moment it finishes. Progress,
// rate and ETA count steps over the whole sweep; cancel stops the run in progress at its next step; resuming the
// job skips the runs already done and continues the one in progress from its own checkpoint (the fit job's
// checkpoints are keyed by basis, so the job's single checkpoint slot always belongs to the run in progress).
import type { JobContext, ProgressReport } from '../jobs/types';
import { getBasis, setBasisStatus } from '../store/bases';
import { runFitJob } from './fit';

export interface SaeSweepJobParams {
  method: string;
  /** The swept parameter (the method's `tags.sweep`). */
  key: string;
  values: number[];
  /** One basis per value, in the same order, created (pending) when the sweep was started. */
  basisIds: number[];
}

export interface SaeSweepRun {
  basisId: number;
  value: number;
  l0: number | null;
  explainedVariance: number | null;
}

export interface SaeSweepResult {
  method: string;
  key: string;
  runs: SaeSweepRun[];
}

function stepsOf(params: Record<string, unknown>): number {
  const s = params.steps;
  return typeof s === 'number' && s > 0 ? s : 1;
}

/** A finished run as its stored record says: the quality measured on held-out rows. */
function runOf(db: JobContext['db'], basisId: number, value: number): SaeSweepRun {
  const quality = getBasis(db, basisId).quality as { l0?: number; explainedVariance?: number | null } | null;
  return { basisId, value, l0: quality?.l0 ?? null, explainedVariance: quality?.explainedVariance ?? null };
}

/**
 * A JobContext for run `index` of the sweep: the run's own progress (steps of this fit) becomes the sweep's (steps
 * over every run), its message and live figures say which run it is.
 */
function runContext(ctx: JobContext, p: SaeSweepJobParams, index: number, offset: number, steps: number, total: number): JobContext {
  const map = (r: ProgressReport): ProgressReport => {
    const inRun = r.unit === 'steps' && r.done !== undefined ? Math.min(r.done, steps) : Math.min(1, r.fraction / 0.95) * steps;
    const head = `Run ${index + 1}/${p.values.length} · ${p.key} = ${p.values[index]}`;
    return {
      fraction: Math.min(1, (offset + inRun) / total),
      done: offset + inRun,
      total,
      unit: 'steps',
      message: r.message ? `${head}: ${r.message}` : head,
      live: { ...((r.live as Record<string, number> | undefined) ?? {}), run: index + 1, runs: p.values.length, basisId: p.basisIds[index]!, value: p.values[index]!, runFraction: Math.min(1, r.fraction) },
    };
  };
  return {
    db: ctx.db,
    projectPath: ctx.projectPath,
    jobId: ctx.jobId,
    nativeBinding: ctx.nativeBinding,
    progress: (r) => ctx.progress(() => map(typeof r === 'function' ? r() : r)),
    get cancelled() {
      return ctx.cancelled;
    },
    throwIfCancelled: () => ctx.throwIfCancelled(),
  };
}

export async function runSaeSweepJob(raw: unknown, ctx: JobContext): Promise<SaeSweepResult> {
  const p = raw as SaeSweepJobParams;
  const { db } = ctx;
  const steps = p.basisIds.map((id) => stepsOf(getBasis(db, id).params));
  const total = steps.reduce((a, b) => a + b, 0);
  let offset = 0;
  for (let i = 0; i < p.basisIds.length; i++) {
    const basisId = p.basisIds[i]!;
    // A resumed sweep keeps the runs it finished; the first unfinished one continues from its checkpoint.
    if (getBasis(db, basisId).status !== 'done') {
      try {
        ctx.throwIfCancelled();
        await runFitJob({ basisId }, runContext(ctx, p, i, offset, steps[i]!, total));
      } catch (err) {
        // The runs not reached stop with the sweep (a resume trains them); the run in progress set its own status.
        const status = ctx.cancelled ? 'cancelled' : 'failed';
        for (const later of p.basisIds.slice(i)) if (['pending', 'training'].includes(getBasis(db, later).status)) setBasisStatus(db, later, status);
        throw err;
      }
    }
    offset += steps[i]!;
    ctx.progress({ fraction: offset / total, done: offset, total, unit: 'steps', message: `Run ${i + 1}/${p.values.length} done (${p.key} = ${p.values[i]}).`, live: { run: i + 1, runs: p.values.length, basisId, value: p.values[i]!, runFraction: 1 } });
  }
  return { method: p.method, key: p.key, runs: p.basisIds.map((id, i) => runOf(db, id, p.values[i]!)) };
}
