// What each interpretability metric is, where it comes from and where the lab departs from its source — shown in
// the app beside every number (metrics.definitions).
import type { MetricDefinition, MetricName } from './types';
import { TEXT_DEFINITIONS } from './text-definitions'; // room: text (#13 item 5)

/**
 * Examples the consistency, label and compression metrics read: the first K of the stored top-k. A feature with fewer
 * top examples (rows above its minimum) than K = min(METRIC_TOP, k) is not scored by them.
 */
export const METRIC_TOP = 20;

const HEAD_RULE = ` Top examples are rows above the feature's minimum; a feature with fewer than K of them is not scored (shown as —, left out of comparisons).`;

const KLINDT = 'Klindt, Sanborn et al. 2023, "Identifying interpretable visual features in artificial and biological neural systems" (arXiv 2310.11431), code david-klindt/Superposition';
const ZIMMERMANN = 'Zimmermann et al. 2023, "Scale alone does not improve mechanistic interpretability in vision models" (arXiv 2307.05471)';

const AFC_FORMULA = (sim: string) =>
  `Per trial t (T = trials, default 20): draw without replacement 9 reference + 1 query stimuli from the feature's stored top-k (T₁…T₉, q⁺) and likewise from its bottom-k (B₁…B₉, q⁻). ` +
  `Compute the 36 similarities s(q, r) for q ∈ {q⁺, q⁻}, r ∈ {T, B} with s = ${sim}; z-score them together, z = (s − mean)/sd (population sd over the 36; z = 0 if sd = 0). ` +
  `Evidence E⁺ = Σᵢ z(q⁺, Tᵢ) + Σᵢ z(q⁻, Bᵢ) (queries assigned correctly), E⁻ = Σᵢ z(q⁻, Tᵢ) + Σᵢ z(q⁺, Bᵢ) (swapped) with pooling "sum" (the default); with pooling "mean" each Σᵢ over 9 references is (1/9) Σᵢ; ` +
  `P_t(correct) = softmax(E⁺, E⁻)₁ = 1/(1 + exp(E⁻ − E⁺)). Score = (1/T) Σ_t P_t. Chance = 0.5, perfect → 1. ` +
  `Top examples are rows above the feature's minimum and bottom examples rows below its maximum (rows tied at an extreme, e.g. the zeros of a sparse feature, are sampled uniformly); ` +
  `a feature with fewer than 10 of either is not scored (shown as —, and left out of comparisons, like a dead feature).`;
const AFC_DEPARTURE =
  'Pooling: the task as described (and in this lab\'s reference sheet) sums the z-scored similarities of each side; Klindt et al.\'s public code (psychophysics.py, extract_logits with pool_fun = np.mean) averages them. ' +
  'The lab sums by default and averages with pooling "mean" (metrics option afcPool, CLI --afc-pool mean); the mean is the sum divided by 9 inside the softmax, so it gives probabilities nearer 0.5 and saturates less. The random-basis null is scored with the same pooling. ' +
  'As in that code, the 36 similarities of one trial are z-scored together (population sd) and the softmax over the two pooled evidences has temperature 1. ' +
  'The code takes the 20 queries from the 20 most extreme rows and the references of trial t from ranks 20 + 20j + t (j = 0…8) of the top and bottom 200; the lab draws each trial\'s query and 9 references at random without replacement from the stored top-k/bottom-k (default k = 32). The code\'s variant that first drops the most extreme 25% of activations is not offered. ' +
  'Seeded: trial t of feature f uses Rng(deriveSeed(seed, f)), the same draws for every similarity. For conv harvests at all positions whole stimuli are compared, and a stimulus may recur at several positions.';

const PERCEPTUAL_SIM =
  '−d(a, b). With a one-image network: d = (1/L) Σ_l (1/(H_l W_l)) Σ_{h,w} ‖â_l,hw − b̂_l,hw‖², with â the channel vector at each position divided by its L2 norm, over up to 5 ReLU (else Conv) feature maps of the network spread from first to last (N×C×H×W or N×H×W×C, the layout traced through the graph, else taken from the network\'s input). ' +
  'With a two-image distance network (inputs img0, img1, one output number per pair — e.g. LPIPS exported to ONNX with its learned weights): d = its output for (a, b), a fed as img0';
const PERCEPTUAL_DEPARTURE =
  'LPIPS (Zhang et al. 2018) weights channels with learned linear layers on AlexNet; the lab ships no such weights. With a one-image network (e.g. SqueezeNet) channels and layers are weighted uniformly (the "lin = identity" LPIPS variant) on that network, not AlexNet. ' +
  'A two-image LPIPS network the user exports to ONNX is used as it is, learned weights included, so that departure disappears; its pixel convention must be chosen with the perceptual preset (LPIPS expects −1..1: preset minus1to1; Klindt\'s code feeds 0..1 with normalize = True, the same thing). ' +
  'Stimuli are fitted to the network\'s input by the recipe guessed from its input shape (grey images replicated to RGB when it needs three channels).';

const defs: MetricDefinition[] = [
  { name: '2afc-pixel', title: '2AFC · pixel', formula: AFC_FORMULA('−‖a − b‖₂ over the 0..255 RGB pixels of the images the model saw'), source: `${KLINDT}; task after ${ZIMMERMANN}`, departure: AFC_DEPARTURE, needsLabels: false, needsPerceptualModel: false },
  { name: '2afc-colour', title: '2AFC · colour', formula: AFC_FORMULA('−‖mean RGB(a) − mean RGB(b)‖₂ (0..255 scale)'), source: `${KLINDT}; task after ${ZIMMERMANN}`, departure: AFC_DEPARTURE, needsLabels: false, needsPerceptualModel: false },
  { name: '2afc-label', title: '2AFC · label', formula: AFC_FORMULA('1 if the two stimuli have the same label, else 0'), source: `${KLINDT}; task after ${ZIMMERMANN}`, departure: AFC_DEPARTURE, needsLabels: true, needsPerceptualModel: false },
  { name: '2afc-perceptual', title: '2AFC · perceptual (LPIPS-style)', formula: AFC_FORMULA(PERCEPTUAL_SIM), source: `${KLINDT} (LPIPS with AlexNet); task after ${ZIMMERMANN}`, departure: `${AFC_DEPARTURE} ${PERCEPTUAL_DEPARTURE}`, needsLabels: false, needsPerceptualModel: true },
  ...(['pixel', 'colour', 'label', 'perceptual'] as const).map((kind): MetricDefinition => ({
    name: `consistency-${kind}` as MetricName,
    title: `Consistency · ${kind}`,
    formula: `Mean pairwise similarity of the feature's top ${METRIC_TOP} stimuli: (2/(K(K−1))) Σ_{i<j} s(xᵢ, xⱼ), K = min(${METRIC_TOP}, k), with s = ${
      kind === 'pixel' ? '−‖a − b‖₂ over 0..255 RGB pixels' : kind === 'colour' ? '−‖mean RGB(a) − mean RGB(b)‖₂' : kind === 'label' ? '[label(a) = label(b)] (so the score is the fraction of same-label pairs)' : PERCEPTUAL_SIM
    }. Higher is more consistent.${HEAD_RULE}`,
    source: `${KLINDT}: the earlier "monosemanticity index" (mean pairwise LPIPS over the top 5 images)`,
    departure: `Over the top ${METRIC_TOP} rather than the top 5, for every similarity, and written as a similarity (negative distance) so that higher is more interpretable.${kind === 'perceptual' ? ` ${PERCEPTUAL_DEPARTURE}` : ''}`,
    needsLabels: kind === 'label',
    needsPerceptualModel: kind === 'perceptual',
  })),
  {
    name: 'label-purity',
    title: 'Label purity',
    formula: `maxᵧ nᵧ / K: the fraction of the top K = min(${METRIC_TOP}, k) stimuli that carry their most frequent label (1 = one class; 1/C for C classes equally often).${HEAD_RULE}`,
    source: `${KLINDT}: label statistics over the top 20 (top-class probability)`,
    departure: null,
    needsLabels: true,
    needsPerceptualModel: false,
  },
  {
    name: 'label-entropy',
    title: 'Label negative entropy',
    formula: `−H = Σᵧ pᵧ ln pᵧ (nats) with pᵧ = nᵧ / K over the top K = min(${METRIC_TOP}, k) stimuli's labels: 0 when all share one label, −ln C for C labels equally often. Reported as negative entropy so that higher is more interpretable.${HEAD_RULE}`,
    source: `${KLINDT}: label statistics over the top 20 (negative entropy)`,
    departure: 'Natural logarithm (nats).',
    needsLabels: true,
    needsPerceptualModel: false,
  },
  {
    name: 'compression',
    title: 'Compression (MDL)',
    formula:
      `score = clamp(1 − C(top) / C̄(random), 0, 1), where C(S) = bytes of raw DEFLATE (zlib level 9, no header) of the 8-bit RGB pixels of the stimuli in S concatenated in order, ` +
      `top = the feature's top K = min(${METRIC_TOP}, k) stimuli in rank order, and C̄(random) = mean of C over 3 sets of K stimuli drawn uniformly without replacement from the whole stimulus set (Rng(deriveSeed(seed, f, 7))). ` +
      `0 = the top stimuli compress no better than random ones; towards 1 = they share most of their description.${HEAD_RULE}`,
    source: 'New in Cajal: a minimum-description-length reading of "what the top examples have in common" (after the MDL principle, Rissanen 1978); not from a published interpretability study.',
    departure: 'Clamped at 0: top sets that compress worse than random ones score 0. DEFLATE sees 32 KiB of history, so for large images only neighbouring stimuli share structure.',
    needsLabels: false,
    needsPerceptualModel: false,
  },
  ...TEXT_DEFINITIONS, // room: text (#13 item 5)
];

export function metricDefinitions(): MetricDefinition[] {
  return defs.map((d) => ({ ...d }));
}

export function metricDefinition(name: MetricName): MetricDefinition {
  return defs.find((d) => d.name === name)!;
}
