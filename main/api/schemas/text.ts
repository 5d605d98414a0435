// API of the text room (#13 item 4): a feature's top contexts with the feature's activation at every token, for the
// token-context browser in the feature card (as Neuronpedia shows them), and the tokens that most often activate it.
import { z } from 'zod';

const id = z.number().int().positive();

export const textMethods = {
  'text.contexts': z
    .object({ basisId: id, feature: z.number().int().min(0), k: z.number().int().min(1).max(50).default(8) })
    .strict(),
} as const;

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

export interface TextResults {
  'text.contexts': TextContexts;
}
