// The text metrics' definitions (issue #13 item 5), beside the image metrics' (definitions.ts); computed in
// main/text/metrics.ts from a text harvest's top rows.
import type { MetricDefinition } from './types';

const TOP = 20;
const HEAD = ` Top rows are rows above the feature's minimum; a feature with fewer than K of them is not scored (shown as —, left out of comparisons).`;
const WINDOW = `Each top row stands for the window of the 16 tokens of its document ending at (and including) the row's token (fewer at a document's start).`;

export const TEXT_DEFINITIONS: MetricDefinition[] = [
  {
    name: 'token-consistency',
    title: 'Token consistency',
    formula: `−H = Σₜ pₜ ln pₜ (nats) with pₜ = nₜ / K over the tokens at the feature's top K = min(${TOP}, k) rows: 0 when it fires most on one token, −ln K when its top rows are K different tokens. Reported as negative entropy so that higher is more interpretable.${HEAD}`,
    source: 'Issue #13 after Bricken et al. 2023, "Towards Monosemanticity" (Anthropic), which reads a feature by the tokens it fires on; the entropy form mirrors the label negative entropy of Klindt et al. 2023.',
    departure: 'Natural logarithm (nats). Tokens are compared by id, so the same text under two ids counts as two tokens.',
    needsLabels: false,
    needsPerceptualModel: false,
    needsText: true,
  },
  {
    name: 'ngram-overlap',
    title: 'N-gram overlap',
    formula: `Mean over the K(K−1)/2 pairs of the feature's top K = min(${TOP}, k) rows of the Jaccard index |A ∩ B| / |A ∪ B| of their sets of token 3-grams. ${WINDOW} Pairs where neither window holds a 3-gram are left out. 0 = the top contexts share no 3-gram; 1 = identical sets.${HEAD}`,
    source: 'New in Cajal (issue #13): what the top contexts share beyond the activating token; not from a published interpretability study.',
    departure: null,
    needsLabels: false,
    needsPerceptualModel: false,
    needsText: true,
  },
  {
    name: 'text-compression',
    title: 'Compression (MDL) · text',
    formula: `score = clamp(1 − C(top) / C̄(random), 0, 1), where C(S) = bytes of raw DEFLATE (zlib level 9, no header) of the UTF-8 text of the windows in S concatenated in order, divided by that text's length in bytes. ${WINDOW} top = the feature's top K = min(${TOP}, k) rows in rank order, C̄(random) = mean of C over 3 sets of K rows drawn uniformly without replacement from the harvest's rows (Rng(deriveSeed(seed, f, 7))). 0 = the top contexts compress no better than random ones.${HEAD}`,
    source: "The compression (MDL) metric of this lab (issue #8) on the top contexts' text instead of the top images' pixels.",
    departure: 'Clamped at 0, as the image metric. Sizes are per byte of text (the image metric compares sets of equal size; windows at a document\'s start are shorter).',
    needsLabels: false,
    needsPerceptualModel: false,
    needsText: true,
  },
];
