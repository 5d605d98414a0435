// The rank-1 separable part of a spatio-temporal filter F (lags × pixels): F ≈ σ·k·sᵀ with k the temporal kernel and
// s the spatial map, the leading singular pair (Hubel–Wiesel-style "space-time separable" receptive field). L is
// small, so the pair comes from the L × L Gram matrix F·Fᵀ by power iteration, and s = Fᵀk / σ.

export interface Separable {
  /** Unit-norm temporal kernel, lag 0 first, signed so its largest-magnitude entry is positive. */
  temporal: number[];
  /** The spatial map scaled by σ, so temporal ⊗ spatial is the rank-1 filter itself. */
  spatial: Float32Array;
  /** The lag where |temporal| peaks. */
  peakLag: number;
  /** σ² / ‖F‖²: the share of the filter's energy the rank-1 part carries (1 = fully separable). */
  separability: number;
}

export function separate(filter: Float32Array, lags: number): Separable {
  const s = filter.length / lags;
  const g = new Float64Array(lags * lags);
  for (let a = 0; a < lags; a++) {
    for (let b = a; b < lags; b++) {
      let acc = 0;
      for (let i = 0; i < s; i++) acc += filter[a * s + i]! * filter[b * s + i]!;
      g[a * lags + b] = g[b * lags + a] = acc;
    }
  }
  let energy = 0;
  for (let a = 0; a < lags; a++) energy += g[a * lags + a]!;
  let k = new Float64Array(lags).fill(1 / Math.sqrt(lags));
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const next = new Float64Array(lags);
    for (let a = 0; a < lags; a++) for (let b = 0; b < lags; b++) next[a] += g[a * lags + b]! * k[b]!;
    const norm = Math.hypot(...next);
    if (norm === 0) break;
    for (let a = 0; a < lags; a++) next[a] /= norm;
    const moved = next.reduce((m, v, a) => Math.max(m, Math.abs(v - k[a]!)), 0);
    k = next;
    lambda = norm;
    if (moved < 1e-12) break;
  }
  let peakLag = 0;
  for (let a = 1; a < lags; a++) if (Math.abs(k[a]!) > Math.abs(k[peakLag]!)) peakLag = a;
  if (k[peakLag]! < 0) for (let a = 0; a < lags; a++) k[a] = -k[a]!;
  const spatial = new Float32Array(s);
  for (let a = 0; a < lags; a++) for (let i = 0; i < s; i++) spatial[i] += k[a]! * filter[a * s + i]!;
  return { temporal: Array.from(k), spatial, peakLag, separability: energy > 0 ? lambda / energy : 0 };
}
