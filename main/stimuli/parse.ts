// Command-line stimulus specs ("mnist:500", "folder:./photos", "noise:white:2000") turned into stored
// StimulusSpecs. Everything implicit in the text (absolute path, count, seed, item shape) is resolved
// here and written into the spec, so the stored spec alone reproduces the stimuli.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidStimulusSpecError } from './errors';
import { MNIST_TOTAL } from './mnist';
import { recipeItemShape } from './preprocess';
import { applyPreset } from './recipe';
import { parseTextSpec } from './text-parse';
import { validateStimulusSpec } from './schema';
import type { MnistOrder, NoiseDistribution, PreprocessRecipe, StimulusSpec } from './types';

export const DEFAULT_NOISE_COUNT = 1000;
export const DEFAULT_NOISE_SEED = 0;

export interface ParseSpecOptions {
  /** Number of items: mnist defaults to every digit from `offset`, noise to 1000. A ':N' in the text wins. */
  count?: number;
  /** mnist only: first digit. */
  offset?: number;
  order?: MnistOrder;
  /** folder only; when absent, labels come from sub-folders iff the folder has sub-folders and no images of its own. */
  labelsFromSubfolders?: boolean;
  /** Relative folder paths are resolved against this (default: the process's working directory). */
  cwd?: string;
  /** A preset name ('cifar10' or 'preset:cifar10') applied to `recipe` for image stimuli. */
  preset?: string;
  /** noise only. */
  seed?: number;
  itemShape?: number[];
  mean?: number;
  std?: number;
  /** noise:sparse only. */
  density?: number;
}

const USAGE = 'use mnist, mnist:N, folder:PATH or noise:white[:N] (also noise:gaussian, noise:uniform, noise:binary, noise:sparse, noise:pink), or text:PATH[?field=F&tokenizer=T&context=L&stride=S&positions=K&seed=N]'; // text: room text (#13)
const NOISE_KINDS: Record<string, NoiseDistribution> = { white: 'gaussian', gaussian: 'gaussian', uniform: 'uniform', binary: 'binary', sparse: 'sparse', pink: 'pink' };
export const DEFAULT_SPARSE_DENSITY = 0.02;

function parseCount(text: string, whole: string): number {
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new InvalidStimulusSpecError(`The count in "${whole}" must be a positive whole number.`);
  return Number(text);
}

/** Sub-folders as classes is the likely intent exactly when the images all live in sub-folders. */
function guessLabels(path: string): boolean {
  try {
    const entries = readdirSync(path, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
    const hasOwnImages = entries.some((e) => e.isFile() && /\.(png|jpe?g)$/i.test(e.name));
    const hasSubfolders = entries.some((e) => e.isDirectory() || (e.isSymbolicLink() && statSync(join(path, e.name), { throwIfNoEntry: false })?.isDirectory()));
    return hasSubfolders && !hasOwnImages;
  } catch {
    return false; // a missing folder is reported when the source is opened
  }
}

/**
 * `recipe` may be null for a model input that is not an image (issue #8): noise then needs `itemShape`, and image
 * stimuli are refused with `noRecipe`, the sentence that says why the input is not an image.
 */
export function parseStimulusSpec(text: string, recipe: PreprocessRecipe | null, opts: ParseSpecOptions & { noRecipe?: Error } = {}): StimulusSpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const head = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : trimmed.slice(colon + 1);
  const needRecipe = (): PreprocessRecipe => {
    if (recipe === null) throw opts.noRecipe ?? new InvalidStimulusSpecError(`"${trimmed}" needs a preprocessing recipe, and the model input is not an image.`);
    return recipe;
  };
  const imageRecipe = head !== 'mnist' && head !== 'folder' ? null : opts.preset === undefined ? needRecipe() : applyPreset(needRecipe(), opts.preset);

  let spec: StimulusSpec;
  if (head === 'mnist') {
    const offset = opts.offset ?? 0;
    const count = rest !== '' ? parseCount(rest, trimmed) : (opts.count ?? MNIST_TOTAL - offset);
    if (offset + count > MNIST_TOTAL) {
      throw new InvalidStimulusSpecError(`MNIST has ${MNIST_TOTAL} digits, so ${count} digits from offset ${offset} do not fit.`);
    }
    spec = { kind: 'mnist', offset, count, order: opts.order ?? 'interleaved', recipe: imageRecipe! };
  } else if (head === 'folder') {
    if (rest === '') throw new InvalidStimulusSpecError(`"${trimmed}" names no folder; write folder:PATH.`);
    const path = resolve(opts.cwd ?? process.cwd(), rest);
    spec = { kind: 'folder', path, labelsFromSubfolders: opts.labelsFromSubfolders ?? guessLabels(path), recipe: imageRecipe! };
  } else if (head === 'noise') {
    const [kindText = 'white', countText, ...extra] = rest === '' ? [] : rest.split(':');
    const distribution = NOISE_KINDS[kindText.toLowerCase()];
    if (distribution === undefined || extra.length > 0) throw new InvalidStimulusSpecError(`Unknown noise spec "${trimmed}"; ${USAGE}.`);
    spec = {
      kind: 'noise',
      distribution,
      count: countText !== undefined ? parseCount(countText, trimmed) : (opts.count ?? DEFAULT_NOISE_COUNT),
      itemShape: opts.itemShape ?? recipeItemShape(needRecipe()),
      seed: opts.seed ?? DEFAULT_NOISE_SEED,
      mean: opts.mean ?? 0,
      std: opts.std ?? 1,
      ...(distribution === 'sparse' ? { density: opts.density ?? DEFAULT_SPARSE_DENSITY } : {}),
    };
  } else if (head === 'text') {
    spec = parseTextSpec(rest, trimmed, opts.cwd ?? process.cwd(), opts.seed); // room: text (#13)
  } else {
    throw new InvalidStimulusSpecError(`Unknown stimulus spec "${trimmed}"; ${USAGE}.`);
  }
  return validateStimulusSpec(spec);
}
