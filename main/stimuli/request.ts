// A stimulus set as a caller asks for it: the bounds the API checks before anything is opened (the engine's own,
// stricter check of a stored spec is schema.ts).
// The API contract re-exports them (main/api/schemas/stimuli.ts), so the engine below it never imports the API.
import { z } from 'zod';

const nonEmpty = z.string().min(1).max(4096);

export const recipeSchema = z.object({
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  channels: z.union([z.literal(1), z.literal(3)]),
  channelOrder: z.enum(['RGB', 'BGR']),
  resize: z.enum(['center-crop', 'stretch']),
  scale: z.number().finite(),
  mean: z.array(z.number().finite()).min(1).max(3),
  std: z.array(z.number().finite().positive()).min(1).max(3),
  layout: z.enum(['NCHW', 'NHWC']),
});
export type Recipe = z.infer<typeof recipeSchema>;

export const stimulusSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('mnist'),
    offset: z.number().int().min(0).max(9999),
    count: z.number().int().min(1).max(10000),
    recipe: recipeSchema,
  }),
  z.object({
    kind: z.literal('folder'),
    path: nonEmpty,
    labelsFromSubfolders: z.boolean(),
    recipe: recipeSchema,
    // #14: image decoder (1 jpeg-js/pngjs, 2 libjpeg-turbo/libpng); absent: an identical stored v1 set if any, else 2
    decoder: z.union([z.literal(1), z.literal(2)]).optional(),
  }),
  z.object({
    kind: z.literal('noise'),
    distribution: z.enum(['gaussian', 'uniform', 'binary', 'sparse', 'pink']), // sparse, pink: receptive-field mapping (#11)
    count: z.number().int().min(1).max(10_000_000),
    itemShape: z.array(z.number().int().positive()).min(1).max(4),
    seed: z.number().int(),
    mean: z.number().finite(),
    std: z.number().finite().positive(),
    density: z.number().gt(0).max(1).optional(), // sparse noise (#11)
    // #14: gaussian/pink noise generator (1 Box–Muller, 2 ziggurat); absent: an identical stored v1 set if any, else 2
    generator: z.union([z.literal(1), z.literal(2)]).optional(),
  }),
  // room: text (#13) — documents cut into contexts of token ids
  z.object({
    kind: z.literal('text'),
    path: nonEmpty,
    field: z.string().min(1).max(200).optional(),
    tokenizer: nonEmpty,
    contextLength: z.number().int().min(1).max(65536),
    stride: z.number().int().min(1).max(65536),
    positionsPerContext: z.number().int().min(1).max(65536),
    seed: z.number().int(),
  }),
]);
export type StimulusSpecInput = z.infer<typeof stimulusSpecSchema>;
