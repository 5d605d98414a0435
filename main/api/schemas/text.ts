// API of the text room (#13 item 4): a feature's top contexts with the feature's activation at every token, for the
// token-context browser in the feature card (as Neuronpedia shows them), and the tokens that most often activate it.
import { z } from 'zod';

const id = z.number().int().positive();

export const textMethods = {
  'text.contexts': z
    .object({ basisId: id, feature: z.number().int().min(0), k: z.number().int().min(1).max(50).default(8) })
    .strict(),
  // #13 item 4: the next tokens a feature raises and lowers when ablated or steered, over its top contexts.
  'text.effects': z
    .object({
      basisId: id,
      feature: z.number().int().min(0),
      /** Top contexts (distinct) run; the effects are averaged over the positions where the feature fires in them. */
      k: z.number().int().min(1).max(50).default(16),
      /** Steering strength in units of the feature's largest stored activation. */
      alpha: z.number().finite().min(-1000).max(1000).default(2),
      /** Raised and lowered tokens listed per edit. */
      top: z.number().int().min(1).max(50).default(10),
    })
    .strict(),
} as const;

// The payload's shape lives with the text room (main/text/types.ts), so lower rooms can name it without climbing to api/.
import type { TextContexts } from '../../text/types';
export type { TextContexts, TextContextView, TextToken } from '../../text/types';

// The output effects' payload lives with the lesion room that measures it (main/lesions/token-effects-types.ts).
import type { TextEffects } from '../../lesions/token-effects-types';
export type { EditEffects, TextEffects, TokenEffect } from '../../lesions/token-effects-types';

export interface TextResults {
  'text.contexts': TextContexts;
  'text.effects': TextEffects;
}
