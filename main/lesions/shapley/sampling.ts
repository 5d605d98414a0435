// Shapley values estimated from sampled permutations (Keinan et al. 2004; msapy's `interface.run_msa`), for games too
// big to enumerate. Each permutation walks from v(none) to v(all) adding one player at a time, so its marginals
// telescope to v(all) − v(none) and the mean over permutations keeps efficiency exactly. Every permutation's
// coalitions are asked of the (cached) game in one batch per round; sampling stops when every standard error is
// within the tolerance or at the permutation budget. Players may be groups of elements (a merged pair, for
// interactions); elements in no group stay lesioned.
import { Rng } from '../../util/random';
import type { Coalition, Game } from '../game';

export interface SamplingOptions {
  /** Most permutations to sample (the budget). */
  maxPermutations: number;
  /** Stop once every value's standard error is at most this (0: run to the budget). */
  tolerance?: number;
  /** Permutations evaluated per batch (one call to the game). */
  batch?: number;
  /** Fewest permutations before the tolerance may stop sampling. */
  minPermutations?: number;
  seed?: number;
  signal?: AbortSignal;
  onBatch?: (progress: SamplingProgress) => void;
}

export interface SamplingProgress {
  permutations: number;
  values: Float64Array;
  stderr: Float64Array;
}

export interface SamplingResult extends SamplingProgress {
  /** Per-permutation marginals, permutations × players row-major, for bootstrap intervals. */
  marginals: Float64Array;
  /** Values after each batch: the convergence plot. */
  series: Array<{ permutations: number; values: number[] }>;
  stoppedBy: 'tolerance' | 'budget';
}

function shuffled(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

export async function sampleShapley(
  game: Game,
  options: SamplingOptions,
  groups: readonly (readonly number[])[] = Array.from({ length: game.players }, (_, i) => [i]),
): Promise<SamplingResult> {
  const p = groups.length;
  const batch = Math.max(1, options.batch ?? 16);
  const tolerance = options.tolerance ?? 0;
  const minPermutations = Math.max(2, options.minPermutations ?? 10);
  const rng = new Rng(options.seed ?? 0);
  const sum = new Float64Array(p);
  const sumSq = new Float64Array(p);
  const marginals: number[] = [];
  const series: SamplingResult['series'] = [];
  let count = 0;
  let stoppedBy: SamplingResult['stoppedBy'] = 'budget';
  const stats = () => {
    const values = sum.map((s) => s / count);
    const stderr = sumSq.map((q, k) => {
      if (count < 2) return Infinity;
      const variance = Math.max(0, (q - (sum[k]! * sum[k]!) / count) / (count - 1));
      return Math.sqrt(variance / count);
    });
    return { values, stderr };
  };
  while (count < options.maxPermutations) {
    options.signal?.throwIfAborted();
    const take = Math.min(batch, options.maxPermutations - count);
    const orders = Array.from({ length: take }, () => shuffled(p, rng));
    const coalitions: Coalition[] = [];
    for (const order of orders) {
      const c = new Uint8Array(game.players);
      coalitions.push(c.slice());
      for (const k of order) {
        for (const e of groups[k]!) c[e] = 1;
        coalitions.push(c.slice());
      }
    }
    const v = await game.values(coalitions, options.signal);
    orders.forEach((order, r) => {
      const row = new Float64Array(p);
      order.forEach((k, step) => {
        row[k] = v[r * (p + 1) + step + 1]! - v[r * (p + 1) + step]!;
      });
      for (let k = 0; k < p; k++) {
        sum[k]! += row[k]!;
        sumSq[k]! += row[k]! * row[k]!;
      }
      marginals.push(...row);
    });
    count += take;
    const { values, stderr } = stats();
    series.push({ permutations: count, values: Array.from(values) });
    options.onBatch?.({ permutations: count, values, stderr });
    if (tolerance > 0 && count >= minPermutations && stderr.every((s) => s <= tolerance)) {
      stoppedBy = 'tolerance';
      break;
    }
  }
  const { values, stderr } = stats();
  return { permutations: count, values, stderr, marginals: Float64Array.from(marginals), series, stoppedBy };
}
