// What a lesion did to the outputs: for class outputs, accuracy (overall and per class), the mean change of each
// class's logit, cross-entropy to the labels and KL(clean ‖ lesioned); for any other output, MSE and cosine.
import type { Values } from './run';
import { LesionInputError } from './types';

export interface ClassEffects {
  accuracy: number;
  /** Per labelled class; NaN where no stimulus has that label. */
  perClassAccuracy: number[];
  /** Mean over stimuli of lesioned − clean logit, per class. */
  meanDeltaLogit: number[];
  /** Mean over stimuli of the lesioned softmax probability, per class (steering curves plot it against α). */
  meanProbability: number[];
  crossEntropy: number;
  klCleanToLesioned: number;
}

export interface OutputEffects {
  mse: number;
  cosine: number;
}

function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}

function rows(v: Values): { n: number; k: number } {
  const n = v.dims[0] ?? 1;
  return { n, k: v.data.length / n };
}

export function classEffects(clean: Values, lesioned: Values, labels: readonly number[] | null | undefined): ClassEffects {
  if (!labels) throw new LesionInputError('lesions.unlabelled', 'Accuracy and cross-entropy need labelled stimuli, and this stimulus set has no labels.');
  const { n, k } = rows(lesioned);
  if (clean.data.length !== lesioned.data.length) throw new LesionInputError('lesions.shape', 'The clean and lesioned outputs differ in size.');
  if (labels.length !== n) throw new LesionInputError('lesions.labels', `There are ${labels.length} labels for ${n} stimuli.`);
  const correct = new Array<number>(k).fill(0);
  const count = new Array<number>(k).fill(0);
  const delta = new Array<number>(k).fill(0);
  const prob = new Array<number>(k).fill(0);
  let hits = 0;
  let ce = 0;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const l = lesioned.data.subarray(i * k, (i + 1) * k);
    const c = clean.data.subarray(i * k, (i + 1) * k);
    let arg = 0;
    for (let j = 1; j < k; j++) if (l[j]! > l[arg]!) arg = j;
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= k) throw new LesionInputError('lesions.labels', `Label ${label} is not one of the output's ${k} classes.`);
    count[label]! += 1;
    if (arg === label) {
      hits += 1;
      correct[label]! += 1;
    }
    const lp = logSoftmax(l);
    const cp = logSoftmax(c);
    ce -= lp[label]!;
    for (let j = 0; j < k; j++) {
      delta[j]! += l[j]! - c[j]!;
      prob[j]! += Math.exp(lp[j]!);
      kl += Math.exp(cp[j]!) * (cp[j]! - lp[j]!);
    }
  }
  return {
    accuracy: hits / n,
    perClassAccuracy: correct.map((h, j) => (count[j]! > 0 ? h / count[j]! : Number.NaN)),
    meanDeltaLogit: delta.map((d) => d / n),
    meanProbability: prob.map((p) => p / n),
    crossEntropy: ce / n,
    klCleanToLesioned: kl / n,
  };
}

/** Mean squared error and mean per-stimulus cosine between the clean and lesioned outputs. */
export function outputEffects(clean: Values, lesioned: Values): OutputEffects {
  if (clean.data.length !== lesioned.data.length) throw new LesionInputError('lesions.shape', 'The clean and lesioned outputs differ in size.');
  const { n, k } = rows(lesioned);
  let se = 0;
  let cos = 0;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let a2 = 0;
    let b2 = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const a = clean.data[j]!;
      const b = lesioned.data[j]!;
      se += (a - b) ** 2;
      dot += a * b;
      a2 += a * a;
      b2 += b * b;
    }
    cos += a2 === 0 || b2 === 0 ? (a2 === b2 ? 1 : 0) : dot / Math.sqrt(a2 * b2);
  }
  return { mse: se / clean.data.length, cosine: cos / n };
}
