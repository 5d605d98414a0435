// The stored text spec checked field by field (it comes back from JSON), each failure one sentence naming the field.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
/** Longer contexts than any laptop-scale model reads; keeps one batch of ids small. */
export const MAX_CONTEXT_LENGTH = 1 << 16;

export const textSpecSchema = z
  .object({
    kind: z.literal('text'),
    path: z.string().min(1).max(4096),
    field: z.string().min(1).max(200).optional(),
    tokenizer: z.string().min(1).max(4096),
    contextLength: positiveInt.max(MAX_CONTEXT_LENGTH),
    stride: positiveInt.max(MAX_CONTEXT_LENGTH),
    positionsPerContext: positiveInt.max(MAX_CONTEXT_LENGTH),
    seed: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
  })
  .strict();
// A stride beyond the context length (tokens never in any context) is refused where the contexts are cut (contexts.ts).
