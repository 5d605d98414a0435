// Williams et al.'s rank sweep: for each rank, several restarts; two diagnostics per rank — the residual of every
// restart (the error-vs-rank plot, whose elbow suggests the rank) and the factor match score of every restart to
// the best one (the stability plot: past the true rank, restarts stop agreeing).
import type { ActivationStream, FitContext } from '../bases/types';
import { factorMatchScore, type FactorSet } from './align';
import { tensorShape, type CpModel } from './cp';
import { fitCpRestarts } from './restarts';

export interface SweepOptions {
  ranks: number[];
  nonneg: boolean;
  restarts: number;
  maxIter: number;
  tol: number;
  seed: number;
}

export interface SweepRank {
  rank: number;
  /** ‖X − X̂‖ / ‖X‖ of each restart, in the order run. */
  errors: number[];
  bestError: number;
  bestIndex: number;
  /** Factor match score of each restart to the best (1 for the best itself). */
  similarities: number[];
  /** Mean similarity of the restarts other than the best (null with one restart). */
  meanSimilarity: number | null;
  iterations: number[];
}

export interface SweepResult {
  dim: number;
  positions: number;
  stimuli: number;
  nonneg: boolean;
  restarts: number;
  ranks: SweepRank[];
}

export function factorSet(m: CpModel): FactorSet {
  return {
    rank: m.rank,
    factors: [
      { rows: m.dim, data: m.units },
      { rows: m.positions, data: m.positionFactors },
      { rows: m.stimuli, data: m.stimulusFactors },
    ],
  };
}

export async function tcaSweep(
  stream: ActivationStream,
  positions: number,
  opts: SweepOptions,
  ctx: FitContext,
  /** Called with each rank's best fit as soon as the rank is done (the job stores it for the panel). */
  onRank: (best: CpModel) => void = () => {},
): Promise<SweepResult> {
  const t = await tensorShape(stream, positions);
  const ranks: SweepRank[] = [];
  // Progress is shared out by each rank's cost, which grows about linearly with the rank.
  const totalCost = opts.ranks.reduce((s, r) => s + r, 0);
  let offset = 0;
  for (const rank of opts.ranks) {
    const span = rank / totalCost;
    const res = await fitCpRestarts(stream, positions, { ...opts, rank }, ctx, t, { offset, span, label: `rank ${rank}: ` });
    offset += span;
    onRank(res.best);
    const best = factorSet(res.best);
    const similarities = res.all.map((m, i) => (i === res.bestIndex ? 1 : factorMatchScore(factorSet(m), best).score));
    const others = similarities.filter((_, i) => i !== res.bestIndex);
    ranks.push({
      rank,
      errors: res.all.map((m) => m.error),
      bestError: res.best.error,
      bestIndex: res.bestIndex,
      similarities,
      meanSimilarity: others.length ? others.reduce((s, v) => s + v, 0) / others.length : null,
      iterations: res.all.map((m) => m.iterations),
    });
  }
  return { dim: t.dim, positions: t.positions, stimuli: t.stimuli, nonneg: opts.nonneg, restarts: opts.restarts, ranks };
}
