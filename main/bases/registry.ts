// The classical bases by method name (the sparse autoencoders register theirs in sae-registry.ts).
import { icaFactory } from './ica';
import { kmeansFactory } from './kmeans';
import { neuronsFactory } from './neurons';
import { nmfFactory } from './nmf';
import { pcaFactory } from './pca';
import { randomFactory } from './random';
import { sparseCodingFactory } from './sparse-coding';
import { tcaFactory } from '../tca/basis'; // tca (#15)
import type { BasisFactory } from './types';

export type ClassicalMethod = 'neurons' | 'random' | 'pca' | 'ica' | 'nmf' | 'kmeans' | 'sparse-coding' | 'tca';

export const classicalBases: Record<ClassicalMethod, BasisFactory> = {
  neurons: neuronsFactory,
  random: randomFactory,
  pca: pcaFactory,
  ica: icaFactory,
  nmf: nmfFactory,
  kmeans: kmeansFactory,
  'sparse-coding': sparseCodingFactory,
  tca: tcaFactory, // tca (#15)
};

export { BasisDataError, BasisParamError, BasisStateError } from './classical-common';
export { NegativeActivationsError } from './nmf';
