// The SAE's initialisation and resampling draws (Bricken et al.; Gao et al.'s b_dec): the geometric median of the
// rows and the loss²-weighted picks of the rows that re-initialise dead latents.
import type { Rng } from '../util/random';

/** Geometric median by Weiszfeld's algorithm (float64), rows × d row-major. */
export function geometricMedian(data: Float32Array, rows: number, d: number, iterations = 200, tol = 1e-7): Float32Array {
  const y = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) y[j]! += data[r * d + j]! / rows;
  const next = new Float64Array(d);
  for (let it = 0; it < iterations; it++) {
    next.fill(0);
    let wsum = 0;
    for (let r = 0; r < rows; r++) {
      let dist = 0;
      for (let j = 0; j < d; j++) {
        const e = data[r * d + j]! - y[j]!;
        dist += e * e;
      }
      const w = 1 / Math.max(Math.sqrt(dist), 1e-12);
      wsum += w;
      for (let j = 0; j < d; j++) next[j]! += w * data[r * d + j]!;
    }
    let move = 0;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = next[j]! / wsum;
      move += (v - y[j]!) ** 2;
      norm += v * v;
      y[j] = v;
    }
    if (Math.sqrt(move) <= tol * Math.max(1, Math.sqrt(norm))) break;
  }
  return Float32Array.from(y);
}

/**
 * `draws` indices into `n` inputs, each drawn with probability ∝ loss² (the paper's resampling weights), by
 * cumulative weights and binary search; uniformly when every loss is 0.
 */
export function pickByLossSquared(loss: ArrayLike<number>, n: number, draws: number, rng: Rng): Int32Array {
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += loss[i]! ** 2;
    cum[i] = acc;
  }
  const out = new Int32Array(draws);
  for (let t = 0; t < draws; t++) {
    if (acc > 0) {
      const target = rng.float() * acc;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! > target) hi = mid;
        else lo = mid + 1;
      }
      out[t] = lo;
    } else {
      out[t] = rng.int(0, n);
    }
  }
  return out;
}
