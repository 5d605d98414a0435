// Interpretability scores of one feature from its stored top/bottom examples: the simulated 2AFC of Klindt, Sanborn
// et al. 2023 (after Zimmermann et al. 2023), the consistency (monosemanticity) index, label purity and entropy, and
// the compression (MDL) score. Pure functions over stimulus ids and a similarity; the job feeds them.
import { deflateRawSync } from 'node:zlib';
import type { Rng } from '../util/random';

export type Sim = (i: number, j: number) => number;

export const AFC_REFERENCES = 9;

/**
 * How the z-scored similarities of one side are pooled into evidence: 'sum' as the reference sheet words the task
 * ("z-scored and summed"), 'mean' as Klindt's public code does (psychophysics.py, pool_fun = np.mean). With 9
 * references per side the two differ only by a factor 9 inside the softmax, so 'mean' gives probabilities nearer 0.5.
 */
export type AfcPool = 'sum' | 'mean';
export const AFC_POOLS: readonly AfcPool[] = ['sum', 'mean'];

/**
 * One 2AFC trial, given the query and reference stimuli already drawn. The 36 similarities s(q, r) of the two queries
 * (q⁺ from the top, q⁻ from the bottom) to the 18 references (9 top T, 9 bottom B) are z-scored together
 * (z = (s − mean)/sd over the 36, population sd; all z = 0 when sd = 0). The evidence for the correct assignment is
 * E⁺ = Σ_T z(q⁺, T) + Σ_B z(q⁻, B) and for the swapped one E⁻ = Σ_T z(q⁻, T) + Σ_B z(q⁺, B);
 * P(correct) = softmax(E⁺, E⁻)₁ = 1 / (1 + exp(E⁻ − E⁺)). With pool 'mean' each Σ over a side's references is a
 * mean over them instead (Klindt's code).
 */
export function afcTrial(qTop: number, qBottom: number, refTop: readonly number[], refBottom: readonly number[], sim: Sim, pool: AfcPool = 'sum'): number {
  const a = refTop.map((r) => sim(qTop, r));
  const b = refBottom.map((r) => sim(qTop, r));
  const c = refTop.map((r) => sim(qBottom, r));
  const d = refBottom.map((r) => sim(qBottom, r));
  const all = [...a, ...b, ...c, ...d];
  const m = all.reduce((s, x) => s + x, 0) / all.length;
  const sd = Math.sqrt(all.reduce((s, x) => s + (x - m) * (x - m), 0) / all.length);
  const z = (x: number) => (sd > 0 ? (x - m) / sd : 0);
  const sum = (xs: number[]) => xs.reduce((s, x) => s + z(x), 0) / (pool === 'mean' ? xs.length : 1);
  const correct = sum(a) + sum(d);
  const swapped = sum(c) + sum(b);
  return 1 / (1 + Math.exp(swapped - correct));
}

/**
 * Mean P(correct) over `trials` trials. Each trial draws (from `rng`, without replacement within a side) 1 + 9
 * stimuli from `top` and 1 + 9 from `bottom`: the first drawn is the query, the rest the references. NaN when a side
 * has fewer than 1 + 9 examples: the task as its authors defined it needs 9 references and a query on each side, and
 * a feature active on fewer rows than that has no "top-activating images" to show (it is reported unscored, like a
 * dead feature, rather than scored on a smaller, noisier task).
 */
export function twoAfc(top: readonly number[], bottom: readonly number[], sim: Sim, trials: number, rng: Rng, refs = AFC_REFERENCES, pool: AfcPool = 'sum'): number {
  if (top.length < refs + 1 || bottom.length < refs + 1) return NaN;
  const kt = refs + 1;
  const kb = refs + 1;
  let total = 0;
  for (let t = 0; t < trials; t++) {
    const it = rng.sampleIndices(top.length, kt);
    const ib = rng.sampleIndices(bottom.length, kb);
    const qT = top[it[0]!]!;
    const qB = bottom[ib[0]!]!;
    const rT = Array.from(it.subarray(1), (i) => top[i]!);
    const rB = Array.from(ib.subarray(1), (i) => bottom[i]!);
    total += afcTrial(qT, qB, rT, rB, sim, pool);
  }
  return total / trials;
}

/** Mean pairwise similarity of the stimuli (the consistency / monosemanticity index); NaN for fewer than 2. */
export function consistency(ids: readonly number[], sim: Sim): number {
  if (ids.length < 2) return NaN;
  let s = 0;
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      s += sim(ids[i]!, ids[j]!);
      n++;
    }
  }
  return s / n;
}

function labelCounts(labels: readonly (number | null)[]): { counts: Map<number, number>; n: number } {
  const counts = new Map<number, number>();
  let n = 0;
  for (const l of labels) {
    if (l === null) continue;
    counts.set(l, (counts.get(l) ?? 0) + 1);
    n++;
  }
  return { counts, n };
}

/** Fraction of the (labelled) examples that carry the most frequent label. */
export function labelPurity(labels: readonly (number | null)[]): number {
  const { counts, n } = labelCounts(labels);
  if (n === 0) return NaN;
  return Math.max(...counts.values()) / n;
}

/**
 * Negative Shannon entropy (nats) of the label distribution of the examples, −H = Σ p log p: 0 when all share one
 * label, −log K for K labels equally often; higher is more interpretable, like every other metric here.
 */
export function labelNegEntropy(labels: readonly (number | null)[]): number {
  const { counts, n } = labelCounts(labels);
  if (n === 0) return NaN;
  let s = 0;
  for (const c of counts.values()) {
    const p = c / n;
    s += p * Math.log(p);
  }
  return s === 0 ? 0 : s;
}

/** Bytes of raw DEFLATE (zlib level 9, no header) of the concatenated pixels. */
export function deflatedBytes(images: readonly Uint8Array[]): number {
  const total = images.reduce((a, b) => a + b.length, 0);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (const im of images) {
    buf.set(im, at);
    at += im.length;
  }
  return deflateRawSync(buf, { level: 9 }).length;
}

/**
 * Compression (MDL) score: 1 − C(top) / C(random), clamped to [0, 1], where C(top) is the deflated size of the k top
 * stimuli's 8-bit RGB pixels concatenated in rank order and C(random) the mean deflated size of `draws` sets of k
 * stimuli drawn uniformly without replacement from the whole stimulus set.
 */
export function compressionScore(topBytes: number, randomBytes: readonly number[]): number {
  const r = randomBytes.reduce((a, b) => a + b, 0) / randomBytes.length;
  if (!(r > 0)) return NaN;
  return Math.min(1, Math.max(0, 1 - topBytes / r));
}
