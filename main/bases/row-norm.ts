// SAELens' run-time input normalisations (its `normalize_activations` modes "constant_norm_rescale" and
// "layer_norm"; SAELens' sae.py run_time_activation_norm_fn_in/_out), for SAEs imported with them: each row is
// normalised before the encoder, and the decoder's output is mapped back with that row's own scale and shift. So the
// reconstruction of a row depends on the row itself, not on its codes alone: x̂_r = scale_r · decode(f_r) + shift_r.
//   constant_norm_rescale: x_r · √d / ‖x_r‖; back: y / (√d / ‖x_r‖). An all-zero row (common after a ReLU), where
//     SAELens divides by zero and gets NaN, is left as it is (scale 1) — the lab's one departure.
//   layer_norm: (x_r − μ_r) / (σ_r + 10⁻⁵), σ_r the unbiased standard deviation of x_r − μ_r (torch's std); back:
//     y · σ_r + μ_r (SAELens multiplies by σ_r, without the 10⁻⁵).
// Computed in float64 and stored as float32, as torch's float32 ops round once per element.

export const ROW_NORMS = ['none', 'constant_norm_rescale', 'layer_norm'] as const;
export type RowNorm = (typeof ROW_NORMS)[number];

/** Per-row scale and shift taking a decoder's output back to the harvest's units: x̂_r = scale_r · y_r + shift_r. */
export interface RowFrame {
  scale: Float32Array;
  shift: Float32Array;
}

/**
 * Each row's statistics: the frame back (scale, shift) and the factor going in — constant_norm_rescale multiplies by
 * √d/‖x‖, layer_norm divides x − μ by σ + 10⁻⁵ — so normalising and mapping back share one pass over the row.
 */
function rowStats(x: Float32Array, rows: number, d: number, mode: Exclude<RowNorm, 'none'>): RowFrame & { factor: Float64Array } {
  const scale = new Float32Array(rows);
  const shift = new Float32Array(rows);
  const factor = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const at = r * d;
    if (mode === 'constant_norm_rescale') {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += x[at + j]! ** 2;
      const norm = Math.sqrt(ss);
      factor[r] = norm > 0 ? Math.fround(Math.sqrt(d) / Math.fround(norm)) : 1;
      scale[r] = 1 / factor[r]!;
    } else {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += x[at + j]!;
      const mu = Math.fround(sum / d);
      let ss = 0;
      for (let j = 0; j < d; j++) ss += Math.fround(x[at + j]! - mu) ** 2;
      const sd = Math.fround(Math.sqrt(ss / Math.max(1, d - 1)));
      factor[r] = Math.fround(sd + 1e-5);
      scale[r] = sd;
      shift[r] = mu;
    }
  }
  return { scale, shift, factor };
}

/** x normalised row by row (a new array) and the frame that maps a decoder's output back. */
export function normaliseRows(x: Float32Array, rows: number, d: number, mode: Exclude<RowNorm, 'none'>): { x: Float32Array; frame: RowFrame } {
  const { scale, shift, factor } = rowStats(x, rows, d, mode);
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const at = r * d;
    const f = factor[r]!;
    const mu = shift[r]!;
    if (mode === 'constant_norm_rescale') for (let j = 0; j < d; j++) out[at + j] = x[at + j]! * f;
    else for (let j = 0; j < d; j++) out[at + j] = Math.fround(x[at + j]! - mu) / f;
  }
  return { x: out, frame: { scale, shift } };
}

/** The encoder's input: x as it is, or normalised row by row. */
export function encoderInput(x: Float32Array, rows: number, d: number, mode: RowNorm): Float32Array {
  return mode === 'none' ? x : normaliseRows(x, rows, d, mode).x;
}

/** The frame of rows x, null when the SAE does not normalise rows. */
export function frameOf(x: Float32Array, rows: number, d: number, mode: RowNorm): RowFrame | null {
  if (mode === 'none') return null;
  const { scale, shift } = rowStats(x, rows, d, mode); // the statistics alone: no normalised copy of x
  return { scale, shift };
}

/** y (rows × d, a decoder's output in the normalised frame) mapped back to the harvest's units, in place. */
export function applyFrame(y: Float32Array, rows: number, d: number, frame: RowFrame): Float32Array {
  for (let r = 0; r < rows; r++) {
    const s = frame.scale[r]!;
    const t = frame.shift[r]!;
    for (let j = 0; j < d; j++) y[r * d + j] = y[r * d + j]! * s + t;
  }
  return y;
}

/** The mode named by a basis' params (`rowNorm`), 'none' when absent; anything else is refused. */
export function rowNormOf(params: Record<string, unknown>): RowNorm {
  const v = params.rowNorm ?? 'none';
  if (!(ROW_NORMS as readonly unknown[]).includes(v)) throw new Error(`SAE parameter "rowNorm" must be one of ${ROW_NORMS.join(', ')}, got ${JSON.stringify(v)}.`);
  return v as RowNorm;
}
