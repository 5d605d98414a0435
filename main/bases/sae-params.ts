// The SAE family's parameters: their specs (what the fit form and the CLI show, with defaults and meanings) and their
// resolution against a harvest's width into the values a training run uses (sae.ts). One module per job: sae.ts trains.
import { matryoshkaDefaultLevels, type SaeKind } from './sae-graph';
import { JUMPRELU_SPEC, GATED_SPEC } from './sae-jumprelu-gated-spec'; // h12jg
import { numDefault, type BasisParamSpec, type BasisSpec } from './param-spec';
import { resolveTopkTraining, type TopkTraining } from './sae-topk-sparse'; // h18topk (#18 item 5)
import { trainingProviderName, type TrainingProvider } from '../train/provider'; // room: scale (#14 item 4)
import { rowNormOf, type RowNorm } from './row-norm'; // h12norm

export interface SaeParams {
  /** Number of latents m (default expansion × d). */
  nFeatures: number;
  steps: number;
  batchSize: number;
  lr: number;
  lrWarmupSteps: number;
  /** Fraction of the run at the end over which lr decays linearly to 0 (0 = constant). */
  lrDecayFraction: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** sae-l1 */
  l1Coefficient: number;
  l1WarmupSteps: number;
  resampleSteps: number[];
  resampleRows: number;
  /** sae-topk */
  k: number;
  kAux: number;
  auxCoefficient: number;
  /** sae-batchtopk: rate of the running threshold estimate kept while training (SAELens' topk_threshold_lr); h12def: encode's threshold is re-estimated at the end. */
  thresholdLr: number;
  /** sae-matryoshka: nested prefixes m/2^(levels−1), …, m/2, m, each reconstructing the input. */
  nestLevels: number;
  /** h12mat sae-matryoshka: each inner prefix's loss is weighted β^j, j levels inside the full dictionary (Chanin et al. 2025's balance). */
  nestLossDecay: number;
  /** h12jg sae-jumprelu: λ of the L0 penalty; the STE bandwidth ε and the initial θ, both in units of the inputs' mean norm. */
  l0Coefficient: number;
  bandwidth: number;
  initThreshold: number;
  /** Steps without activity after which a latent counts as dead (resampling, aux loss, deadFraction). */
  deadWindow: number;
  normalize: boolean;
  targetNorm: number;
  shuffleBufferRows: number;
  progressEvery: number;
  checkpointEvery: number;
  /** ORT intra-op threads (default: all cores). */
  threads: number | null;
  /** room: scale (#14 item 4) — the training graph's execution provider, recorded with the fit (default cpu). */
  provider: TrainingProvider;
  /**
   * h18topk — the training graph of the TopK family and JumpReLU: 'sparse' (on the selected or nonzero codes), 'dense',
   * or 'auto' (the TopK family by m/k, sae-topk-sparse.ts; JumpReLU per step by the codes' density, sae-jumprelu-sparse.ts).
   */
  topkTraining: TopkTraining;
  /**
   * h12norm — SAELens' run-time row normalisation of an imported SAE (row-norm.ts); absent for every SAE Cajal trains,
   * which keep one input scale (`normScale`).
   */
  rowNorm?: Exclude<RowNorm, 'none'>;
}

/**
 * The kinds that resample dead latents (Bricken et al.): sae-l1; sae-gated, as its paper trains; h12def: sae-jumprelu,
 * whose latents die when their threshold climbs past every code and which its paper leaves without a remedy (measured
 * on the planted dictionary at the defaults: 16 % dead by step 7,000 of 10,000 without it).
 */
export function resamples(kind: SaeKind): boolean {
  return kind === 'l1' || kind === 'gated' || kind === 'jumprelu';
}

export function resolveSaeParams(kind: SaeKind, raw: Record<string, unknown>, dim: number): SaeParams {
  const num = (key: string, dflt: number): number => {
    const v = raw[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`SAE parameter "${key}" must be a number, got ${JSON.stringify(v)}.`);
    return v;
  };
  const int = (key: string, dflt: number, min = 1): number => {
    const v = num(key, dflt);
    if (!Number.isInteger(v) || v < min) throw new Error(`SAE parameter "${key}" must be an integer ≥ ${min}, got ${v}.`);
    return v;
  };
  const spec = saeSpec(kind);
  const expansion = num('expansion', spec.params.find((p) => p.key === 'nFeatures')!.perDim!);
  const nFeatures = int('nFeatures', Math.max(1, Math.round(expansion * dim)));
  const steps = int('steps', numDefault(spec, 'steps'));
  const k = Math.min(int('k', numDefault(saeSpec('topk'), 'k')), nFeatures);
  const resampleRaw = raw.resampleSteps;
  const resampleSteps =
    Array.isArray(resampleRaw) && resampleRaw.every((s) => Number.isInteger(s) && s > 0)
      ? [...(resampleRaw as number[])].sort((a, b) => a - b)
      : resamples(kind) && steps >= 200 // h12jg: the Gated paper trains with this resampling too; h12def: JumpReLU
        ? [0.1, 0.2, 0.3, 0.4].map((f) => Math.round(f * steps))
        : [];
  const threads = raw.threads === undefined || raw.threads === null ? null : int('threads', 1);
  const nestLossDecay = num('nestLossDecay', numDefault(saeSpec('matryoshka'), 'nestLossDecay')); // h12mat
  if (nestLossDecay < 0 || nestLossDecay > 1) throw new Error(`SAE parameter "nestLossDecay" must be between 0 and 1, got ${nestLossDecay}.`);
  const rowNorm = rowNormOf(raw); // h12norm
  return {
    nFeatures,
    steps,
    batchSize: int('batchSize', numDefault(spec, 'batchSize')),
    lr: num('lr', numDefault(spec, 'lr')),
    lrWarmupSteps: int('lrWarmupSteps', Math.min(1000, Math.round(steps / 20)), 0),
    lrDecayFraction: num('lrDecayFraction', 0),
    beta1: num('beta1', 0.9),
    beta2: num('beta2', 0.999),
    eps: num('eps', 1e-8),
    l1Coefficient: num('l1Coefficient', numDefault(saeSpec(kind === 'gated' ? 'gated' : 'l1'), 'l1Coefficient')),
    l1WarmupSteps: int('l1WarmupSteps', Math.round(steps / 20), 0),
    resampleSteps,
    resampleRows: int('resampleRows', 8192),
    k,
    kAux: Math.min(int('kAux', Math.max(2 * k, Math.floor(dim / 2))), nFeatures),
    auxCoefficient: num('auxCoefficient', 1 / 32),
    thresholdLr: num('thresholdLr', 0.01),
    nestLevels: int('nestLevels', matryoshkaDefaultLevels(nFeatures, dim)), // h12gm: the smallest prefix about d latents (was 5: m/16 … m)
    nestLossDecay, // h12mat
    l0Coefficient: num('l0Coefficient', numDefault(saeSpec('jumprelu'), 'l0Coefficient')),
    bandwidth: num('bandwidth', numDefault(saeSpec('jumprelu'), 'bandwidth')),
    initThreshold: num('initThreshold', numDefault(saeSpec(kind === 'gated' ? 'gated' : 'jumprelu'), 'initThreshold')), // h12gm: Gated's gate threshold −b_gate
    deadWindow: int('deadWindow', Math.max(10, Math.round(steps / 20))),
    normalize: raw.normalize === undefined ? true : Boolean(raw.normalize),
    targetNorm: num('targetNorm', Math.sqrt(dim)),
    shuffleBufferRows: int('shuffleBufferRows', 0, 0),
    progressEvery: int('progressEvery', 50),
    checkpointEvery: int('checkpointEvery', 1000),
    threads,
    // room: scale — only the name is checked here: a basis trained on CUDA loads anywhere; training checks the provider
    provider: raw.provider === undefined || raw.provider === null ? 'cpu' : trainingProviderName(raw.provider),
    topkTraining: resolveTopkTraining(raw.topkTraining), // h18topk
    ...(rowNorm !== 'none' ? { rowNorm } : {}), // h12norm: only where an import set it, so trained SAEs' params are as before
  };
}

const SAE_COMMON: BasisParamSpec[] = [
  { key: 'nFeatures', kind: 'int', default: null, perDim: 8, min: 1, meaning: 'Number of latents, the dictionary size (default 8·d; or give expansion)' },
  { key: 'steps', kind: 'int', default: 10000, min: 1, meaning: 'Optimiser steps (one mini-batch each)' },
  { key: 'batchSize', kind: 'int', default: 1024, min: 1, meaning: 'Rows per optimiser step' },
  { key: 'lr', kind: 'number', default: 1e-3, min: 0, meaning: 'Adam learning rate (warmed up over the first steps/20, at most 1,000)' },
];
const SAE_SPECS: Record<SaeKind, BasisSpec> = {
  l1: {
    params: [
      SAE_COMMON[0]!,
      { key: 'l1Coefficient', kind: 'number', default: 0.02, min: 0, meaning: 'L1 coefficient (inputs are scaled to mean norm √d): higher is sparser (lower L0), at some cost in reconstruction' },
      ...SAE_COMMON.slice(1),
    ],
    tags: { trained: true, sweep: 'l1Coefficient' },
  },
  topk: {
    params: [SAE_COMMON[0]!, { key: 'k', kind: 'int', default: 32, min: 1, meaning: 'Active latents per row (at most the number of latents)' }, ...SAE_COMMON.slice(1)],
    tags: { trained: true, sweep: 'k' },
  },
  // #12
  batchtopk: {
    params: [
      SAE_COMMON[0]!,
      { key: 'k', kind: 'int', default: 32, min: 1, meaning: 'Mean active latents per row: training keeps the k·B largest codes of each batch of B rows' },
      ...SAE_COMMON.slice(1),
      { key: 'thresholdLr', kind: 'number', default: 0.01, min: 0, max: 1, meaning: 'Rate of the running mean of the smallest kept code while training (what a checkpoint holds); encode applies the threshold re-estimated on the finished encoder' },
    ],
    tags: { trained: true, sweep: 'k' },
  },
  matryoshka: {
    params: [
      SAE_COMMON[0]!,
      { key: 'k', kind: 'int', default: 32, min: 1, meaning: 'Mean active latents per row (BatchTopK: the k·B largest codes of each batch of B rows)' },
      // h12gm: the default follows m/d (sae-graph.ts matryoshkaDefaultLevels says why), so the data decides it
      { key: 'nestLevels', kind: 'int', default: null, min: 1, meaning: 'Nested prefixes m/2^(levels−1), …, m/2, m, each trained to reconstruct the input (default: the smallest holds about d latents, log2(m/d) + 1 levels, at least 2; e.g. d, 2d, …, 8d at m = 8·d)' },
      // h12mat
      { key: 'nestLossDecay', kind: 'number', default: 0.25, min: 0, max: 1, meaning: 'Weight of the inner prefixes\' losses, β per level inward (β^j for the prefix j levels inside the full dictionary; 1 weighs every prefix equally, 0 trains plain BatchTopK)' },
      ...SAE_COMMON.slice(1),
      { key: 'thresholdLr', kind: 'number', default: 0.01, min: 0, max: 1, meaning: 'Rate of the running mean of the smallest kept code while training (what a checkpoint holds); encode applies the threshold re-estimated on the finished encoder' },
    ],
    tags: { trained: true, sweep: 'k' },
  },
  jumprelu: JUMPRELU_SPEC(SAE_COMMON), // h12jg
  gated: GATED_SPEC(SAE_COMMON), // h12jg
};

export function saeSpec(kind: SaeKind): BasisSpec {
  return SAE_SPECS[kind];
}
