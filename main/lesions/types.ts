// Types of the lesion room: an intervention is reduced to per-set edit parameters (a keep-mask, an additive term
// and optionally a projector on the unit axis) so that many lesion sets run as one batched onnxruntime edit.
import { UserError } from '../errors';

/** The layer being edited: values per stimulus have shape `unitShape`; the unit axis is axis 0 of it (channels). */
export interface LayerInfo {
  /** Dims of one stimulus's values, e.g. [C] for a dense layer or [C, H, W] for a conv map. */
  unitShape: number[];
}

export type Positions = 'all' | 'centre';

/** Edit of one lesion set: y = (x ⊙ keep + add) · projector (projector over the unit axis, identity when absent). */
export interface EditParams {
  /** Length = product of unitShape. */
  keep: Float32Array;
  /** Length = product of unitShape, or N × that for a term per stimulus (resample, latent edits, splice). */
  add: Float32Array;
  /** C×C row-major, y_c = Σ_k x_k P[k][c]; absent means identity. */
  projector?: Float32Array;
}

export interface Intervention {
  /** Short name of the kind, e.g. 'zero'. */
  readonly kind: string;
  /** Everything needed to redo it (stored with the effects). */
  describe(): Record<string, unknown>;
  /** `values` are the layer's clean values for the N stimuli, for interventions whose term depends on the stimulus. */
  params(layer: LayerInfo, values: LayerValues): EditParams | Promise<EditParams>;
}

/** The layer's values for N stimuli: data of N × product(unitShape). */
export interface LayerValues {
  data: Float32Array;
  dims: number[];
}

export class LesionInputError extends UserError {}

export function unitCount(layer: LayerInfo): number {
  return layer.unitShape[0] ?? 0;
}

export function positionsPerUnit(layer: LayerInfo): number {
  return layer.unitShape.slice(1).reduce((a, b) => a * b, 1);
}

/** The lesion modes a sweep or an MSA can apply to each element. */
export const LESION_MODES = ['zero', 'mean', 'resample', 'project', 'clamp', 'steer'] as const;
export type LesionMode = (typeof LESION_MODES)[number];
