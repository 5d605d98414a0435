// One Basis interface for every decomposition, after scikit-learn's estimator contract: construct with parameters,
// `fit` from a stream of activation chunks, `encode` rows into feature activations, `decode` codes back into
// activation space (a reconstruction, for the quality metrics), `directions` as unit vectors in activation space,
// and `state`/`load` for the project file.

export type BasisMethod = 'neurons' | 'random' | 'pca' | 'ica' | 'nmf' | 'kmeans' | 'sae-l1' | 'sae-topk' | 'sparse-coding';

export const BASIS_METHODS: readonly BasisMethod[] = ['neurons', 'random', 'pca', 'ica', 'nmf', 'kmeans', 'sae-l1', 'sae-topk', 'sparse-coding'];

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
  /** m × d, each row a unit vector in activation space: the direction a feature reads or writes. */
  directions(): Float32Array;
  /** Everything needed to rebuild the fitted basis with `load`. */
  state(): BasisState;
}

export type BasisFactory = {
  create(params: Record<string, unknown>, seed: number, dim: number): Basis;
  load(params: Record<string, unknown>, seed: number, state: BasisState): Basis;
};
