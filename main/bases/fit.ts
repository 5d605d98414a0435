// The fit job: a basis fitted on the training rows of a harvest, streamed from the project file, with progress,
// cancel and (for trained methods) checkpoints; then its weights and its quality on held-out rows are stored.
import type { JobContext } from '../jobs/types';
import { appendTrainingLog, getBasis, loadCheckpoint, saveBasisTensors, saveCheckpoint, setBasisStatus } from '../store/bases';
import { basisFactory } from './index';
import { splitStream } from './holdout';
import { measureQuality } from './quality';
import type { BasisQualityInfo } from './types';
import { harvestStream } from './stream';

export interface FitJobParams {
  basisId: number;
}

export const DEFAULT_HOLDOUT = 0.1;

export async function runFitJob(raw: unknown, ctx: JobContext): Promise<{ basisId: number; quality: BasisQualityInfo }> {
  const { basisId } = raw as FitJobParams;
  const { db } = ctx;
  const rec = getBasis(db, basisId);
  const holdout = typeof rec.params.holdout === 'number' ? rec.params.holdout : DEFAULT_HOLDOUT;
  const factory = basisFactory(rec.method);
  const basis = factory.create(rec.params, rec.seed, rec.dim);
  const { train, heldOut } = splitStream(harvestStream(db, rec.harvestId), holdout, rec.seed, factory.spec.tags.wholeItems === true);
  setBasisStatus(db, basisId, 'training');
  try {
    await basis.fit(train, {
      progress: (p) => {
        if (p.live) appendTrainingLog(db, basisId, p.live.step ?? p.done ?? 0, p.live);
        ctx.progress({ fraction: p.fraction * 0.95, message: p.message, done: p.done, total: p.total, unit: p.unit, live: p.live });
      },
      throwIfCancelled: () => ctx.throwIfCancelled(),
      checkpoint: {
        save: (step, state, extra) => saveCheckpoint(db, basisId, ctx.jobId, step, state, extra),
        load: () => loadCheckpoint(db, basisId, ctx.jobId),
      },
    });
  } catch (err) {
    setBasisStatus(db, basisId, ctx.cancelled ? 'cancelled' : 'failed');
    throw err;
  }
  ctx.progress({ fraction: 0.96, message: 'Measuring quality on held-out rows' });
  saveBasisTensors(db, basisId, basis.state());
  const quality = await measureQuality(basis, heldOut);
  setBasisStatus(db, basisId, 'done', { quality, nFeatures: basis.nFeatures });
  return { basisId, quality };
}
