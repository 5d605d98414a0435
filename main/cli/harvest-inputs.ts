// `cajal harvest` for models whose inputs are not one image (room: i8, issue #8): noise of any item shape
// (`--item-shape 16000`, `--item-shape 2,64`) and a value for every other input (`--input sr=16000 --input h=zeros`).
// Everything here is checked before the project file is opened, so a refusal writes nothing.
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors';
import { planFeeds, type ModelInputInfo } from '../harvest/feeds';
import { openStimulusSource } from '../stimuli/open';
import { parseStimulusSpec } from '../stimuli/parse';
import { defaultRecipeForInput } from '../stimuli/recipe';
import type { PreprocessRecipe, StimulusSpec } from '../stimuli/types';

export const harvestInputOptions: NonNullable<ParseArgsConfig['options']> = {
  input: { type: 'string', multiple: true },
  'item-shape': { type: 'string' },
};

export const harvestInputUsage = `  --item-shape D[,D…]           noise stimuli: the shape of one item without the batch (e.g. 16000, or 2,64)
  --input NAME=VALUE            a value for every model input besides the stimuli: zeros, a number, true/false
                                (repeatable; e.g. --input sr=16000 --input h=zeros)`;

/** `--input NAME=VALUE` flags as a map; a flag without '=' or a name given twice is refused. */
export function parseInputFlags(flags: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) throw new UserError('cli.usage', `--input takes NAME=VALUE (e.g. --input sr=16000 or --input h=zeros), not ${flag}.`);
    const name = flag.slice(0, eq).trim();
    if (Object.hasOwn(values, name)) throw new UserError('cli.usage', `--input ${name} is given twice.`);
    values[name] = flag.slice(eq + 1).trim();
  }
  return values;
}

/** '16000', '2,64', '1x28x28' as dims. */
export function parseItemShape(text: string): number[] {
  const dims = text.split(/[\s,x×]+/).filter(Boolean).map(Number);
  if (dims.length === 0 || dims.length > 4 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UserError('cli.usage', `--item-shape takes one to four positive whole numbers separated by commas (e.g. 16000 or 2,64), not ${text}.`);
  }
  return dims;
}

const known = (d: number | string): d is number => typeof d === 'number' && d > 0;

/**
 * The stimulus spec and the other inputs' values of a harvest, checked against the model's inputs: the stimuli
 * must fit the input they go into, and every other input needs a value (one sentence naming those without).
 */
export async function harvestFeedsFromFlags(
  inputs: readonly ModelInputInfo[],
  v: Record<string, unknown>,
  buildRecipe: (base: PreprocessRecipe) => PreprocessRecipe,
): Promise<{ spec: StimulusSpec; inputValues: Record<string, string> }> {
  const inputValues = parseInputFlags((v.input as string[] | undefined) ?? []);
  const itemShapeFlag = typeof v['item-shape'] === 'string' ? parseItemShape(v['item-shape']) : undefined;
  const stimulus = inputs.find((i) => !Object.hasOwn(inputValues, i.name)) ?? inputs[0]!;
  const declared = stimulus.shape ?? [];
  let recipe: PreprocessRecipe | null = null;
  let noRecipe: Error | undefined;
  try {
    recipe = buildRecipe(defaultRecipeForInput(declared, stimulus.dtype ?? 'float32', stimulus.name));
  } catch (err) {
    // Not an image: only noise can feed it, with the item shape the input declares or --item-shape gives.
    noRecipe = err as Error;
  }
  const free = declared.slice(1).filter((d) => !known(d));
  if (recipe === null && itemShapeFlag === undefined && free.length > 0 && /^\s*noise/i.test(String(v.stimuli))) {
    throw new UserError(
      'cli.usage',
      `The model input ${stimulus.name} has shape [${declared.join(',')}] with free dim${free.length > 1 ? 's' : ''} ${free.join(', ')}, so noise needs the shape of one item; give it with --item-shape (e.g. --item-shape ${declared.slice(1).map((d) => (known(d) ? d : 16000)).join(',')}).`,
    );
  }
  const spec = parseStimulusSpec(v.stimuli as string, recipe, {
    labelsFromSubfolders: v['labels-from-subfolders'] ? true : undefined,
    itemShape: itemShapeFlag ?? declared.slice(1).map((d) => (known(d) ? d : 1)),
    noRecipe,
  });
  // room: text (#13) — a text set feeds input_ids (+ mask, positions) itself; the model is checked by the text probe
  if (spec.kind === 'text') return { spec, inputValues };
  const source = await openStimulusSource(spec);
  planFeeds(inputs, source.itemShape, inputValues);
  return { spec, inputValues };
}
