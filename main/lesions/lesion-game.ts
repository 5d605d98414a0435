// The MSA game of a real layer: players are chosen units or features, v(S) is the performance measure with every
// player outside S lesioned (msapy's convention), and a batch of coalitions runs as lesion sets of one edit graph.
import type { Game } from './game';
import type { LesionPlanner } from './plan';
import { LesionInputError } from './types';

/** accuracy, −cross-entropy ('loss'), or the mean logit of one class ('logit:C'). */
export type GameMeasure = 'accuracy' | 'loss' | `logit:${number}`;

export function lesionGame(planner: LesionPlanner, elements: readonly number[], measure: GameMeasure, o: { group: number; throwIfCancelled?: () => void }): Game {
  if (planner.settings.mode === 'steer') throw new LesionInputError('lesions.msa-steer', 'An MSA lesions the players outside each coalition; steering is not a lesion, so choose zero, mean, resample, project or clamp.');
  const clean = planner.subject.clean[planner.subject.output]!;
  const classes = clean.dims.length === 2 ? clean.dims[1]! : 0;
  let logitClass = -1;
  if (measure === 'accuracy' || measure === 'loss') {
    if (!planner.hasClasses) throw new LesionInputError('lesions.unlabelled', `The ${measure === 'loss' ? 'loss' : 'accuracy'} game needs labelled stimuli and an output with a class axis, and this stimulus set or output has none; use logit:CLASS or a labelled set.`);
  } else {
    logitClass = Number(measure.slice('logit:'.length));
    if (!(classes >= 2) || !Number.isInteger(logitClass) || logitClass >= classes) throw new LesionInputError('lesions.logit-class', `The output has ${classes} classes, so logit:${logitClass} does not exist.`);
  }
  const labels = planner.subject.labels;
  const n = planner.subject.n;
  // Only the measure is computed per coalition (an MSA evaluates thousands): an argmax, one log-sum-exp or a mean.
  const value = (out: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const row = i * classes;
      if (logitClass >= 0) {
        s += out[row + logitClass]!;
        continue;
      }
      let arg = 0;
      for (let j = 1; j < classes; j++) if (out[row + j]! > out[row + arg]!) arg = j;
      if (measure === 'accuracy') {
        if (arg === labels![i]) s += 1;
        continue;
      }
      const max = out[row + arg]!;
      let sum = 0;
      for (let j = 0; j < classes; j++) sum += Math.exp(out[row + j]! - max);
      s -= max + Math.log(sum) - out[row + labels![i]!]!; // −CE: log p(label)
    }
    return s / n;
  };
  return {
    players: elements.length,
    names: elements.map((e) => planner.elementName(e)),
    values: async (coalitions) => {
      const out = new Float64Array(coalitions.length);
      for (let start = 0; start < coalitions.length; start += o.group) {
        o.throwIfCancelled?.();
        const part = coalitions.slice(start, start + o.group);
        const sets = part.map((c) => planner.intervention(elements.filter((_, i) => !c[i])));
        const results = await planner.subject.runner.evaluateLesionSets(planner.subject.values, sets);
        results.forEach((r, i) => (out[start + i] = value(r.outputs[planner.subject.output]!.data)));
      }
      return out;
    },
  };
}
