// Random restarts of a CP fit, as Williams et al. run them: every restart from its own seeded start, the best the one
// with the lowest residual, the rest kept for the stability diagnostic (their factor match to the best).
import type { ActivationStream, FitContext } from '../bases/types';
import { Rng } from '../util/random';
import { fitCpOnce, tensorShape, type CpModel, type CpOptions, type TensorShape } from './cp';

export interface RestartsResult {
  best: CpModel;
  /** Every restart in the order run; `bestIndex` points at the best. */
  all: CpModel[];
  bestIndex: number;
}

export async function fitCpRestarts(
  stream: ActivationStream,
  positions: number,
  opts: CpOptions & { restarts: number; seed: number },
  ctx: FitContext,
  shape?: TensorShape,
  /** Where this fit sits in a longer job (a sweep): progress fraction = offset + span · own fraction. */
  span: { offset: number; span: number; label?: string } = { offset: 0, span: 1 },
): Promise<RestartsResult> {
  const t = shape ?? (await tensorShape(stream, positions));
  const all: CpModel[] = [];
  for (let k = 0; k < opts.restarts; k++) {
    const model = await fitCpOnce(stream, t, opts, Rng.stream(opts.seed, opts.rank, k), ctx, (it, error) => {
      const done = k * opts.maxIter + it;
      const total = opts.restarts * opts.maxIter;
      ctx.progress({
        fraction: span.offset + (span.span * done) / total,
        message: `${span.label ?? ''}restart ${k + 1}/${opts.restarts}, iteration ${it}: residual ${error.toFixed(4)}`,
        done,
        total,
        unit: 'iterations',
        live: { step: done, error },
      });
    });
    all.push(model);
  }
  let bestIndex = 0;
  all.forEach((m, i) => {
    if (m.error < all[bestIndex]!.error) bestIndex = i;
  });
  return { best: all[bestIndex]!, all, bestIndex };
}
