// A text harvest's row read back for display (issue #13): its stored metadata [context, token id, position, document]
// with the token's text from the set's tokenizer and the context's name from the stored set.
import type { RowMeta } from '../store/activations';
import type { TextTokenizer } from './tokenizer';

export interface TokenRowInfo {
  context: number;
  /** 'doc.txt @128': the document and the context's first token. */
  contextName: string | null;
  document: number;
  position: number;
  tokenId: number;
  tokenText: string;
}

export function tokenRowInfo(meta: RowMeta, tokenizer: TextTokenizer, contextNames: readonly (string | null)[]): TokenRowInfo {
  const tokenId = meta.label ?? -1;
  return {
    context: meta.stimulusIndex,
    contextName: contextNames[meta.stimulusIndex] ?? null,
    document: meta.posX ?? -1,
    position: meta.posY ?? -1,
    tokenId,
    tokenText: tokenId >= 0 ? tokenizer.tokenText(tokenId) : '',
  };
}
