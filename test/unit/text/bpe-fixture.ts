// A tiny byte-level BPE tokenizer.json (GPT-2's layout: 256 byte symbols, then merges), written by the tests so the
// Hugging Face path is exercised on a real file without downloading one.
import { writeFileSync } from 'node:fs';

/** GPT-2's bytes_to_unicode: every byte gets a printable character. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const map: string[] = new Array<string>(256);
  for (const b of bs) map[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCharCode(256 + n++);
  return map;
}

export const MERGES = ['t h', 'Ġ th', 'e r', 'Ġth e'];
export const MERGED = ['th', 'Ġth', 'er', 'Ġthe'];

export function bpeTokenizerJson(modelType = 'BPE'): object {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((ch, id) => (vocab[ch] = id));
  MERGED.forEach((tok, i) => (vocab[tok] = 256 + i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: modelType, dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: MERGES },
  };
}

export function writeBpeTokenizer(path: string, modelType = 'BPE'): string {
  writeFileSync(path, JSON.stringify(bpeTokenizerJson(modelType)));
  return path;
}
