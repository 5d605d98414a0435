// API of the lesion room (#10): ablation sweeps (each chosen unit or feature lesioned alone, or steered along α),
// loss recovered by splicing a basis in, and multi-perturbation Shapley analysis over a set of elements.
import { z } from 'zod';
import { LESION_MODES } from '../../lesions/types';
import type { ClassEffects, Effects } from '../../lesions/plan';
import type { MsaResult } from '../../lesions/shapley/msa';
import type { LesionRunRecord } from '../../store/lesions';

export const lesionModes = LESION_MODES;
export type { LesionMode } from '../../lesions/types';

/** Which elements: a list, the top N by a stored metric, or all of them. */
export const elementSelectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('list'), indices: z.array(z.number().int().min(0)).min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('top'), n: z.number().int().min(1).max(4096), by: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
]);
export type ElementSelection = z.infer<typeof elementSelectionSchema>;

const target = {
  /** The harvest whose layer and stimuli are lesioned; with basisId, the basis's harvest when omitted. */
  harvestId: z.number().int().positive().optional(),
  basisId: z.number().int().positive().optional(),
  elements: elementSelectionSchema,
  mode: z.enum(lesionModes),
  /** clamp's value (a latent's value for features, a unit's value for units). */
  value: z.number().finite().optional(),
  positions: z.enum(['all', 'centre']).default('all'),
  /** Stimuli of the harvest's set the effects are measured on (its first N). */
  stimuli: z.number().int().min(1).max(100000).default(1000),
  /** The output the effects are measured on (the model's first output by default). */
  output: z.string().min(1).optional(),
  seed: z.number().int().min(0).default(0),
};

export const lesionsMethods = {
  'lesions.ablate': z
    .object({ ...target, alphas: z.array(z.number().finite()).min(1).max(64).optional() })
    .strict(),
  'lesions.shapley': z
    .object({
      ...target,
      /** v(S) = accuracy, the mean logit of one class, or −cross-entropy, with every element outside S lesioned. */
      game: z.string().regex(/^(accuracy|loss|logit:\d+)$/, 'game is accuracy, loss or logit:CLASS'),
      /** adaptive: Neuron Shapley's truncated, bandit-adaptive sampling, settling only the top `top` contributors. */
      method: z.enum(['auto', 'exact', 'sampled', 'adaptive']).default('auto'),
      top: z.number().int().min(1).max(64).default(10),
      samples: z.number().int().min(1).max(100000).default(200),
      tolerance: z.number().positive().optional(),
      interactions: z.number().int().min(0).max(32).default(8),
    })
    .strict(),
  'lesions.lossRecovered': z
    .object({ basisId: z.number().int().positive(), stimuli: z.number().int().min(1).max(100000).default(1000), output: z.string().min(1).optional() })
    .strict(),
  'lesions.list': z.object({}).strict(),
  'lesions.get': z.object({ runId: z.number().int().positive() }).strict(),
};

/** Effects of one lesion on one output, as the engine computes them (lesions/plan.ts). */
export type ClassEffectsInfo = ClassEffects;
export type LesionEffects = Effects;

/** A run as the store keeps it (store/lesions.ts). */
export type LesionRunInfo = LesionRunRecord;

/** One lesion of a sweep: an element at one α (steer) or alone (others). */
export interface LesionResultRow {
  position: number;
  element: number;
  name: string;
  alpha: number | null;
  effects: LesionEffects;
}

/** The engine's summary of a loss-recovered run (lesions/loss-recovered.ts), as the API gives it. */
export type { LossRecoveredSummary as LossRecoveredInfo } from '../../lesions/loss-recovered';

/** A sweep's summary: the clean model's effects and what the elements are. */
export interface SweepSummary {
  stimuli: number;
  output: string;
  classNames: string[] | null;
  clean: { accuracy: number | null; perClassAccuracy: (number | null)[] | null; meanProbability?: number[] | null };
  alphas: number[] | null;
}

/** An MSA run's summary (msapy's conventions: v(S) with every element outside S lesioned): the engine's result
 * (lesions/shapley/msa.ts) with the game, the stimuli, and how many coalitions the model evaluated in this run (the
 * rest came from the project's cache). */
export interface ShapleySummary extends MsaResult {
  game: string;
  stimuli: number;
  evaluated: number;
  cached: number;
}

export interface LesionsResults {
  'lesions.ablate': { jobId: number; runId: number };
  'lesions.shapley': { jobId: number; runId: number };
  'lesions.lossRecovered': { jobId: number; runId: number };
  'lesions.list': LesionRunInfo[];
  'lesions.get': { run: LesionRunInfo; results: LesionResultRow[] };
}
