// A metric cannot tell bases apart on a harvest where random directions already score at its ceiling (or floor):
// in the demo random directions had the top 2AFC-label median (1.000, CI [1, 1]) and the comparison's headline
// p-value read as "random beats neurons" (issue #8). A metric is flagged when the median of its random-direction
// null lies at the metric's bound; metrics with no fixed bound (pixel distances, compression) are never flagged.
import type { MetricName } from './types';
import { median } from './stats';

/** Bounds the metric's definition (definitions.ts) guarantees; null where it has none. */
export function metricBounds(m: MetricName): { min: number | null; max: number | null } {
  if (m.startsWith('2afc-')) return { min: 0, max: 1 }; // a mean softmax probability
  if (m === 'consistency-label' || m === 'label-purity') return { min: 0, max: 1 }; // fractions
  if (m === 'label-entropy') return { min: null, max: 0 }; // negative entropy: 0 when one label
  return { min: null, max: null };
}

export interface Saturation {
  at: 'ceiling' | 'floor';
  bound: number;
  /** Median of the random-direction null's values. */
  nullMedian: number;
  /** Fraction of the null's values at the bound. */
  atBound: number;
}

const EPS = 1e-3;

/** Whether the random-direction null of metric m sits at a bound (its median within 1e-3 of it). */
export function nullSaturation(m: MetricName, nullValues: readonly number[]): Saturation | null {
  const v = nullValues.filter(Number.isFinite);
  if (v.length === 0) return null;
  const med = median([...v]);
  const { min, max } = metricBounds(m);
  for (const [at, bound] of [['ceiling', max], ['floor', min]] as const) {
    if (bound === null || Math.abs(med - bound) > EPS) continue;
    return { at, bound, nullMedian: med, atBound: v.filter((x) => Math.abs(x - bound) <= EPS).length / v.length };
  }
  return null;
}

/** One sentence for a flagged metric: what the table, the report and the CLI print beside it. */
export function saturationSentence(m: MetricName, s: Saturation): string {
  return `${m} cannot discriminate on this harvest: random directions sit at its ${s.at} (null median ${s.nullMedian.toFixed(3)}, ${Math.round(s.atBound * 100)}% of them at ${s.bound}).`;
}

/** The first metric of a preference list that has values and is not flagged; null when none. */
export function leadingMetric(preference: readonly MetricName[], available: readonly MetricName[], saturated: Partial<Record<MetricName, Saturation>>): MetricName | null {
  return preference.find((m) => available.includes(m) && !saturated[m]) ?? available.find((m) => !saturated[m]) ?? null;
}
