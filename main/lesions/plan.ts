// From a run's settings to what the edit graph runs and what is reported: the intervention for a set of elements
// (units of the layer or features of a basis, in any mode) and the effects of one lesioned output.
import { classEffects, outputEffects } from './effects';
import { Clamp, MeanAblation, ProjectOut, Steer, ZeroAblation } from './interventions';
import { BasisView, LatentEdit, ResampleUnits } from './latent';
import type { Values } from './run';
import type { LesionSubject } from './subject';
import { LesionInputError, type Intervention, type LesionMode, type Positions } from './types';

export interface LesionSettings {
  mode: LesionMode;
  positions: Positions;
  seed: number;
  value?: number;
  /** steer's α. */
  alpha?: number;
}

export interface ClassEffects {
  accuracy: number;
  perClassAccuracy: (number | null)[];
  meanDeltaLogit: number[];
  meanProbability: number[];
  crossEntropy: number;
  klCleanToLesioned: number;
}

/** Effects of one lesion on one output: class effects where the output has a class axis and labels, MSE/cosine always. */
export interface Effects {
  mse: number;
  cosine: number;
  classes: ClassEffects | null;
}

/** Shared reads of one subject for many interventions: the layer's mean per element and the basis's view. */
export class LesionPlanner {
  private mean: Float32Array | null = null;
  private constructor(
    readonly subject: LesionSubject,
    readonly view: BasisView | null,
    readonly settings: LesionSettings,
  ) {}

  static async open(subject: LesionSubject, settings: LesionSettings): Promise<LesionPlanner> {
    if (settings.mode === 'clamp' && settings.value === undefined) throw new LesionInputError('lesions.clamp-value', 'Clamping needs the value to clamp to.');
    const needsView = subject.basis && ['zero', 'mean', 'resample', 'clamp'].includes(settings.mode);
    const view = needsView ? await BasisView.open(subject.basis!, subject.values, settings.positions, subject.basisLabel) : null;
    if (subject.basis && !view && subject.basis.dim !== subject.units) {
      throw new LesionInputError('lesions.basis-layer', `${subject.basisLabel} reads ${subject.basis.dim} units but the layer has ${subject.units}; choose a basis fitted to this layer.`);
    }
    return new LesionPlanner(subject, view, settings);
  }

  get elementCount(): number {
    return this.subject.basis ? this.subject.basis.nFeatures : this.subject.units;
  }

  elementName(e: number): string {
    return this.subject.basis ? `feature ${e}` : `unit ${e}`;
  }

  private layerMean(): Float32Array {
    if (!this.mean) {
      const { data, dims } = this.subject.values;
      const n = dims[0] ?? 1;
      const size = data.length / n;
      const sum = new Float64Array(size);
      for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) sum[j]! += data[i * size + j]!;
      this.mean = Float32Array.from(sum, (s) => s / n);
    }
    return this.mean;
  }

  /** A unit vector along each element: the basis's direction, or the unit's axis. */
  private direction(e: number): Float32Array {
    const c = this.subject.units;
    if (this.subject.basis) return this.subject.basis.directions().slice(e * c, (e + 1) * c);
    const d = new Float32Array(c);
    d[e] = 1;
    return d;
  }

  /** The lesion of a set of elements (one element for a sweep; everything outside a coalition for an MSA). */
  intervention(elements: readonly number[], alpha = this.settings.alpha): Intervention {
    const { mode, positions, seed, value } = this.settings;
    const m = this.elementCount;
    const bad = elements.find((e) => !Number.isInteger(e) || e < 0 || e >= m);
    if (bad !== undefined) throw new LesionInputError('lesions.element', `${this.subject.basis ? 'Feature' : 'Unit'} ${bad} does not exist: there are ${m}, numbered 0 to ${m - 1}.`);
    if (mode === 'project') return new ProjectOut(elements.map((e) => this.direction(e)));
    if (mode === 'steer') {
      if (alpha === undefined) throw new LesionInputError('lesions.alpha', 'Steering needs at least one α.');
      const c = this.subject.units;
      const d = new Float32Array(c);
      for (const e of elements) this.direction(e).forEach((v, u) => (d[u]! += v));
      return new Steer(d, alpha, positions);
    }
    if (this.view) {
      const replacement = mode === 'resample' ? { kind: 'resample' as const, seed } : mode === 'clamp' ? { kind: 'clamp' as const, value: value! } : { kind: mode as 'zero' | 'mean' };
      return new LatentEdit(this.view, elements, replacement);
    }
    if (mode === 'zero') return new ZeroAblation(elements, positions);
    if (mode === 'mean') return new MeanAblation(elements, this.layerMean(), positions);
    if (mode === 'resample') return new ResampleUnits(elements, seed, positions);
    return new Clamp(elements, value!, positions);
  }

  /** Effects of a lesioned output against the clean one: MSE and cosine always, class effects where labelled. */
  effects(lesioned: Values): Effects {
    const clean = this.subject.clean[this.subject.output]!;
    const { mse, cosine } = outputEffects(clean, lesioned);
    return { mse, cosine, classes: this.classEffects(clean, lesioned) };
  }

  /** Whether the chosen output has a class axis and the stimuli carry labels of it. */
  get hasClasses(): boolean {
    const clean = this.subject.clean[this.subject.output]!;
    const k = clean.dims.length === 2 ? clean.dims[1]! : 0;
    return k >= 2 && this.subject.labels !== null && this.subject.labels.every((l) => l < k);
  }

  private classEffects(clean: Values, lesioned: Values): Effects['classes'] {
    if (!this.hasClasses) return null;
    const e = classEffects(clean, lesioned, this.subject.labels);
    return { ...e, perClassAccuracy: e.perClassAccuracy.map((a) => (Number.isNaN(a) ? null : a)) };
  }
}
