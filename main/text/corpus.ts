// A text stimulus set opened: documents tokenised once, cut into contexts, positions sampled. Item i of the set is
// context i (its token ids, padded to the context length); the rows a harvest records are the sampled positions,
// each with its document, position, token id and token text.
import { createHash } from 'node:crypto';
import { readDocuments } from './documents';
import { TextInputError } from './errors';
import { cutContexts, samplePositions } from './contexts';
import { openTokenizer, type TextTokenizer } from './tokenizer';
import type { TextContext, TextDocument, TextSpec, TokenRow } from './types';

/** Token id written after a short context's last token; an attention mask marks it, and no row is sampled there. */
export const PAD_ID = 0;

export interface TextCorpus {
  readonly spec: TextSpec;
  readonly tokenizer: TextTokenizer;
  readonly documents: readonly TextDocument[];
  readonly tokens: readonly Int32Array[];
  readonly contexts: readonly TextContext[];
  /** Sampled positions of each context, ascending. */
  readonly positions: readonly number[][];
  /** Hash of the documents' names and token ids, so a stored set can tell its source changed. */
  readonly fingerprint: string;
  /** Token ids of contexts start..start+count−1, [count, contextLength], padded with PAD_ID. */
  ids(start: number, count: number): Int32Array;
  /** 1 for a real token, 0 for padding, same layout as ids(). */
  mask(start: number, count: number): Int32Array;
  /** The sampled rows of contexts start..start+count−1, in order. */
  rows(start: number, count: number): TokenRow[];
  /** The context's tokens as text, for display. */
  contextText(index: number): string;
}

export function openTextCorpus(spec: TextSpec): TextCorpus {
  if (spec.stride > spec.contextLength) {
    throw new TextInputError('stride', `The stride ${spec.stride} exceeds the context length ${spec.contextLength}, so some tokens would be in no context.`);
  }
  const tokenizer = openTokenizer(spec.tokenizer);
  const documents = readDocuments(spec.path, spec.field);
  const tokens = documents.map((d) => (tokenizer.encodeIds ? tokenizer.encodeIds(d.text) : Int32Array.from(tokenizer.encode(d.text))));
  const contexts = cutContexts(tokens.map((t) => t.length), spec.contextLength, spec.stride);
  if (contexts.length === 0) throw new TextInputError('empty', `${spec.path} gives no tokens.`);
  const positions = contexts.map((c, i) => samplePositions(c.length, spec.positionsPerContext, spec.seed, i));
  const hash = createHash('sha256').update(tokenizer.name);
  documents.forEach((d, i) => hash.update(`\0${d.name}\0`).update(new Uint8Array(tokens[i]!.buffer)));
  const L = spec.contextLength;

  const check = (start: number, count: number) => {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > contexts.length) {
      throw new RangeError(`contexts ${start}..${start + count - 1} are outside 0..${contexts.length - 1}`);
    }
  };
  return {
    spec,
    tokenizer,
    documents,
    tokens,
    contexts,
    positions,
    fingerprint: hash.digest('hex'),
    ids(start, count) {
      check(start, count);
      const out = new Int32Array(count * L).fill(PAD_ID);
      for (let i = 0; i < count; i++) {
        const c = contexts[start + i]!;
        out.set(tokens[c.document]!.subarray(c.start, c.start + c.length), i * L);
      }
      return out;
    },
    mask(start, count) {
      check(start, count);
      const out = new Int32Array(count * L);
      for (let i = 0; i < count; i++) out.fill(1, i * L, i * L + contexts[start + i]!.length);
      return out;
    },
    rows(start, count) {
      check(start, count);
      const out: TokenRow[] = [];
      for (let i = start; i < start + count; i++) {
        const c = contexts[i]!;
        const doc = tokens[c.document]!;
        for (const position of positions[i]!) {
          const tokenId = doc[c.start + position]!;
          out.push({ context: i, document: c.document, position, tokenId, tokenText: tokenizer.tokenText(tokenId) });
        }
      }
      return out;
    },
    contextText(index) {
      const c = contexts[index]!;
      return tokenizer.decode(Array.from(tokens[c.document]!.subarray(c.start, c.start + c.length)));
    },
  };
}
