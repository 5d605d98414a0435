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

// A feature's top contexts as the token-context browser and the report's cards show them (text.contexts, #13 item 4).
export interface TextToken {
  id: number;
  text: string;
  /** The feature's activation at this token (the model re-run on the context, the basis' encode). */
  activation: number;
}

export interface TextContextView {
  /** The top row this context is shown for. */
  row: number;
  context: number;
  /** 'doc.txt @128'. */
  contextName: string | null;
  /** Index in `tokens` of the row's token (the one marked). */
  position: number;
  /** The row's stored activation. */
  activation: number;
  tokens: TextToken[];
}

export interface TextContexts {
  basisId: number;
  feature: number;
  /** Largest |activation| over the shown tokens: the shading's full scale. */
  scale: number;
  contexts: TextContextView[];
  /** Tokens at the feature's stored top rows, most frequent first. */
  topTokens: { id: number; text: string; count: number }[];
}
