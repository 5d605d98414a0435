// The fixed order every comparison shows the bases in, and short names for axes.
import { reactive } from 'vue';
import type { Comparison } from '../../../../main/api/contract';
import { BASIS_METHODS as METHOD_ORDER, methodOrder, quantileSorted as quantile, shortName } from '../../../../main/util/method-order';

// Order, short names and quantiles are shared with the report builder (main/util/method-order.ts).
export { METHOD_ORDER, methodOrder, quantile, shortName };

/** Comparisons already run, by harvest: they survive leaving the panel. */
export const results = reactive<Record<number, Comparison>>({});

/** Deterministic jitter in [-1, 1) from an integer (no Math.random: the same plot every time). */
export function jitter(i: number): number {
  let x = (i + 1) * 2654435761;
  x ^= x >>> 13;
  x = Math.imul(x, 1274126177);
  x ^= x >>> 16;
  return ((x >>> 0) / 4294967296) * 2 - 1;
}
