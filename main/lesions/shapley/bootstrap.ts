// Which elements matter: percentile bootstrap intervals of each Shapley value over the sampled permutations, a
// two-sided bootstrap p-value for "value = 0", and Holm's step-down correction (family-wise error across all
// elements), so an element is flagged only when its adjusted p-value is below alpha.
import { Rng } from '../../util/random';

export interface ElementSignificance {
  low: number;
  high: number;
  p: number;
  pHolm: number;
  matters: boolean;
}

export function bootstrapSignificance(
  marginals: Float64Array,
  players: number,
  options: { resamples?: number; alpha?: number; seed?: number } = {},
): ElementSignificance[] {
  const resamples = options.resamples ?? 1000;
  const alpha = options.alpha ?? 0.05;
  const n = marginals.length / players;
  const rng = new Rng(options.seed ?? 1);
  const means = Array.from({ length: players }, () => new Float64Array(resamples));
  const pick = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let r = 0; r < n; r++) pick[r] = Math.floor(rng.float() * n);
    for (let k = 0; k < players; k++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += marginals[pick[r]! * players + k]!;
      means[k]![b] = s / n;
    }
  }
  const rows = means.map((m) => {
    const sorted = Float64Array.from(m).sort();
    const at = (q: number) => sorted[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
    let below = 0;
    let above = 0;
    for (const x of m) {
      if (x <= 0) below++;
      if (x >= 0) above++;
    }
    const p = Math.min(1, (2 * (Math.min(below, above) + 1)) / (resamples + 1));
    return { low: at(alpha / 2), high: at(1 - alpha / 2), p, pHolm: 1, matters: false };
  });
  holm(rows.map((r) => r.p)).forEach((adj, k) => {
    rows[k]!.pHolm = adj;
    rows[k]!.matters = adj < alpha;
  });
  return rows;
}

/** Holm (1979) step-down adjusted p-values, monotone and capped at 1. */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[i]!));
    adjusted[i] = running;
  });
  return adjusted;
}
