// #12 (h12def): BatchTopK's inference threshold, estimated on the trained encoder. Bussmann et al. (2024) take the
// mean, over batches, of the smallest code the batch's top k·B keeps. A running mean over training (SAELens'
// topk_threshold_lr) starts at 0 and trails an encoder that is still changing, so on short runs it sits below the
// finished encoder's cut and encode keeps more than k latents per row (measured on the demo layer: L0 6.2 for k = 4).
// The lab applies the same estimator to the finished encoder instead: the codes of a few seeded batches of B rows.

/**
 * The smallest of the k·B largest positive values of one batch's codes f [B, m] (the batch's BatchTopK cut), or
 * null when the batch has no positive code at all. When fewer than k·B codes are positive, the smallest positive.
 */
export function batchTopkCut(f: Float32Array, rows: number, k: number): number | null {
  let n = 0;
  for (let i = 0; i < f.length; i++) if (f[i]! > 0) n++;
  if (n === 0) return null;
  const pos = new Float32Array(n);
  n = 0;
  for (let i = 0; i < f.length; i++) if (f[i]! > 0) pos[n++] = f[i]!;
  pos.sort();
  const keep = Math.min(n, Math.max(1, Math.round(k * rows)));
  return pos[n - keep]!;
}

/** The mean of the cuts of the given batches (null batches skipped); 0 when no batch has a positive code. */
export function meanCut(cuts: (number | null)[]): number {
  const found = cuts.filter((c): c is number => c !== null);
  return found.length > 0 ? found.reduce((s, c) => s + c, 0) / found.length : 0;
}
