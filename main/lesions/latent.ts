// Interventions on the features of a stored basis and on the stimulus: a feature's latent set to 0, its mean, another
// stimulus's value or a constant while the basis's error term (x − x̂) is kept, so only that feature changes
// (x' = x + Σ_k (r_k − f_k) D_k, D_k = decode(e_k) − decode(0)); splicing (x' = x̂); and resampling units from another
// stimulus. Each gives a term per stimulus, which the edit graph takes as an N-row additive input.
import type { Basis } from '../bases/types';
import { applyFrame, type RowFrame } from '../bases/row-norm'; // h12norm
import { Rng } from '../util/random';
import { LesionInputError, positionsPerUnit, unitCount, type EditParams, type Intervention, type LayerInfo, type LayerValues, type Positions } from './types';

/** Spatial offsets (within one unit's positions) an edit touches. */
function positionOffsets(layer: LayerInfo, positions: Positions): number[] {
  const per = positionsPerUnit(layer);
  if (positions === 'all') return Array.from({ length: per }, (_, i) => i);
  let offset = 0;
  for (const d of layer.unitShape.slice(1)) offset = offset * d + Math.floor((d - 1) / 2);
  return [offset];
}

/**
 * A basis read over the layer's values once: the codes of every (stimulus, position) row the edits touch, the
 * decoder's rows and the reconstruction, shared by every latent edit of a sweep or an MSA.
 */
export class BasisView {
  readonly rows: number;
  readonly offsets: number[];
  private decoderRows = new Map<number, Float32Array>();
  private reconstruction: Float32Array | null = null;
  private means: Float64Array | null = null;

  private constructor(
    readonly basis: Basis,
    readonly layer: LayerInfo,
    readonly n: number,
    readonly codes: Float32Array,
    readonly x: Float32Array,
    readonly positions: Positions,
    private readonly origin: Float32Array,
    /**
     * h12norm: an SAE imported with SAELens' row normalisation decodes into a normalised frame; each row's scale
     * multiplies what a latent writes there (D_k), and the reconstruction is taken back by scale and shift.
     */
    readonly frame: RowFrame | null = null,
  ) {
    this.offsets = positionOffsets(layer, positions);
    this.rows = n * this.offsets.length;
  }

  /** Encodes the layer's values at the chosen positions; refuses a basis of another width and a non-linear decoder. */
  static async open(basis: Basis, values: LayerValues, positions: Positions, basisLabel: string): Promise<BasisView> {
    const layer: LayerInfo = { unitShape: values.dims.slice(1) };
    const c = unitCount(layer);
    if (basis.dim !== c) throw new LesionInputError('lesions.basis-layer', `${basisLabel} reads ${basis.dim} units but the layer has ${c}; choose a basis fitted to this layer.`);
    if (!basis.decode) throw new LesionInputError('lesions.no-decoder', `${basisLabel} has no decoder, so its features cannot be edited while keeping the error term; use project or steer.`);
    const n = values.dims[0] ?? 1;
    const per = positionsPerUnit(layer);
    const offsets = positionOffsets(layer, positions);
    const x = new Float32Array(n * offsets.length * c);
    for (let i = 0; i < n; i++) {
      offsets.forEach((o, p) => {
        for (let u = 0; u < c; u++) x[(i * offsets.length + p) * c + u] = values.data[i * c * per + u * per + o]!;
      });
    }
    const rows = n * offsets.length;
    const codes = await basis.encode(x, rows);
    const origin = await basis.decode(new Float32Array(basis.nFeatures), 1);
    const view = new BasisView(basis, layer, n, codes, x, positions, origin, basis.frame?.(x, rows) ?? null);
    await view.checkAffine(basisLabel);
    return view;
  }

  /** Latent edits rest on decode being affine in the codes; checked on a few rows against the full decode. */
  private async checkAffine(label: string): Promise<void> {
    const m = this.basis.nFeatures;
    const c = this.basis.dim;
    const probe = Math.min(4, this.rows);
    const full = await this.basis.decode!(this.codes.subarray(0, probe * m), probe);
    let err = 0;
    let scale = 0;
    for (let r = 0; r < probe; r++) {
      const approx = Float64Array.from(this.origin);
      for (let k = 0; k < m; k++) {
        const f = this.codes[r * m + k]!;
        if (f === 0) continue;
        const d = await this.decoderRow(k);
        for (let u = 0; u < c; u++) approx[u]! += f * d[u]!;
      }
      for (let u = 0; u < c; u++) {
        err = Math.max(err, Math.abs(approx[u]! - full[r * c + u]!));
        scale = Math.max(scale, Math.abs(full[r * c + u]!));
      }
    }
    if (err > 1e-3 * Math.max(1, scale)) throw new LesionInputError('lesions.nonlinear-decoder', `${label}'s decoder is not linear in its codes, so a latent edit cannot keep the error term; use project or steer.`);
  }

  /** D_k = decode(e_k) − decode(0), the change one unit of latent k writes. */
  async decoderRow(k: number): Promise<Float32Array> {
    let d = this.decoderRows.get(k);
    if (!d) {
      const e = new Float32Array(this.basis.nFeatures);
      e[k] = 1;
      const y = await this.basis.decode!(e, 1);
      d = Float32Array.from(y, (v, u) => v - this.origin[u]!);
      this.decoderRows.set(k, d);
    }
    return d;
  }

  meanCode(k: number): number {
    if (!this.means) {
      const m = this.basis.nFeatures;
      this.means = new Float64Array(m);
      for (let r = 0; r < this.rows; r++) for (let j = 0; j < m; j++) this.means[j]! += this.codes[r * m + j]!;
      for (let j = 0; j < m; j++) this.means[j]! /= Math.max(1, this.rows);
    }
    return this.means[k]!;
  }

  async reconstructionRows(): Promise<Float32Array> {
    if (!this.reconstruction) {
      const y = await this.basis.decode!(this.codes, this.rows);
      this.reconstruction = this.frame ? applyFrame(y, this.rows, this.basis.dim, this.frame) : y;
    }
    return this.reconstruction;
  }

  /** Spreads per-row C-vectors into an N × size additive term at the view's positions. */
  scatter(rowsTerm: Float32Array): Float32Array {
    const c = unitCount(this.layer);
    const per = positionsPerUnit(this.layer);
    const out = new Float32Array(this.n * c * per);
    for (let i = 0; i < this.n; i++) {
      this.offsets.forEach((o, p) => {
        for (let u = 0; u < c; u++) out[i * c * per + u * per + o] = rowsTerm[(i * this.offsets.length + p) * c + u]!;
      });
    }
    return out;
  }
}

export type LatentReplacement = { kind: 'zero' } | { kind: 'mean' } | { kind: 'resample'; seed: number } | { kind: 'clamp'; value: number };

/** A permutation of 0..n−1 with no fixed point (another stimulus for each), seeded. */
export function derangement(n: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  if (n < 2) return p;
  // Sattolo's algorithm: a uniformly random single cycle, so no stimulus keeps its own values.
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Latents S of a basis replaced (0, their mean, another stimulus's, a constant), the error term kept. */
export class LatentEdit implements Intervention {
  readonly kind: string;
  constructor(
    readonly view: BasisView,
    readonly features: readonly number[],
    readonly replacement: LatentReplacement,
  ) {
    this.kind = replacement.kind;
    for (const k of features) {
      if (!Number.isInteger(k) || k < 0 || k >= view.basis.nFeatures) throw new LesionInputError('lesions.feature', `Feature ${k} does not exist: the basis has features 0 to ${view.basis.nFeatures - 1}.`);
    }
  }
  describe(): Record<string, unknown> {
    return { ...this.replacement, features: [...this.features], positions: this.view.positions };
  }
  async params(layer: LayerInfo): Promise<EditParams> {
    const size = layer.unitShape.reduce((a, b) => a * b, 1);
    const c = unitCount(layer);
    const m = this.view.basis.nFeatures;
    const rows = this.view.rows;
    const perm = this.replacement.kind === 'resample' ? derangement(this.view.n, this.replacement.seed) : null;
    const term = new Float32Array(rows * c);
    for (const k of this.features) {
      const d = await this.view.decoderRow(k);
      for (let r = 0; r < rows; r++) {
        const f = this.view.codes[r * m + k]!;
        let target = 0;
        if (this.replacement.kind === 'mean') target = this.view.meanCode(k);
        else if (this.replacement.kind === 'clamp') target = this.replacement.value;
        else if (perm) {
          const per = this.view.offsets.length;
          target = this.view.codes[(perm[Math.floor(r / per)]! * per + (r % per)) * m + k]!;
        }
        const delta = (target - f) * (this.view.frame ? this.view.frame.scale[r]! : 1);
        if (delta === 0) continue;
        for (let u = 0; u < c; u++) term[r * c + u]! += delta * d[u]!;
      }
    }
    return { keep: new Float32Array(size).fill(1), add: this.view.scatter(term) };
  }
}

/** x' = x̂: the basis's reconstruction replaces the layer at the view's positions (the "spliced" run). */
export class Splice implements Intervention {
  readonly kind = 'splice';
  constructor(readonly view: BasisView) {}
  describe(): Record<string, unknown> {
    return { kind: this.kind, positions: this.view.positions };
  }
  async params(layer: LayerInfo): Promise<EditParams> {
    const size = layer.unitShape.reduce((a, b) => a * b, 1);
    const per = positionsPerUnit(layer);
    const keep = new Float32Array(size).fill(1);
    for (let u = 0; u < unitCount(layer); u++) for (const o of this.view.offsets) keep[u * per + o] = 0;
    return { keep, add: this.view.scatter(await this.view.reconstructionRows()) };
  }
}

/** Units take the values they had for another, random stimulus (a derangement, seeded). */
export class ResampleUnits implements Intervention {
  readonly kind = 'resample';
  constructor(
    readonly units: readonly number[],
    readonly seed: number,
    readonly positions: Positions = 'all',
  ) {}
  describe(): Record<string, unknown> {
    return { kind: this.kind, units: [...this.units], seed: this.seed, positions: this.positions };
  }
  params(layer: LayerInfo, values: LayerValues): EditParams {
    const c = unitCount(layer);
    const per = positionsPerUnit(layer);
    const size = c * per;
    const n = values.dims[0] ?? 1;
    for (const u of this.units) if (!Number.isInteger(u) || u < 0 || u >= c) throw new LesionInputError('lesions.unit', `Unit ${u} does not exist: the layer has units 0 to ${c - 1}.`);
    const perm = derangement(n, this.seed);
    const keep = new Float32Array(size).fill(1);
    const add = new Float32Array(n * size);
    const offsets = positionOffsets(layer, this.positions);
    for (const u of this.units) for (const o of offsets) keep[u * per + o] = 0;
    for (let i = 0; i < n; i++) {
      const j = perm[i]!;
      for (const u of this.units) for (const o of offsets) add[i * size + u * per + o] = values.data[j * size + u * per + o]!;
    }
    return { keep, add };
  }
}
