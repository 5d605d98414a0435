// API of the stimuli room: stimulus sets (MNIST digits, image folders, seeded noise) and the recipe that turns
// each item into a model input.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id } from './common';
import { stimulusSpecSchema } from '../../stimuli/request';
import type { StimulusSetInfo } from '../../store/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export { recipeSchema, stimulusSpecSchema } from '../../stimuli/request';
export type { Recipe, StimulusSpecInput } from '../../stimuli/request';
export type { StimulusSetInfo } from '../../store/types';

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
