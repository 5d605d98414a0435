// Which normal generator a newly requested noise set gets (#14): gaussian noise, and pink noise's white source.
// Noise values are stored-data contracts: a set's spec must regenerate exactly the values its harvests recorded, so
// a set made with generator 1 (Box–Muller) keeps it forever, and only sets created from now on get generator 2 (the
// ziggurat, util/ziggurat.ts). A request that names no generator and matches a project's stored generator-1 set in
// every other field is that set, so the same `cajal harvest` or `cajal revcorr` command line still resumes a
// harvest begun before generator 2 existed.
import { InvalidStimulusSpecError } from './errors';
import { NOT_NORMAL, drawsNormals, validateStimulusSpec } from './schema';
import type { NoiseSpec, StimulusSpec } from './types';

/** The generator new gaussian and pink noise sets get. */
export const CURRENT_NOISE_GENERATOR = 2;

/** A requested spec: noise may name generator 1 or 2 (the API's request schema, stimuli/request.ts). */
type Requested = { kind: string; generator?: number } & Record<string, unknown>;

/**
 * The spec to store for a request. Gaussian or pink noise naming no generator: the stored generator-1 spec when
 * `storedSet(v1Spec)` says the project has it, else generator 2. `generator: 1` is stored without the field, exactly
 * as specs were before generators were numbered; `generator: 2` as `generator: 2`. Other kinds pass unchanged.
 */
export function resolveNoiseGenerator(requested: Requested, storedSet: (v1Spec: StimulusSpec) => boolean): StimulusSpec {
  if (requested.kind !== 'noise') return validateStimulusSpec(requested);
  const { generator, ...rest } = requested;
  if (!drawsNormals(rest.distribution)) {
    if (generator !== undefined) throw new InvalidStimulusSpecError(`The stimulus spec is invalid at \`generator\`: ${NOT_NORMAL} ${String(rest.distribution)}.`);
    return validateStimulusSpec(rest);
  }
  if (generator !== undefined && generator !== 1 && generator !== 2) {
    throw new InvalidStimulusSpecError(`The stimulus spec is invalid at \`generator\`: noise generators are 1 (Box–Muller) and 2 (ziggurat), not ${String(generator)}.`);
  }
  const v1 = validateStimulusSpec(rest);
  if (generator === 1 || (generator === undefined && storedSet(v1))) return v1;
  return validateStimulusSpec({ ...(v1 as NoiseSpec), generator: CURRENT_NOISE_GENERATOR });
}
