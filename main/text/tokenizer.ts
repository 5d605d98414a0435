// Text to token ids and back: UTF-8 bytes (vocabulary 256, the lab's own model's) or a Hugging Face tokenizer.json
// through @huggingface/tokenizers (pure JS). The library guesses a model for an unknown `model.type`; the lab
// refuses instead, so a harvest never records ids from a tokenizer other than the one the file names.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { TextInputError } from './errors';

export interface TextTokenizer {
  /** 'bytes' or the tokenizer.json's file name. */
  readonly name: string;
  /** One more than the largest id the tokenizer can produce. */
  readonly vocabSize: number;
  encode(text: string): number[];
  /** The same ids as a typed array, where the tokenizer has them so (bytes: no boxed array of a number per byte). */
  encodeIds?(text: string): Int32Array;
  decode(ids: readonly number[]): string;
  /** How one token reads on its own: the byte's character, `<0x0A>` for a non-printing byte, or the vocabulary entry. */
  tokenText(id: number): string;
}

export const BYTE_TOKENIZER = 'bytes';
const SUPPORTED_MODELS = ['BPE', 'WordPiece', 'Unigram'];

const encoder = new TextEncoder();
const lenientDecoder = new TextDecoder('utf-8');

export const byteTokenizer: TextTokenizer = {
  name: BYTE_TOKENIZER,
  vocabSize: 256,
  encode: (text) => Array.from(encoder.encode(text)),
  encodeIds: (text) => Int32Array.from(encoder.encode(text)),
  decode: (ids) => lenientDecoder.decode(Uint8Array.from(ids)),
  tokenText: (id) => (id >= 0x20 && id < 0x7f ? String.fromCharCode(id) : `<0x${id.toString(16).toUpperCase().padStart(2, '0')}>`),
};

/** Loads a tokenizer.json (and a tokenizer_config.json beside it when the caller passes one). */
export function loadHfTokenizer(path: string, config: Record<string, unknown> = {}): TextTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as { code?: string }).code === 'ENOENT' ? 'it does not exist' : 'it is not JSON';
    throw new TextInputError('tokenizer', `The tokenizer ${path} cannot be read: ${why}.`);
  }
  const model = (json as { model?: { type?: unknown } } | null)?.model;
  const type = model?.type;
  if (typeof type !== 'string' || !SUPPORTED_MODELS.includes(type)) {
    throw new TextInputError(
      'tokenizer-model',
      `The tokenizer ${path} has model type ${typeof type === 'string' ? `"${type}"` : 'none'}, which Cajal cannot read; it reads ${SUPPORTED_MODELS.join(', ')}.`,
    );
  }
  const tok = new Tokenizer(json as object, config);
  let maxId = -1;
  for (const id of tok.get_vocab(true).values()) maxId = Math.max(maxId, id);
  return {
    name: basename(path),
    vocabSize: maxId + 1,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tok.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
    tokenText: (id) => tok.id_to_token(id) ?? `<${id}>`,
  };
}

export function openTokenizer(spec: string): TextTokenizer {
  return spec === BYTE_TOKENIZER ? byteTokenizer : loadHfTokenizer(spec);
}
