// `--noise-generator 1|2` (#14) for the commands that make noise sets (`cajal harvest`, `cajal revcorr --stimuli`):
// which normal generator draws white noise and pink noise's white source, so that a user can make again a set made
// by a version before generator 2. Without the flag the request names no generator and the app's rule holds
// (stimuli/noise-generator.ts): a new set gets generator 2, and a project's generator-1 set of the same noise is found.
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors';
import { CURRENT_NOISE_GENERATOR } from '../stimuli/noise-generator';
import { drawsNormals } from '../stimuli/schema';
import type { NoiseSpec, StimulusSpec } from '../stimuli/types';

export const noiseGeneratorOptions = { 'noise-generator': { type: 'string' } } satisfies NonNullable<ParseArgsConfig['options']>;

/** The flag's lines of a command's --help, its description starting at column `column` as the command's others do. */
export function noiseGeneratorUsage(column: number): string {
  const flag = '  --noise-generator 1|2';
  const indent = ' '.repeat(column);
  return `${flag.padEnd(column - 3)}   white and pink noise: the normal generator, 1 (Box–Muller, as before generator 2) or
${indent}2 (ziggurat); default: ${CURRENT_NOISE_GENERATOR} for a new set, or the project's generator-1 set of the same noise`;
}

/** What `stimuli.create` is sent: a spec, or noise naming generator 1 (which a stored spec never names). */
export type NoiseGeneratorRequest = StimulusSpec | (Omit<NoiseSpec, 'generator'> & { generator: 1 | 2 });

/** The flag's generator, or undefined without the flag; any other value is refused before a project is opened. */
export function noiseGeneratorFromFlag(v: Record<string, unknown>): 1 | 2 | undefined {
  const text = v['noise-generator'];
  if (text === undefined) return undefined;
  if (text !== '1' && text !== '2') throw new UserError('cli.usage', `--noise-generator takes 1 (Box–Muller) or 2 (ziggurat), not ${String(text)}.`);
  return text === '1' ? 1 : 2;
}

/** The spec with the flag's generator; the flag with stimuli other than white or pink noise is refused. */
export function withNoiseGenerator(spec: StimulusSpec, generator: 1 | 2 | undefined, stimuli: string): NoiseGeneratorRequest {
  if (generator === undefined) return spec;
  if (spec.kind !== 'noise' || !drawsNormals(spec.distribution)) throw new UserError('cli.usage', `--noise-generator applies to white and pink noise, not ${stimuli}.`);
  return { ...spec, generator };
}
