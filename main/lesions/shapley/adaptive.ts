// Top contributors among hundreds of elements, as Neuron Shapley (Ghorbani & Zou 2020) finds them: truncated
// Monte-Carlo permutations combined with a multi-armed bandit. Each permutation removes elements from the intact
// network one by one; once performance is within `truncation` × |v(all) − v(none)| of v(none), the remaining
// marginals are taken as 0 (truncation). Only elements still "active" — whose confidence interval (mean ± z·SE)
// overlaps the k-th largest value — get their marginals measured; runs of settled elements are removed in one step,
// so their intermediate coalitions are never evaluated. Values of settled elements stop improving; efficiency then
// holds only within the truncation tolerance, unlike exact and plain sampled MSA.
import { Rng } from '../../util/random';
import type { Coalition, Game } from '../game';
import { cachedGame } from './cache';

export interface AdaptiveOptions {
  topK: number;
  maxPermutations: number;
  minPermutations?: number;
  truncation?: number;
  z?: number;
  batch?: number;
  seed?: number;
  signal?: AbortSignal;
  onBatch?: (p: { permutations: number; active: number }) => void;
}

export interface AdaptiveResult {
  values: Float64Array;
  stderr: Float64Array;
  samples: Int32Array;
  top: number[];
  permutations: number;
  stoppedBy: 'settled' | 'budget';
}

export async function adaptiveTopShapley(uncached: Game, options: AdaptiveOptions): Promise<AdaptiveResult> {
  // A step's "after" is the next step's "before": the cache asks the game for each coalition once.
  const game = cachedGame(uncached);
  const n = game.players;
  const z = options.z ?? 3;
  const truncation = options.truncation ?? 0.01;
  const minPermutations = Math.max(2, options.minPermutations ?? 10);
  const batch = Math.max(1, options.batch ?? 8);
  const rng = new Rng(options.seed ?? 0);
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  const samples = new Int32Array(n);
  const active = new Uint8Array(n).fill(1);
  const [vNone, vAll] = await game.values([new Uint8Array(n), new Uint8Array(n).fill(1)], options.signal);
  const floor = truncation * Math.abs(vAll! - vNone!);
  const mean = (i: number) => (samples[i] ? sum[i]! / samples[i]! : 0);
  const se = (i: number) => {
    const m = samples[i]!;
    if (m < 2) return Infinity;
    return Math.sqrt(Math.max(0, (sumSq[i]! - (sum[i]! * sum[i]!) / m) / (m - 1)) / m);
  };
  let permutations = 0;
  let stoppedBy: AdaptiveResult['stoppedBy'] = 'budget';
  while (permutations < options.maxPermutations) {
    options.signal?.throwIfAborted();
    const take = Math.min(batch, options.maxPermutations - permutations);
    // Walk each permutation in stages; one game call per stage covers every permutation of the batch.
    const walks = Array.from({ length: take }, () => {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.float() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return { order, pos: 0, current: new Uint8Array(n).fill(1) as Coalition, v: vAll!, done: false };
    });
    for (;;) {
      const pending = walks.filter((w) => !w.done);
      if (!pending.length) break;
      const asks: Coalition[] = [];
      const plans = pending.map((w) => {
        // Remove settled elements up to the next active one in one step, then the active one.
        const before = w.current.slice();
        while (w.pos < n && !active[w.order[w.pos]!]) before[w.order[w.pos++]!] = 0;
        if (w.pos >= n) return { w, element: -1, before, after: before };
        const element = w.order[w.pos++]!;
        const after = before.slice();
        after[element] = 0;
        asks.push(before, after);
        return { w, element, before, after };
      });
      const v = asks.length ? await game.values(asks, options.signal) : new Float64Array(0);
      let at = 0;
      for (const { w, element, after } of plans) {
        if (element < 0) {
          w.done = true;
          continue;
        }
        const vBefore = v[at++]!;
        const vAfter = v[at++]!;
        const marginal = vBefore - vAfter;
        sum[element]! += marginal;
        sumSq[element]! += marginal * marginal;
        samples[element]!++;
        w.current = after;
        w.v = vAfter;
        if (Math.abs(vAfter - vNone!) <= floor || w.pos >= n) {
          // Truncated: the rest of this permutation's active elements contribute 0.
          for (let p = w.pos; p < n; p++) {
            const e = w.order[p]!;
            if (active[e]) samples[e]!++;
          }
          w.done = true;
        }
      }
    }
    permutations += take;
    if (permutations >= minPermutations) {
      const ranked = Array.from({ length: n }, (_, i) => i).sort((a, b) => mean(b) - mean(a));
      const boundary = (mean(ranked[options.topK - 1]!) + mean(ranked[Math.min(n - 1, options.topK)]!)) / 2;
      for (let i = 0; i < n; i++) {
        const half = z * se(i);
        if (mean(i) - half > boundary || mean(i) + half < boundary) active[i] = 0;
      }
    }
    options.onBatch?.({ permutations, active: active.reduce((a, b) => a + b, 0) });
    if (!active.some(Boolean)) {
      stoppedBy = 'settled';
      break;
    }
  }
  const values = Float64Array.from({ length: n }, (_, i) => mean(i));
  const top = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => values[b]! - values[a]!)
    .slice(0, options.topK);
  return { values, stderr: Float64Array.from({ length: n }, (_, i) => se(i)), samples, top, permutations, stoppedBy };
}
