// "Fraction of loss recovered" (Towards Monosemanticity; SAELens' and SAEBench's CE loss score): the basis's
// reconstruction spliced in for the layer, scored between the clean model (1) and the layer ablated (0), with zero-
// and mean-ablation baselines; the KL score is the same ratio on KL(clean ‖ ·), which needs no labels.
import { classEffects, outputEffects } from './effects';
import { MeanAblation, ZeroAblation } from './interventions';
import { BasisView, Splice } from './latent';
import type { Values } from './run';
import type { LesionSubject } from './subject';
import { LesionInputError } from './types';

export interface LossRecoveredSummary {
  basisId: number;
  stimuli: number;
  output: string;
  labelled: boolean;
  clean: { crossEntropy: number | null };
  spliced: { crossEntropy: number | null; kl: number };
  zero: { crossEntropy: number | null; kl: number };
  mean: { crossEntropy: number | null; kl: number };
  ceScoreZero: number | null;
  ceScoreMean: number | null;
  klScoreZero: number;
  klScoreMean: number;
  /** The spliced output's MSE to the clean one, for outputs without classes. */
  splicedMse: number;
  /** Token models (#13, token-loss.ts): stimuli are contexts, and this many next-token positions were scored. */
  tokens?: number;
  unit?: 'context';
}

/** (L_ablated − L_spliced) / (L_ablated − L_clean); null where ablation does not change the loss. */
export function recoveredFraction(ablated: number, spliced: number, clean: number): number | null {
  const span = ablated - clean;
  return Math.abs(span) < 1e-12 ? null : (ablated - spliced) / span;
}

export async function lossRecovered(subject: LesionSubject): Promise<LossRecoveredSummary> {
  if (!subject.basis || subject.basisId === null) throw new LesionInputError('lesions.loss-needs-basis', 'Loss recovered is measured for a basis; name one.');
  const view = await BasisView.open(subject.basis, subject.values, 'all', subject.basisLabel);
  const units = Array.from({ length: subject.units }, (_, u) => u);
  const { data, dims } = subject.values;
  const n = dims[0] ?? 1;
  const size = data.length / n;
  const mean = new Float32Array(size);
  for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) mean[j]! += data[i * size + j]! / n;
  const [spliced, zero, meaned] = await subject.runner.evaluateLesionSets(subject.values, [new Splice(view), new ZeroAblation(units), new MeanAblation(units, mean)]);
  const clean = subject.clean[subject.output]!;
  const k = clean.dims.length === 2 ? clean.dims[1]! : 0;
  const labelled = k >= 2 && subject.labels !== null && subject.labels.every((l) => l < k);
  const measure = (y: Values) => {
    if (k < 2) return { crossEntropy: null, kl: Number.NaN };
    const e = classEffects(clean, y, labelled ? subject.labels : clean.data.length ? argmaxLabels(clean, k) : null);
    return { crossEntropy: labelled ? e.crossEntropy : null, kl: e.klCleanToLesioned };
  };
  if (k < 2) throw new LesionInputError('lesions.loss-no-classes', `Output ${subject.output} has no class axis, so there is no loss to recover; choose a class output.`);
  const s = measure(spliced!.outputs[subject.output]!);
  const z = measure(zero!.outputs[subject.output]!);
  const m = measure(meaned!.outputs[subject.output]!);
  const c = labelled ? classEffects(clean, clean, subject.labels).crossEntropy : null;
  return {
    basisId: subject.basisId,
    stimuli: subject.n,
    output: subject.output,
    labelled,
    clean: { crossEntropy: c },
    spliced: s,
    zero: z,
    mean: m,
    ceScoreZero: c === null ? null : recoveredFraction(z.crossEntropy!, s.crossEntropy!, c),
    ceScoreMean: c === null ? null : recoveredFraction(m.crossEntropy!, s.crossEntropy!, c),
    klScoreZero: recoveredFraction(z.kl, s.kl, 0) ?? Number.NaN,
    klScoreMean: recoveredFraction(m.kl, s.kl, 0) ?? Number.NaN,
    splicedMse: outputEffects(clean, spliced!.outputs[subject.output]!).mse,
  };
}

/** The clean model's own predictions, standing in for labels when only the KL score is wanted. */
function argmaxLabels(clean: Values, k: number): number[] {
  const n = clean.data.length / k;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (clean.data[i * k + j]! > clean.data[i * k + best]!) best = j;
    return best;
  });
}
