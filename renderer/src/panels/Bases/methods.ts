// The eight basis methods as the fit form shows them. Their parameters — names, kinds, defaults, ranges, meanings —
// and tags (trained, swept) are the engine's own (each factory's param spec, served by `bases.definitions`), in the
// engine's method order; only the label and the one line on what each method does are the UI's. Fields the user
// leaves at the engine's default are not sent, so a fit from this form stores exactly what a CLI fit with the same
// choices stores.
import { reactive } from 'vue';
import type { BasisMethodDefinition, BasisMethodName, BasisParamSpec } from '../../../../main/api/contract';
import { BASIS_METHODS } from '../../../../main/util/method-order';
import { call } from '../../api';

export type ParamValue = number | string | boolean;
export type ParamSpec = BasisParamSpec;

/** One logged training step (stored log or live job update). */
export interface LogPoint {
  step: number;
  metrics: Record<string, number>;
}

export interface MethodSpec {
  method: BasisMethodName;
  label: string;
  line: string;
  /** Gradient-trained: has training curves, checkpoints, pause/resume. */
  trained: boolean;
  /** The parameter a sweep varies (null: not swept). */
  sweep: string | null;
  params: ParamSpec[];
}

const TEXT: Record<BasisMethodName, { label: string; line: string }> = {
  neurons: { label: 'Neurons', line: 'The units themselves (identity basis): the baseline every decomposition is measured against.' },
  random: { label: 'Random', line: 'Seeded random unit directions: a null model — what any basis of this size gets for free.' },
  pca: { label: 'PCA', line: 'Principal components: orthogonal directions of largest variance, in decreasing order.' },
  ica: { label: 'ICA', line: 'FastICA: directions whose projections are as non-Gaussian, hence as independent, as possible.' },
  nmf: { label: 'NMF', line: 'Non-negative matrix factorisation: additive, parts-like features; needs activations ≥ 0 (after a ReLU).' },
  kmeans: {
    label: 'K-means',
    line: 'K-means centroids read out as directions (Klindt et al. 2023): a feature is the projection on its unit-length centroid. A row is reconstructed (for EV and MSE) as its nearest centroid, or with cosine as its projection on the best-aligned centroid direction.',
  },
  'sae-l1': { label: 'SAE · L1', line: 'Sparse autoencoder, ReLU latents with an L1 penalty (Bricken et al. 2023); dead latents resampled.' },
  'sae-topk': { label: 'SAE · TopK', line: 'Sparse autoencoder keeping the k largest latents per row (Gao et al. 2024): L0 fixed at k.' },
  'sae-batchtopk': { label: 'SAE · BatchTopK', line: 'Sparse autoencoder keeping the k·B largest latents of each training batch (Bussmann et al. 2024); encode applies one learned threshold, so L0 varies per row around k.' }, // #12
  'sae-jumprelu': { label: 'SAE · JumpReLU', line: 'Sparse autoencoder with a trained threshold per latent and an L0 penalty (Rajamanoharan et al. 2024, Gemma Scope\'s architecture): codes below the threshold are exactly 0.' }, // h12jg
  'sae-gated': { label: 'SAE · Gated', line: 'Sparse autoencoder whose gate path decides which latents fire and magnitude path how strongly (Rajamanoharan et al. 2024); L1 only on the gate.' }, // h12jg
  'sae-matryoshka': { label: 'SAE · Matryoshka', line: 'BatchTopK sparse autoencoder whose nested prefixes (m/16 … m latents) each reconstruct the input (Bussmann et al. 2025): early latents are coarse, general features.' }, // #12
  'sparse-coding': {
    label: 'Sparse coding',
    line: 'Dictionary learning (Olshausen & Field; scikit-learn MiniBatchDictionaryLearning): codes inferred per row by the lasso (FISTA) or OMP, not by an encoder.',
  },
  // tca (#15)
  tca: {
    label: 'TCA',
    line: 'Tensor component analysis (Williams et al. 2018): a CP decomposition of units × positions × stimuli; needs a harvest recorded at all positions. The unit factors are the directions.',
  },
};

/** Every method in the engine's order; parameters and tags fill in once `loadMethods` has the engine's answer. */
export const METHODS: MethodSpec[] = reactive(BASIS_METHODS.map((method) => ({ method, ...TEXT[method], trained: false, sweep: null, params: [] })));
export const METHOD_BY_NAME = Object.fromEntries(METHODS.map((m) => [m.method, m])) as Record<BasisMethodName, MethodSpec>;

let cache: Promise<BasisMethodDefinition[]> | null = null;
/** The engine's method definitions (asked once; asked again after a failure). */
export function definitions(): Promise<BasisMethodDefinition[]> {
  cache ??= call('bases.definitions', {}).catch((err: unknown) => {
    cache = null;
    throw err;
  });
  return cache;
}

/** Fills METHODS with the engine's parameter specs and tags. */
export async function loadMethods(): Promise<void> {
  for (const def of await definitions()) {
    const m = METHOD_BY_NAME[def.method];
    if (!m) continue;
    m.trained = def.trained;
    m.sweep = def.sweep;
    m.params = def.params;
  }
}

export function isTrained(method: string): boolean {
  return METHOD_BY_NAME[method as BasisMethodName]?.trained ?? false;
}

/** The engine's default for a harvest of `d` units; '' where the data decides it at fit time (the field stays empty). */
export function defaultValue(p: ParamSpec, d: number): ParamValue | '' {
  if (p.perDim !== undefined) return Math.max(1, Math.round(p.perDim * d));
  return p.default ?? '';
}

/**
 * Defaults for "Fit every method" on a harvest of `d` units (`live` of them with non-zero variance) and `trainRows`
 * training rows: deliberately not the engine's defaults but a quick survey — a complete basis for the linear methods
 * (ICA only over the live units, since it whitens), 4·d latents for the SAEs with 1,000 short steps.
 */
export function fitAllParams(method: BasisMethodName, d: number, trainRows: number, live = d): Record<string, ParamValue> {
  const spec = METHOD_BY_NAME[method];
  const p: Record<string, ParamValue> = {};
  for (const ps of spec.params) {
    const v = defaultValue(ps, d);
    if (v !== '') p[ps.key] = v;
  }
  if (spec.params.some((ps) => ps.key === 'nFeatures')) p.nFeatures = d;
  if (method === 'ica') p.nFeatures = Math.max(1, Math.min(d, live));
  if (method === 'kmeans') p.nFeatures = Math.max(1, Math.min(d, trainRows));
  if (method === 'tca') p.nFeatures = Math.min(d, 10); // tca (#15): a survey rank, not one component per unit
  if (spec.trained) {
    p.nFeatures = 4 * d;
    p.steps = 1000;
    p.batchSize = Math.max(16, Math.min(256, Math.floor(trainRows / 2)));
    if (method === 'sae-topk' || method === 'sae-batchtopk' || method === 'sae-matryoshka') p.k = Math.max(1, Math.min(32, Math.round(d / 4)));
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

/**
 * The form's fields as `bases.fit` params: only those that differ from the engine's default for this harvest (an
 * empty field whose default the data decides is left out too), or a sentence naming the field that cannot be read.
 */
export function changedParams(spec: MethodSpec, d: number, field: (key: string) => ParamValue): Record<string, ParamValue> | string {
  const params: Record<string, ParamValue> = {};
  for (const p of spec.params) {
    const raw = field(p.key);
    const dflt = defaultValue(p, d);
    if (dflt === '' && String(raw ?? '').trim() === '') continue;
    const v = parseParam(p, raw);
    if (typeof v === 'object') return v.error;
    if (v !== dflt) params[p.key] = v;
  }
  return params;
}
