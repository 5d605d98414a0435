// Which image decoder a newly requested folder set gets (#14). Decoded pixels are a stored-data contract: a set's spec
// must reproduce exactly the values its harvests recorded, so a folder set made with decoder 1 (pure-JS jpeg-js and
// pngjs, decode.ts) keeps it forever, and only sets created from now on get decoder 2 (libjpeg-turbo and libpng through
// sharp, decode-native.ts), whose JPEG pixels equal Pillow's. A request that names no decoder and matches a project's
// stored decoder-1 set in every other field is that set, so the same `cajal harvest` command line still resumes a
// harvest begun before decoder 2 existed. The same rule as noise generator 2 (noise-generator.ts).
import { resolve } from 'node:path';
import { InvalidStimulusSpecError } from './errors';
import { validateStimulusSpec } from './schema';
import type { FolderSpec, StimulusSpec } from './types';

/** The decoder new folder sets get. */
export const CURRENT_IMAGE_DECODER = 2;

/**
 * The spec to store for a resolved request. A folder spec naming no decoder: the stored decoder-1 spec when
 * `storedSet(v1Spec)` says the project has it, else decoder 2. `decoder: 1` is stored without the field, exactly as
 * specs were before decoders were numbered; `decoder: 2` as `decoder: 2`. Other kinds pass unchanged.
 */
export function resolveImageDecoder(requested: StimulusSpec | ({ kind: 'folder'; decoder?: number } & Record<string, unknown>), storedSet: (v1Spec: StimulusSpec) => boolean): StimulusSpec {
  if (requested.kind !== 'folder') return requested as StimulusSpec;
  const { decoder, ...rest } = requested as { decoder?: number } & Record<string, unknown>;
  if (decoder !== undefined && decoder !== 1 && decoder !== 2) {
    throw new InvalidStimulusSpecError(`The stimulus spec is invalid at \`decoder\`: image decoders are 1 (jpeg-js and pngjs) and 2 (libjpeg-turbo and libpng), not ${String(decoder)}.`);
  }
  // The folder source stores its path absolute; the lookup of a stored v1 set must compare the same way.
  const v1 = validateStimulusSpec(rest) as FolderSpec;
  v1.path = resolve(v1.path);
  if (decoder === 1 || (decoder === undefined && storedSet(v1))) return v1;
  return validateStimulusSpec({ ...v1, decoder: CURRENT_IMAGE_DECODER });
}
