// Validation of stored or user-supplied specs. Stored specs come back from JSON, so every field is checked
// here rather than trusted, and each failure becomes one sentence naming the field.
import { z } from 'zod';
import { InvalidStimulusSpecError } from './errors';
import type { PreprocessRecipe, StimulusSpec } from './types';
import { textSpecSchema } from '../text/schema';

const MAX_SIDE = 8192;
/** Large enough for any real input; small enough that one item still fits comfortably in memory. */
const MAX_ITEM_ELEMENTS = 1 << 26;

const positiveInt = z.number().int().positive();
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const recipeSchema = z
  .object({
    width: positiveInt.max(MAX_SIDE),
    height: positiveInt.max(MAX_SIDE),
    channels: z.union([z.literal(1), z.literal(3)]),
    channelOrder: z.enum(['RGB', 'BGR']),
    resize: z.enum(['center-crop', 'stretch']),
    scale: finite,
    mean: z.array(finite),
    std: z.array(finite.refine((v) => v !== 0, 'must not be zero')),
    layout: z.enum(['NCHW', 'NHWC']),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const key of ['mean', 'std'] as const) {
      if (r[key].length !== r.channels) {
        ctx.addIssue({ code: 'custom', path: [key], message: `needs ${r.channels} value(s), one per channel, got ${r[key].length}` });
      }
    }
  });

const mnistSchema = z
  .object({
    kind: z.literal('mnist'),
    offset: z.number().int().nonnegative(),
    count: positiveInt,
    order: z.enum(['interleaved', 'by-class']).optional(),
    recipe: recipeSchema,
  })
  .strict();

const folderSchema = z
  .object({
    kind: z.literal('folder'),
    path: z.string().min(1),
    labelsFromSubfolders: z.boolean(),
    recipe: recipeSchema,
    decoder: z.literal(2).optional(), // #14: image decoder 2 (libjpeg-turbo, libpng); absent is decoder 1
  })
  .strict();

const noiseSchema = z
  .object({
    kind: z.literal('noise'),
    distribution: z.enum(['gaussian', 'uniform', 'binary', 'sparse', 'pink']),
    count: positiveInt,
    itemShape: z
      .array(positiveInt)
      .min(1)
      .refine((s) => s.reduce((a, b) => a * b, 1) <= MAX_ITEM_ELEMENTS, `must have at most ${MAX_ITEM_ELEMENTS} elements`),
    seed: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
    mean: finite,
    std: finite.refine((v) => v >= 0, 'must not be negative'),
    density: z.number().gt(0).max(1).optional(),
    generator: z.literal(2).optional(), // #14: noise generator 2 (ziggurat) for gaussian and pink; absent is generator 1
  })
  .strict();

export const stimulusSpecSchema = z.discriminatedUnion('kind', [mnistSchema, folderSchema, noiseSchema, textSpecSchema /* room: text (#13) */]);

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? ` at \`${issue.path.join('.')}\`` : '';
  const what = issue.message.replace(/[.\s]+$/, '');
  return `${where}: ${what.charAt(0).toLowerCase()}${what.slice(1)}`;
}

/** The noise whose values are drawn from a normal generator (#14): gaussian, and pink's white source. */
export function drawsNormals(distribution: unknown): boolean {
  return distribution === 'gaussian' || distribution === 'pink';
}
/** The refusal of a generator for other noise, completed by the distribution's name. */
export const NOT_NORMAL = 'a normal generator applies to gaussian and pink noise only, not';

/** Parses an unknown value (e.g. JSON from the database) into a spec, or throws InvalidStimulusSpecError. */
export function validateStimulusSpec(value: unknown): StimulusSpec {
  const result = stimulusSpecSchema.safeParse(value);
  if (!result.success) throw new InvalidStimulusSpecError(`The stimulus spec is invalid${describe(result.error)}.`);
  if (result.data.kind === 'noise' && result.data.generator !== undefined && !drawsNormals(result.data.distribution)) {
    throw new InvalidStimulusSpecError(`The stimulus spec is invalid at \`generator\`: ${NOT_NORMAL} ${result.data.distribution}.`);
  }
  return result.data;
}

export function validateRecipe(value: unknown): PreprocessRecipe {
  const result = recipeSchema.safeParse(value);
  if (!result.success) throw new InvalidStimulusSpecError(`The preprocessing recipe is invalid${describe(result.error)}.`);
  return result.data;
}
