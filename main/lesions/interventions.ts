// The interventions: each turns its settings into EditParams for a layer (keep-mask, additive term, projector), the
// one form the batched edit graph runs. A unit is an index on the layer's first per-stimulus axis (a conv channel).
import { LesionInputError, positionsPerUnit, unitCount, type EditParams, type Intervention, type LayerInfo, type Positions } from './types';

function identityParams(layer: LayerInfo): EditParams {
  const size = layer.unitShape.reduce((a, b) => a * b, 1);
  return { keep: new Float32Array(size).fill(1), add: new Float32Array(size) };
}

function checkUnits(units: readonly number[], layer: LayerInfo): void {
  const c = unitCount(layer);
  for (const u of units) {
    if (!Number.isInteger(u) || u < 0 || u >= c) throw new LesionInputError('lesions.unit', `Unit ${u} does not exist: the layer has units 0 to ${c - 1}.`);
  }
}

/** Flat indices of unit u at the chosen positions (every position, or the spatial centre). */
function positionIndices(layer: LayerInfo, unit: number, positions: Positions): number[] {
  const per = positionsPerUnit(layer);
  if (positions === 'all') return Array.from({ length: per }, (_, i) => unit * per + i);
  const spatial = layer.unitShape.slice(1);
  let offset = 0;
  for (const d of spatial) offset = offset * d + Math.floor((d - 1) / 2);
  return [unit * per + offset];
}

/** No edit: the cut run must reproduce the model. */
export class NoIntervention implements Intervention {
  readonly kind = 'none';
  describe(): Record<string, unknown> {
    return { kind: this.kind };
  }
  params(layer: LayerInfo): EditParams {
    return identityParams(layer);
  }
}

/** Replace chosen units by fixed values (per unit, or per flat element with `perElement`). */
abstract class ReplaceUnits implements Intervention {
  abstract readonly kind: string;
  constructor(
    readonly units: readonly number[],
    readonly positions: Positions = 'all',
  ) {}
  protected abstract valueAt(flatIndex: number, unit: number): number;
  describe(): Record<string, unknown> {
    return { kind: this.kind, units: [...this.units], positions: this.positions };
  }
  params(layer: LayerInfo): EditParams {
    checkUnits(this.units, layer);
    const p = identityParams(layer);
    for (const u of this.units) {
      for (const i of positionIndices(layer, u, this.positions)) {
        p.keep[i] = 0;
        p.add[i] = this.valueAt(i, u);
      }
    }
    return p;
  }
}

export class ZeroAblation extends ReplaceUnits {
  readonly kind = 'zero';
  protected valueAt(): number {
    return 0;
  }
}

/** Mean ablation; `mean` is the per-element mean over a harvest or batch (length = product of unitShape). */
export class MeanAblation extends ReplaceUnits {
  readonly kind = 'mean';
  constructor(
    units: readonly number[],
    readonly mean: Float32Array,
    positions: Positions = 'all',
  ) {
    super(units, positions);
  }
  protected valueAt(i: number): number {
    return this.mean[i]!;
  }
  override params(layer: LayerInfo): EditParams {
    const size = layer.unitShape.reduce((a, b) => a * b, 1);
    if (this.mean.length !== size) throw new LesionInputError('lesions.mean-size', `The mean has ${this.mean.length} values but the layer has ${size} per stimulus.`);
    return super.params(layer);
  }
}

export class Clamp extends ReplaceUnits {
  readonly kind = 'clamp';
  constructor(
    units: readonly number[],
    readonly value: number,
    positions: Positions = 'all',
  ) {
    super(units, positions);
  }
  protected valueAt(): number {
    return this.value;
  }
  override describe(): Record<string, unknown> {
    return { ...super.describe(), value: this.value };
  }
}

/** x + α·d, d a direction over units (length C), applied at the chosen positions. */
export class Steer implements Intervention {
  readonly kind = 'steer';
  constructor(
    readonly direction: Float32Array,
    readonly alpha: number,
    readonly positions: Positions = 'all',
  ) {}
  describe(): Record<string, unknown> {
    return { kind: this.kind, direction: [...this.direction], alpha: this.alpha, positions: this.positions };
  }
  params(layer: LayerInfo): EditParams {
    const c = unitCount(layer);
    if (this.direction.length !== c) throw new LesionInputError('lesions.direction-size', `The steering vector has ${this.direction.length} values but the layer has ${c} units.`);
    const p = identityParams(layer);
    for (let u = 0; u < c; u++) for (const i of positionIndices(layer, u, this.positions)) p.add[i] = this.alpha * this.direction[u]!;
    return p;
  }
}

/** x − Σ (x·d)d over the directions, orthonormalised (Gram–Schmidt) first; applied at every position. */
export class ProjectOut implements Intervention {
  readonly kind = 'project';
  constructor(readonly directions: readonly Float32Array[]) {}
  describe(): Record<string, unknown> {
    return { kind: this.kind, directions: this.directions.map((d) => [...d]) };
  }
  params(layer: LayerInfo): EditParams {
    const c = unitCount(layer);
    const basis: Float64Array[] = [];
    for (const d of this.directions) {
      if (d.length !== c) throw new LesionInputError('lesions.direction-size', `A direction has ${d.length} values but the layer has ${c} units.`);
      const v = Float64Array.from(d);
      for (const b of basis) {
        let dot = 0;
        for (let k = 0; k < c; k++) dot += v[k]! * b[k]!;
        for (let k = 0; k < c; k++) v[k] -= dot * b[k]!;
      }
      const norm = Math.hypot(...v);
      if (norm < 1e-9) continue;
      for (let k = 0; k < c; k++) v[k] /= norm;
      basis.push(v);
    }
    const projector = new Float32Array(c * c);
    for (let k = 0; k < c; k++) {
      for (let j = 0; j < c; j++) {
        let s = k === j ? 1 : 0;
        for (const b of basis) s -= b[k]! * b[j]!;
        projector[k * c + j] = s;
      }
    }
    return { ...identityParams(layer), projector };
  }
}
