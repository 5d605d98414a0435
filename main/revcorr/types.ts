// The contract between the things that produce stimuli and responses (a harvest replaying its stimulus set, a basis
// encoding harvest rows, a recording's frames and spike counts) and the estimators that reverse-correlate them.
// Every estimator reads the same two streams and nothing else, so one estimator serves network units, basis features
// and recorded cells alike, and one conformance test (test/unit/revcorr-conformance.test.ts) holds every estimator
// to the same behaviour — the lesson of scikit-learn's common estimator checks.

/**
 * Stimuli as rows of pixels: row t is one stimulus flattened in C order from `itemShape`. For a spatio-temporal
 * receptive field the producer makes each row the last L frames ([L, H, W] or [L, C, H, W], lag 0 = the frame at
 * the response, lag L−1 the oldest), so the estimators never need to know about time.
 * Random access by row range, because estimators make more than one pass (held-out rows, shuffled nulls) and a
 * resumed job restarts mid-stream; a producer must return identical values for the same range every time.
 */
export interface StimulusStream {
  /** Number of rows (stimuli, or time bins for a recording). */
  readonly count: number;
  /** Shape of one row, e.g. [1, 28, 28], [3, 32, 32], or [L, H, W] for lagged frames. */
  readonly itemShape: readonly number[];
  /** Product of itemShape. */
  readonly dim: number;
  /** Rows start..start+rows−1 as one row-major rows × dim block. Must not keep a reference to the block. */
  read(start: number, rows: number): Promise<Float32Array>;
}

/**
 * How response rows relate to each other, which decides how a null distribution is drawn: 'independent' rows
 * (one response per independent stimulus: network units over a stimulus set) are permuted; 'temporal' rows (a
 * recording's time bins, whose neighbours are correlated) are shifted circularly by a random lag so their
 * autocorrelation is kept and only their alignment with the stimulus is broken.
 */
export type ResponseOrdering = 'independent' | 'temporal';

/**
 * Responses of `units` units (network units, basis features or recorded cells) to the same rows as the stimulus
 * stream. Chunks are unit-major: `read(start, rows)` returns units × rows, so the products the estimators need are
 * plain GEMMs: R·X (units × dim, every STA at once) and Xᵀ·diag(r)·X (STC).
 */
export interface ResponseStream {
  readonly count: number;
  readonly units: number;
  /** One display name per unit ('unit 12', 'feature 3', 'cell 7'). */
  readonly unitNames: readonly string[];
  readonly ordering: ResponseOrdering;
  /** units × rows block for rows start..start+rows−1, unit-major. */
  read(start: number, rows: number): Promise<Float32Array>;
}

/** How a response becomes the weight of its stimulus in a spike-triggered average. */
export type ResponseTransform =
  | { kind: 'raw' }
  | { kind: 'rectified' }
  /** A spike (weight 1) where the response exceeds the threshold, else 0. */
  | { kind: 'threshold'; value: number };

export type EstimatorKind = 'sta' | 'ridge' | 'stc';

/** What an estimator may ask of whoever runs it: progress, cancel, and a place to keep state for resume. */
export interface EstimatorContext {
  /** Rows processed so far out of the total the estimator will read (over all its passes). */
  progress(done: number, total: number, message?: string): void;
  /** Throws when the user cancelled; estimators call it between chunks. */
  throwIfCancelled(): void;
  /**
   * Resume support: `load` returns the state last saved by the same estimator with the same options on the same
   * streams (or null), `save` replaces it. An estimator saves between chunks; a run that resumes from saved state
   * must end with the result an uninterrupted run gives. Absent: no checkpoints.
   */
  checkpoint?: {
    load(): EstimatorCheckpoint | null;
    save(state: EstimatorCheckpoint): void;
  };
}

/** Accumulator state between chunks: plain numbers and typed arrays only, so it can be stored as blobs. */
export interface EstimatorCheckpoint {
  /** Next row to read in the pass the estimator is in. */
  nextRow: number;
  pass: number;
  arrays: Record<string, Float64Array>;
  scalars: Record<string, number>;
}

/** What every estimator returns for every unit: a filter in stimulus space, plus estimator-specific detail. */
export interface EstimateBase {
  kind: EstimatorKind;
  units: number;
  dim: number;
  itemShape: number[];
  /** units × dim, unit-major: the linear filter of each unit (STA, ridge RF, or STC's first significant axis). */
  filters: Float32Array;
  /** Rows the filters were estimated from (the rest, if any, were held out). */
  rowsUsed: number;
  /** Per unit: a short note when the estimate is undefined (e.g. a unit that never responded), else null. */
  notes: (string | null)[];
}

/**
 * One interface per kind of estimator. `validate` checks options against the streams without reading them and
 * throws a UserError whose message is one sentence; `run` streams the rows in chunks and returns the estimate.
 */
export interface Estimator<Options, Result extends EstimateBase> {
  readonly kind: EstimatorKind;
  validate(stimuli: StimulusStream, responses: ResponseStream, options: Options): void;
  run(stimuli: StimulusStream, responses: ResponseStream, options: Options, ctx: EstimatorContext): Promise<Result>;
}

/** A context that reports nowhere, never cancels and keeps no checkpoints (tests, one-off calls). */
export const quietContext: EstimatorContext = {
  progress: () => {},
  throwIfCancelled: () => {},
};
