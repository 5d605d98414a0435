// Contexts and the token positions sampled in them. Each document is cut on its own (a context never spans two
// documents): windows of `length` tokens starting at 0, stride, 2·stride, … until one reaches the document's end, so
// every token is in some context and a short document is one shorter context. Positions are drawn per context from
// their own seeded stream, so any context's sample is reproducible alone (a resumed harvest, a later lookup).
import { Rng } from '../util/random';
import type { TextContext } from './types';

export function cutContexts(documentLengths: readonly number[], length: number, stride: number): TextContext[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`context length must be a positive integer, got ${length}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > length) throw new RangeError(`stride must be an integer in 1..${length}, got ${stride}`);
  const out: TextContext[] = [];
  documentLengths.forEach((n, document) => {
    for (let start = 0; start < n; start += stride) {
      out.push({ document, start, length: Math.min(length, n - start) });
      if (start + length >= n) break;
    }
  });
  return out;
}

/** `k` distinct positions of a context of `length` tokens (all of them when k ≥ length), ascending. */
export function samplePositions(length: number, k: number, seed: number, context: number): number[] {
  if (k >= length) return Array.from({ length }, (_, i) => i);
  const picked = Array.from(Rng.stream(seed, context).sampleIndices(length, k));
  return picked.sort((a, b) => a - b);
}
