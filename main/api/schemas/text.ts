// API of the text room (#13 item 4): a feature's top contexts with the feature's activation at every token, for the
// token-context browser in the feature card (as Neuronpedia shows them), and the tokens that most often activate it.
import { z } from 'zod';

const id = z.number().int().positive();

export const textMethods = {
  'text.contexts': z
    .object({ basisId: id, feature: z.number().int().min(0), k: z.number().int().min(1).max(50).default(8) })
    .strict(),
} as const;

// The payload's shape lives with the text room (main/text/types.ts), so lower rooms can name it without climbing to api/.
import type { TextContexts } from '../../text/types';
export type { TextContexts, TextContextView, TextToken } from '../../text/types';

export interface TextResults {
  'text.contexts': TextContexts;
}
