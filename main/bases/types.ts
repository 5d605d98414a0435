// One Basis interface for every decomposition, after scikit-learn's estimator contract: construct with parameters,
// `fit` from a stream of activation chunks, `encode` rows into feature activations, `decode` codes back into
// activation space (a reconstruction, for the quality metrics), `directions` as unit vectors in activation space,
// and `state`/`load` for the project file.
import { BASIS_METHODS, type BasisMethodName } from '../util/method-order';
import type { BasisParamSpec, BasisSpec } from './param-spec';
import type { RowFrame } from './row-norm';

/** The methods, in the order the app and reports show them: one list (util/method-order.ts) for engine, API and UI. */
export type BasisMethod = BasisMethodName;
export { BASIS_METHODS };

/** A block of consecutive activation rows, row-major float32 (rowCount × dim). */
export interface RowBlock {
  data: Float32Array;
  rowCount: number;
}

/**
 * Activation rows that may not fit in memory. `blocks()` can be called again for another pass (PCA needs one,
 * FastICA and k-means several, SAE training one per epoch); each pass yields the same rows in the same order.
 */
export interface ActivationStream {
  readonly rows: number;
  readonly dim: number;
  /**
   * Consecutive rows that belong to one stimulus (the positions of a harvest recorded at all positions), where the
   * stream keeps whole stimuli in order; absent or 1 otherwise. TCA reads its tensor's position axis from it.
   */
  readonly rowsPerItem?: number;
  blocks(): AsyncIterable<RowBlock>;
}

export interface FitProgress {
  /** 0..1 */
  fraction: number;
  message?: string;
  /** Work done so far and in total (steps, passes) for rate and ETA. */
  done?: number;
  total?: number;
  unit?: string;
  /** Live curves for the UI: small objects, e.g. { step, loss, l0, dead, explainedVariance }. */
  live?: Record<string, number>;
}

/** A named tensor of a basis' state, float32 row-major. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export type BasisState = Record<string, NamedTensor>;

export interface FitContext {
  progress(p: FitProgress): void;
  /** Throws when the user cancelled; call between units of work. */
  throwIfCancelled(): void;
  /**
   * Training checkpoints (gradient-trained methods): `save` stores the full resumable state (weights, optimizer
   * moments, step, RNG state) in the project file; `load` returns the last saved one, or null on a fresh run.
   */
  checkpoint?: {
    save(step: number, state: BasisState, extra: Record<string, unknown>): void;
    load(): { step: number; state: BasisState; extra: Record<string, unknown> } | null;
  };
}

export interface Basis {
  readonly method: BasisMethod;
  /** Every parameter that affects the fit, as plain JSON (stored for provenance). */
  readonly params: Record<string, unknown>;
  readonly seed: number;
  /** Input dimension d and number of features m (after fit). */
  readonly dim: number;
  readonly nFeatures: number;
  fit(stream: ActivationStream, ctx: FitContext): Promise<void>;
  /** rows × d -> rows × m feature activations. */
  encode(x: Float32Array, rows: number): Promise<Float32Array>;
  /**
   * rows × m -> rows × d reconstruction from the codes alone. Every method has one today (K-means: the nearest
   * centroid, or with cosine the projection on the best-aligned centroid direction); a basis without one gets
   * null reconstruction metrics (MSE, explained variance, cosine) in quality.ts.
   */
  decode?(f: Float32Array, rows: number): Promise<Float32Array>;
  /**
   * An SAE imported with SAELens' run-time row normalisation (row-norm.ts) decodes into a normalised frame: the rows'
   * own scale and shift take it back, x̂_r = scale_r · decode(f_r) + shift_r. Null (or absent) for every other basis;
   * decodeRows (frame.ts) is how readers reconstruct rows.
   */
  frame?(x: Float32Array, rows: number): RowFrame | null;
  /** m × d, each row a unit vector in activation space: the direction a feature reads or writes. */
  directions(): Float32Array;
  /** Everything needed to rebuild the fitted basis with `load`. */
  state(): BasisState;
}

export type BasisFactory = {
  create(params: Record<string, unknown>, seed: number, dim: number): Basis;
  load(params: Record<string, unknown>, seed: number, state: BasisState): Basis;
  /** The parameters the method takes and their defaults (param-spec.ts), and its tags. */
  spec: BasisSpec;
};

/** Quality of a fitted basis on held-out rows (bases/quality.ts measures it; the API returns it as is). */
export interface BasisQualityInfo {
  rows: number;
  /** Mean squared error per element of the reconstruction (null where the basis has no decode). */
  mse: number | null;
  /** 1 − SSE / SST with SST about the held-out mean. */
  explainedVariance: number | null;
  /**
   * Mean cosine between each row and its reconstruction, over the rows with non-zero norm: an all-zero row (common
   * after a ReLU) has no direction, and its reconstruction is zero up to rounding, so counting it as 0 (or 1) would
   * only measure rounding (issue #8).
   */
  reconstructionCosine: number | null;
  /** Held-out rows left out of the cosine because they are exactly zero (absent in qualities stored before issue #8). */
  cosineZeroRows?: number | null;
  /** Mean number of active features per row (|f| > 1e-8). */
  l0: number;
  /** Features never active on the held-out rows. */
  deadFraction: number;
  /** Features active on more than 10% of held-out rows. */
  denseFraction: number;
  /** Histogram of log10(feature density) over alive features: edges and counts; dead features are counted apart. */
  densityHistogram: { edges: number[]; counts: number[]; dead: number };
}

/** A basis method: whom it follows and where the lab departs from that definition; shown in the app. */
export interface BasisMethodDefinition {
  method: BasisMethodName;
  title: string;
  source: string;
  /** Where the lab departs from the source (null: it does not). */
  departure: string | null;
  /** Its parameters (the fit form is built from them) and tags, from the method's factory. */
  params: BasisParamSpec[];
  trained: boolean;
  sweep: string | null;
}
