// What a text stimulus set is, as stored in the project: every number that decides which tokens become rows, so the
// stored spec alone rebuilds the same contexts and the same sampled positions (issue #13).

/**
 * Documents read from `path` (a text file, a folder of them, or a JSONL file whose `field` holds each document),
 * tokenised by `tokenizer` ('bytes': UTF-8, vocabulary 256; else the absolute path of a Hugging Face tokenizer.json),
 * cut into contexts of `contextLength` tokens that start every `stride` tokens, and `positionsPerContext` token
 * positions sampled in each context (all of them in a shorter context) with `seed`, so long documents are not
 * over-represented (Towards Monosemanticity sampled 250 per context).
 */
export interface TextSpec {
  kind: 'text';
  path: string;
  /** JSONL only: the field that holds the text. */
  field?: string;
  tokenizer: string;
  contextLength: number;
  stride: number;
  positionsPerContext: number;
  seed: number;
}

export interface TextDocument {
  /** Stable and human-readable: a path relative to the folder, or 'file.jsonl:12' for line 12. */
  name: string;
  text: string;
}

/** A window of one document's tokens. */
export interface TextContext {
  document: number;
  /** Index of the context's first token within its document. */
  start: number;
  length: number;
}

/** One harvested row: a sampled token position of a context. */
export interface TokenRow {
  context: number;
  document: number;
  /** Position of the token within its context (what the model sees as its sequence index). */
  position: number;
  tokenId: number;
  tokenText: string;
}
