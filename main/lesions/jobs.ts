// The three lesion jobs, each reading its stored run: a sweep (every element lesioned alone, or steered at each α),
// committed group by group so a killed sweep resumes; an MSA over a game of the real layer, its coalition values
// cached in the project; and loss recovered by splicing a basis in. Progress, cancel and resume come from the jobs room.
import type { JobContext } from '../jobs/types';
import { canonicalJson, cachedCoalitionCount, shapleyGameId, sqliteCoalitionStore } from '../store/shapley';
import { finishLesionRun, getLesionRun, saveLesionResults, setLesionStatus, storedResultCount, type LesionResultRecord } from '../store/lesions';
import { lesionGame, type GameMeasure } from './lesion-game';
import { lossRecovered } from './loss-recovered';
import { LesionPlanner, type LesionSettings } from './plan';
import { cachedGame } from './shapley/cache';
import { runMsa } from './shapley/msa';
import { openSubject, resolveTarget } from './subject';
import { isTokenHarvest, tokenLossRecoveredOf } from './token-subject';
import type { Positions } from './types';

interface RunParams {
  mode: LesionSettings['mode'];
  positions: Positions;
  seed: number;
  value?: number;
  alphas?: number[];
  stimuli: number;
  output?: string;
  game?: string;
  method?: 'auto' | 'exact' | 'sampled' | 'adaptive';
  top?: number;
  samples?: number;
  tolerance?: number;
  interactions?: number;
}

/**
 * Lesions per group: a group's edited rows stay near 1 MB whatever the layer's size. Measured (npm run bench, MNIST
 * MLP, 1,000 digits): once a run holds ~1,000 stimuli, larger groups lose more to allocating and paging their tensors
 * than they save in per-run overhead; with few stimuli, grouping sets still fills a run.
 */
export function groupSize(valuesLength: number): number {
  return Math.max(1, Math.min(256, Math.floor(2 ** 20 / (valuesLength * 4))));
}

export async function runLesionSweepJob(raw: unknown, ctx: JobContext): Promise<{ runId: number; lesions: number; resumedAt: number }> {
  const { runId } = raw as { runId: number };
  const { db } = ctx;
  const run = getLesionRun(db, runId);
  const p = run.params as unknown as RunParams;
  const subject = await openSubject(db, { harvestId: run.harvestId, basisId: run.basisId ?? undefined, stimuli: p.stimuli, output: p.output });
  const planner = await LesionPlanner.open(subject, { mode: p.mode, positions: p.positions, seed: p.seed, value: p.value });
  const alphas = p.mode === 'steer' ? (p.alphas ?? [1]) : [null];
  const lesions = run.elements.flatMap((element) => alphas.map((alpha) => ({ element, alpha })));
  const done = storedResultCount(db, runId);
  setLesionStatus(db, runId, 'running');
  const group = groupSize(subject.values.data.length);
  const started = Date.now();
  for (let start = done; start < lesions.length; start += group) {
    ctx.throwIfCancelled();
    const part = lesions.slice(start, start + group);
    const results = await subject.runner.evaluateLesionSets(subject.values, part.map((l) => planner.intervention([l.element], l.alpha ?? undefined)));
    const rows: LesionResultRecord[] = part.map((l, i) => ({
      position: start + i,
      element: l.element,
      name: planner.elementName(l.element),
      alpha: l.alpha,
      effects: planner.effects(results[i]!.outputs[subject.output]!),
    }));
    saveLesionResults(db, runId, rows);
    const finished = start + part.length;
    ctx.progress({ fraction: finished / lesions.length, done: finished, total: lesions.length, unit: 'lesions', message: `${finished} of ${lesions.length} lesions · ${subject.n} stimuli each` });
  }
  const clean = planner.effects(subject.clean[subject.output]!).classes;
  finishLesionRun(db, runId, {
    stimuli: subject.n,
    output: subject.output,
    classNames: planner.hasClasses ? subject.classNames : null,
    clean: { accuracy: clean?.accuracy ?? null, perClassAccuracy: clean?.perClassAccuracy ?? null, meanProbability: clean?.meanProbability ?? null },
    alphas: p.mode === 'steer' ? alphas : null,
    seconds: (Date.now() - started) / 1000,
  });
  return { runId, lesions: lesions.length, resumedAt: done };
}

export async function runShapleyJob(raw: unknown, ctx: JobContext): Promise<{ runId: number; evaluated: number }> {
  const { runId } = raw as { runId: number };
  const { db } = ctx;
  const run = getLesionRun(db, runId);
  const p = run.params as unknown as RunParams;
  const subject = await openSubject(db, { harvestId: run.harvestId, basisId: run.basisId ?? undefined, stimuli: p.stimuli, output: p.output });
  const planner = await LesionPlanner.open(subject, { mode: p.mode, positions: p.positions, seed: p.seed, value: p.value });
  setLesionStatus(db, runId, 'running');
  const measure = p.game as GameMeasure;
  const game = lesionGame(planner, run.elements, measure, { group: groupSize(subject.values.data.length), throwIfCancelled: () => ctx.throwIfCancelled() });
  // A game is its full definition: the same layer, elements, lesion, measure and stimuli give the same coalition values
  // (the seed matters only to resampling; the sampler's own seed picks permutations, not values).
  const definition = { harvestId: run.harvestId, basisId: run.basisId, tensor: subject.harvest.tensor, elements: run.elements, mode: p.mode, positions: p.positions, seed: p.mode === 'resample' ? p.seed : undefined, value: p.value, stimuli: subject.n, output: subject.output, measure };
  const gameId = shapleyGameId(db, JSON.parse(canonicalJson(definition)), run.elements.length);
  const cachedBefore = cachedCoalitionCount(db, gameId);
  const cached = cachedGame(game, sqliteCoalitionStore(db, gameId));
  const result = await runMsa(cached, {
    method: p.method ?? 'auto',
    maxPermutations: p.samples ?? 200,
    tolerance: p.tolerance,
    interactions: p.interactions ?? 0,
    topK: p.top,
    seed: p.seed,
    onProgress: (fraction, message, live) => ctx.progress({ fraction, message, live }),
  });
  finishLesionRun(db, runId, { game: measure, stimuli: subject.n, ...result, evaluated: cached.evaluated, cached: cachedBefore });
  return { runId, evaluated: cached.evaluated };
}

export async function runLossRecoveredJob(raw: unknown, ctx: JobContext): Promise<{ runId: number }> {
  const { runId } = raw as { runId: number };
  const { db } = ctx;
  const run = getLesionRun(db, runId);
  const p = run.params as unknown as RunParams;
  setLesionStatus(db, runId, 'running');
  // A token model (#13): next-token cross-entropy at every position of the text set's contexts, spliced in place.
  const { harvest } = resolveTarget(db, { harvestId: run.harvestId, basisId: run.basisId ?? undefined });
  if (run.basisId !== null && isTokenHarvest(db, harvest)) {
    const summary = await tokenLossRecoveredOf(db, harvest, run.basisId, p, {
      onProgress: (done, total, message) => ctx.progress({ fraction: done / total, done, total, unit: 'contexts', message }),
      throwIfCancelled: () => ctx.throwIfCancelled(),
    });
    finishLesionRun(db, runId, summary);
    return { runId };
  }
  ctx.progress({ fraction: 0.05, message: 'Recording the layer' });
  const subject = await openSubject(db, { harvestId: run.harvestId, basisId: run.basisId ?? undefined, stimuli: p.stimuli, output: p.output });
  ctx.throwIfCancelled();
  ctx.progress({ fraction: 0.5, message: 'Splicing the basis in' });
  const summary = await lossRecovered(subject);
  finishLesionRun(db, runId, summary);
  return { runId };
}
