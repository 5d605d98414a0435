// Text metrics of a feature (issue #13 item 5), read from its top rows as the image metrics read their top stimuli:
// how many different tokens it fires on (token consistency), how much its top contexts share word pieces (n-gram
// overlap), and how much better its top contexts compress together than random ones (compression, as the image
// metric defines it, on the contexts' UTF-8 text instead of pixels). Definitions: analyses/definitions.ts.
import { compressionScore, deflatedBytes } from '../analyses/metrics';
import type { TextCorpus } from './corpus';

/** Tokens of text a top row stands for: this many of its document, ending at (and including) the row's token. */
export const TEXT_WINDOW = 16;
/** n of the n-gram overlap (token n-grams). */
export const NGRAM = 3;

/** Σ p ln p over the tokens' frequencies (nats): 0 when every row is one token, −ln T for T tokens equally often. */
export function tokenNegEntropy(tokens: readonly number[]): number {
  if (tokens.length === 0) return NaN;
  const counts = new Map<number, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let s = 0;
  for (const c of counts.values()) {
    const p = c / tokens.length;
    s += p * Math.log(p);
  }
  return s === 0 ? 0 : s;
}

function ngrams(ids: readonly number[], n: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= ids.length; i++) out.add(ids.slice(i, i + n).join(','));
  return out;
}

/**
 * Mean over pairs of windows of the Jaccard index of their sets of token n-grams, |A ∩ B| / |A ∪ B|; pairs where
 * neither window has an n-gram are left out (NaN when every pair is).
 */
export function ngramOverlap(windows: readonly (readonly number[])[], n = NGRAM): number {
  const sets = windows.map((w) => ngrams(w, n));
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i]!;
      const b = sets[j]!;
      let inter = 0;
      for (const g of a) if (b.has(g)) inter++;
      const union = a.size + b.size - inter;
      if (union === 0) continue;
      sum += inter / union;
      pairs++;
    }
  }
  return pairs === 0 ? NaN : sum / pairs;
}

/**
 * The token ids of the window a row stands for: the `width` tokens of its document ending at its token (fewer only at
 * a document's start). Taken from the document rather than the context, so every window has the same length
 * wherever the token sits in its context, and windows compare (and compress) alike.
 */
export function tokenWindow(corpus: TextCorpus, context: number, position: number, width = TEXT_WINDOW): number[] {
  const c = corpus.contexts[context]!;
  const doc = corpus.tokens[c.document]!;
  const end = c.start + position + 1;
  return Array.from(doc.subarray(Math.max(0, end - width), end));
}

const encoder = new TextEncoder();

/** UTF-8 bytes of windows' text, as the compression metric deflates them. */
export function windowBytes(corpus: TextCorpus, windows: readonly (readonly number[])[]): Uint8Array[] {
  return windows.map((w) => encoder.encode(corpus.tokenizer.decode(w)));
}

/** Deflated bytes per byte of text: windows near a context's start are shorter, so sets differ in length. */
function deflatedRatio(corpus: TextCorpus, windows: readonly (readonly number[])[]): number {
  const bytes = windowBytes(corpus, windows);
  const raw = bytes.reduce((a, b) => a + b.length, 0);
  return raw > 0 ? deflatedBytes(bytes) / raw : NaN;
}

/**
 * Compression score of the top windows against `draws` sets of random windows of the same count: the image metric's
 * 1 − C(top)/C̄(random), with C in deflated bytes per byte of text.
 */
export function textCompression(corpus: TextCorpus, top: readonly (readonly number[])[], draws: readonly (readonly (readonly number[])[])[]): number {
  return compressionScore(deflatedRatio(corpus, top), draws.map((d) => deflatedRatio(corpus, d)));
}

/** How many random sets of windows the compression score's denominator averages (as the image metric). */
export const TEXT_COMPRESSION_DRAWS = 3;

export type TextMetricName = 'token-consistency' | 'ngram-overlap' | 'text-compression';
export const TEXT_METRICS: readonly TextMetricName[] = ['token-consistency', 'ngram-overlap', 'text-compression'];

export function isTextMetric(name: string): name is TextMetricName {
  return (TEXT_METRICS as readonly string[]).includes(name);
}

/** A top row as its stored metadata gives it. */
export interface TextRow {
  context: number;
  position: number;
  tokenId: number;
}

/**
 * Scores a feature's head of top rows. `rng` draws the random rows of the compression score uniformly over the
 * harvest's rows (its first `contexts` contexts' sampled positions).
 */
export function textScorer(corpus: TextCorpus, contexts: number): (metric: TextMetricName, head: readonly TextRow[], rng: { sampleIndices(n: number, k: number): ArrayLike<number> }) => number {
  const cumulative = new Float64Array(contexts + 1);
  for (let c = 0; c < contexts; c++) cumulative[c + 1] = cumulative[c]! + corpus.positions[c]!.length;
  const rows = cumulative[contexts]!;
  const rowAt = (r: number): TextRow => {
    let lo = 0;
    let hi = contexts - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cumulative[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    const position = corpus.positions[lo]![r - cumulative[lo]!]!;
    const c = corpus.contexts[lo]!;
    return { context: lo, position, tokenId: corpus.tokens[c.document]![c.start + position]! };
  };
  const windows = (rs: readonly TextRow[]) => rs.map((r) => tokenWindow(corpus, r.context, r.position));
  return (metric, head, rng) => {
    if (metric === 'token-consistency') return tokenNegEntropy(head.map((r) => r.tokenId));
    if (metric === 'ngram-overlap') return ngramOverlap(windows(head));
    const draws: number[][][] = [];
    for (let d = 0; d < TEXT_COMPRESSION_DRAWS; d++) draws.push(windows(Array.from(rng.sampleIndices(rows, Math.min(head.length, rows)), (r) => rowAt(r))));
    return textCompression(corpus, windows(head), draws);
  };
}
