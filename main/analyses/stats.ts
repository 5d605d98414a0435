// Statistics for comparing bases: median, a seeded percentile bootstrap of the median, and the Mann–Whitney U test
// (normal approximation with tie correction and continuity correction, as scipy.stats.mannwhitneyu's asymptotic
// method computes it).
import { Rng } from '../util/random';
import { quantileSorted } from '../util/method-order';

export function median(values: ArrayLike<number>): number {
  const v = Array.from(values).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) {
      s += x;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Sample standard deviation (n − 1) of the finite values. */
export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) {
      s += (x - m) * (x - m);
      n++;
    }
  }
  return n > 1 ? Math.sqrt(s / (n - 1)) : NaN;
}

/** Linear-interpolation quantile (numpy's default) of sorted values: one definition with the renderer's box plots. */
export { quantileSorted };

/**
 * Percentile bootstrap 95% interval of the median: `resamples` resamples with replacement drawn from
 * Rng(seed), the 2.5th and 97.5th percentiles (linear interpolation) of their medians.
 */
export function bootstrapMedianCi(values: ArrayLike<number>, resamples: number, seed: number): [number, number] {
  const v = Array.from(values).filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return [NaN, NaN];
  const rng = new Rng(seed);
  const meds = new Float64Array(resamples);
  const buf = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) buf[i] = v[rng.int(0, n)]!;
    buf.sort();
    const h = n >> 1;
    meds[b] = n % 2 ? buf[h]! : (buf[h - 1]! + buf[h]!) / 2;
  }
  meds.sort();
  return [quantileSorted(meds, 0.025), quantileSorted(meds, 0.975)];
}

/** Complementary error function, Numerical Recipes' erfcc (fractional error below 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface MannWhitney {
  /** U of the first sample: the number of pairs (a, b) with a > b, ties counting ½. */
  u: number;
  /** Two-sided p-value, normal approximation with tie correction and continuity correction. */
  p: number;
  /** Common-language effect size U / (n1·n2): P(a > b) + ½·P(a = b). */
  effect: number;
  z: number;
}

export function mannWhitneyU(a: ArrayLike<number>, b: ArrayLike<number>): MannWhitney | null {
  const xs = Array.from(a).filter(Number.isFinite);
  const ys = Array.from(b).filter(Number.isFinite);
  const n1 = xs.length;
  const n2 = ys.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = xs.map((v) => ({ v, g: 0 })).concat(ys.map((v) => ({ v, g: 1 })));
  all.sort((p, q) => p.v - q.v);
  const n = n1 + n2;
  let r1 = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1; // average rank, 1-based
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) r1 += rank;
    i = j + 1;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const u = Math.max(u1, n1 * n2 - u1);
  let z = sigma > 0 ? (u - mu - 0.5) / sigma : 0;
  if (z < 0) z = 0;
  const p = sigma > 0 ? Math.min(1, 2 * normalSf(z)) : 1;
  return { u: u1, p, effect: u1 / (n1 * n2), z: sigma > 0 ? (u1 - mu) / sigma : 0 };
}
