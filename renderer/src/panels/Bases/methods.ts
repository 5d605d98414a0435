// The eight basis methods as the fit form shows them: one line on what each does, and its parameters under the
// names the engine takes (they travel as-is in `bases.fit`'s flat `params` record; the engine checks them and
// answers a bad one in a sentence).
import type { BasisMethodName } from '../../../../main/api/contract';

export type ParamValue = number | string | boolean;

/** One logged training step (stored log or live job update). */
export interface LogPoint {
  step: number;
  metrics: Record<string, number>;
}

export interface ParamSpec {
  /** The engine's parameter name, sent verbatim. */
  key: string;
  kind: 'int' | 'number' | 'bool' | 'enum';
  /** What it means, for the field's tooltip. */
  hint: string;
  options?: readonly string[];
  /** Default for a harvest of `d` units. */
  dflt: (d: number) => ParamValue;
  step?: string;
}

export interface MethodSpec {
  method: BasisMethodName;
  label: string;
  line: string;
  /** Gradient-trained: has training curves, checkpoints, pause/resume. */
  trained: boolean;
  params: ParamSpec[];
}

const nFeatures = (hint: string, dflt: (d: number) => number): ParamSpec => ({ key: 'nFeatures', kind: 'int', hint, dflt });
const steps: ParamSpec = { key: 'steps', kind: 'int', hint: 'Optimiser steps (one mini-batch each)', dflt: () => 2000 };
const batchSize: ParamSpec = { key: 'batchSize', kind: 'int', hint: 'Rows per optimiser step', dflt: () => 256 };
const lr: ParamSpec = { key: 'lr', kind: 'number', hint: 'Adam learning rate', dflt: () => 0.001, step: 'any' };

export const METHODS: MethodSpec[] = [
  {
    method: 'neurons',
    label: 'Neurons',
    line: 'The units themselves (identity basis): the baseline every decomposition is measured against.',
    trained: false,
    params: [],
  },
  {
    method: 'random',
    label: 'Random',
    line: 'Seeded random unit directions: a null model — what any basis of this size gets for free.',
    trained: false,
    params: [nFeatures('Number of random directions', (d) => d)],
  },
  {
    method: 'pca',
    label: 'PCA',
    line: 'Principal components: orthogonal directions of largest variance, in decreasing order.',
    trained: false,
    params: [
      nFeatures('Number of principal components (≤ d)', (d) => d),
      { key: 'whiten', kind: 'bool', hint: 'Scale components to unit variance', dflt: () => false },
      { key: 'solver', kind: 'enum', options: ['full', 'randomized'], hint: 'Exact eigendecomposition or randomized SVD', dflt: () => 'full' },
    ],
  },
  {
    method: 'ica',
    label: 'ICA',
    line: 'FastICA: directions whose projections are as non-Gaussian, hence as independent, as possible.',
    trained: false,
    params: [
      nFeatures('Number of independent components (≤ d)', (d) => d),
      { key: 'fun', kind: 'enum', options: ['logcosh', 'cube'], hint: 'Contrast function (non-Gaussianity measure)', dflt: () => 'logcosh' },
      { key: 'algorithm', kind: 'enum', options: ['parallel', 'deflation'], hint: 'All components at once, or one after another', dflt: () => 'parallel' },
      { key: 'maxIter', kind: 'int', hint: 'Maximum fixed-point iterations', dflt: () => 200 },
      { key: 'tol', kind: 'number', hint: 'Convergence tolerance', dflt: () => 0.0001, step: 'any' },
    ],
  },
  {
    method: 'nmf',
    label: 'NMF',
    line: 'Non-negative matrix factorisation: additive, parts-like features; needs activations ≥ 0 (after a ReLU).',
    trained: false,
    params: [
      nFeatures('Number of non-negative components', (d) => d),
      { key: 'solver', kind: 'enum', options: ['hals', 'mu'], hint: 'Hierarchical ALS or multiplicative updates', dflt: () => 'hals' },
      { key: 'maxIter', kind: 'int', hint: 'Maximum iterations', dflt: () => 200 },
    ],
  },
  {
    method: 'kmeans',
    label: 'K-means',
    line: 'K-means centroids read out as directions (Klindt et al. 2023): a feature is the projection on its unit-length centroid. A row is reconstructed (for EV and MSE) as its nearest centroid, or with cosine as its projection on the best-aligned centroid direction.',
    trained: false,
    params: [
      nFeatures('Number of clusters (≤ training rows); the engine also takes nClusters', (d) => d),
      { key: 'cosine', kind: 'bool', hint: 'Cluster directions (spherical k-means) rather than points', dflt: () => false },
      { key: 'algorithm', kind: 'enum', options: ['minibatch', 'lloyd'], hint: 'Mini-batch updates (streamed) or full Lloyd iterations', dflt: () => 'minibatch' },
      { key: 'batchSize', kind: 'int', hint: 'Rows per mini-batch', dflt: () => 1024 },
    ],
  },
  {
    method: 'sae-l1',
    label: 'SAE · L1',
    line: 'Sparse autoencoder, ReLU latents with an L1 penalty (Bricken et al. 2023); dead latents resampled.',
    trained: true,
    params: [
      nFeatures('Number of latents (dictionary size)', (d) => 4 * d),
      {
        key: 'l1Coefficient',
        kind: 'number',
        hint: 'L1 coefficient (inputs are scaled to mean norm √d): higher is sparser (lower L0), at some cost in reconstruction',
        dflt: () => 0.02,
        step: 'any',
      },
      steps,
      batchSize,
      lr,
    ],
  },
  {
    method: 'sae-topk',
    label: 'SAE · TopK',
    line: 'Sparse autoencoder keeping the k largest latents per row (Gao et al. 2024): L0 fixed at k.',
    trained: true,
    params: [
      nFeatures('Number of latents (dictionary size)', (d) => 4 * d),
      { key: 'k', kind: 'int', hint: 'Active latents per row', dflt: (d) => Math.max(1, Math.min(32, Math.round(d / 4))) },
      steps,
      batchSize,
      lr,
    ],
  },
];

export const METHOD_BY_NAME = Object.fromEntries(METHODS.map((m) => [m.method, m])) as Record<BasisMethodName, MethodSpec>;

export function isTrained(method: string): boolean {
  return method === 'sae-l1' || method === 'sae-topk';
}

/** The parameter a sweep varies. */
export function sweepKey(method: 'sae-l1' | 'sae-topk'): 'l1Coefficient' | 'k' {
  return method === 'sae-l1' ? 'l1Coefficient' : 'k';
}

/**
 * Defaults for "Fit all eight" on a harvest of `d` units (`live` of them with non-zero variance) and `trainRows`
 * training rows: a complete basis for the linear methods (ICA only over the live units, since it whitens), 4·d
 * latents for the SAEs with modest training.
 */
export function fitAllParams(method: BasisMethodName, d: number, trainRows: number, live = d): Record<string, ParamValue> {
  const spec = METHOD_BY_NAME[method];
  const p: Record<string, ParamValue> = {};
  for (const ps of spec.params) p[ps.key] = ps.dflt(d);
  if (method === 'ica') p.nFeatures = Math.max(1, Math.min(d, live));
  if (method === 'kmeans') p.nFeatures = Math.max(1, Math.min(d, trainRows));
  if (spec.trained) {
    p.steps = 1000;
    p.batchSize = Math.max(16, Math.min(256, Math.floor(trainRows / 2)));
  }
  return p;
}

/** Parse one form field into the value sent to the engine; a sentence when it cannot be read. */
export function parseParam(spec: ParamSpec, raw: ParamValue): ParamValue | { error: string } {
  if (spec.kind === 'bool') return Boolean(raw);
  if (spec.kind === 'enum') return String(raw);
  const s = String(raw).trim();
  const v = Number(s);
  if (!s || !Number.isFinite(v)) return { error: `${spec.key} must be a number.` };
  if (spec.kind === 'int' && !Number.isInteger(v)) return { error: `${spec.key} must be a whole number.` };
  return v;
}
