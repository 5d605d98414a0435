// The tca-sweep job: the rank sweep over a whole harvest recorded at all positions (every stimulus; a sweep chooses
// a rank, it does not measure held-out quality), with progress per sweep and cancel between passes. Its result —
// both diagnostics for every rank — is the job's stored result; each rank's best factors go to their own table.
import type { JobContext } from '../jobs/types';
import { harvestStream } from '../bases/stream';
import { putSweepFactors } from '../store/tca';
import { positionsOf } from './basis';
import { residentIfSmall } from './resident';
import { tcaSweep, type SweepOptions, type SweepResult } from './sweep';

export interface TcaSweepJobParams extends SweepOptions {
  harvestId: number;
}

export async function runTcaSweepJob(raw: unknown, ctx: JobContext): Promise<SweepResult & { harvestId: number }> {
  const p = raw as TcaSweepJobParams;
  const stream = await residentIfSmall(harvestStream(ctx.db, p.harvestId));
  const result = await tcaSweep(stream, positionsOf(stream), p, {
    progress: (r) => ctx.progress({ fraction: r.fraction, message: r.message, done: r.done, total: r.total, unit: r.unit, live: r.live }),
    throwIfCancelled: () => ctx.throwIfCancelled(),
  }, (best) => putSweepFactors(ctx.db, ctx.jobId, best));
  return { harvestId: p.harvestId, ...result };
}
