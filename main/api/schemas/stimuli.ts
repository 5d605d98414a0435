// API of the stimuli room: stimulus sets (MNIST digits, image folders, seeded noise) and the recipe that turns
// each item into a model input.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id, nonEmpty } from './common';

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
  z.object({ kind: z.literal('folder'), path: nonEmpty, labelsFromSubfolders: z.boolean(), recipe: recipeSchema }),
  z.object({
    kind: z.literal('noise'),
    distribution: z.enum(['gaussian', 'uniform', 'binary']),
    count: z.number().int().min(1).max(10_000_000),
    itemShape: z.array(z.number().int().positive()).min(1).max(4),
    seed: z.number().int(),
    mean: z.number().finite(),
    std: z.number().finite().positive(),
  }),
]);
export type StimulusSpecInput = z.infer<typeof stimulusSpecSchema>;

export interface StimulusSetInfo {
  id: number;
  name: string;
  kind: 'mnist' | 'folder' | 'noise';
  count: number;
  itemShape: number[];
  labelNames: string[] | null;
  spec: StimulusSpecInput;
  createdAt: string;
}

export const stimuliMethods = {
  'stimuli.create': z.object({ spec: stimulusSpecSchema, name: z.string().max(200).optional() }).strict(),
  'stimuli.list': z.object({}).strict(),
  'stimuli.thumbnails': z
    .object({ setId: id, indices: z.array(z.number().int().min(0)).max(512) })
    .strict(),
} as const;

export interface StimuliResults {
  'stimuli.create': StimulusSetInfo;
  'stimuli.list': StimulusSetInfo[];
  'stimuli.thumbnails': { index: number; label: number | null; thumbnail: string }[];
}
