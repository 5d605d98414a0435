// API of the features room: per-feature examples and statistics, interpretability metrics, the comparison of
// bases, and pinned collections.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { bootstrapSchema, id, seedSchema } from './common';
import { metricNameSchema, type Comparison, type MetricDefinition } from '../../analyses/types';
import type { FeatureDetail, FeatureTable } from '../../analyses/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export { metricNameSchema } from '../../analyses/types';
export type { Comparison, ComparisonBasis, MetricDefinition, MetricName } from '../../analyses/types';
export type { FeatureDetail, FeatureExample, FeatureSummary, FeatureTable } from '../../analyses/types';

export const featuresMethods = {
  'features.compute': z
    .object({ basisId: id, topK: z.number().int().min(10).max(200).default(32), bands: z.number().int().min(2).max(20).default(8) })
    .strict(),
  'features.table': z.object({ basisId: id }).strict(),
  'features.get': z.object({ basisId: id, feature: z.number().int().min(0) }).strict(),
  'metrics.definitions': z.object({}).strict(),
  'metrics.compute': z
    .object({
      basisId: id,
      metrics: z.array(metricNameSchema).min(1),
      /** An opened model for the perceptual similarity, needed by *-perceptual: a one-image network (its feature maps, LPIPS-style) or a two-image distance network (img0, img1 → d, e.g. LPIPS in ONNX). */
      perceptualModelId: id.optional(),
      /** Pixel convention for the perceptual network's input (a recipe preset name, e.g. 'imagenet'); default: 0..1 RGB. */
      perceptualPreset: z.string().max(64).optional(),
      trials: z.number().int().min(1).max(200).default(20),
      seed: z.number().int().min(0).default(0),
      /** How the 2AFC pools a side's z-scored similarities: 'sum' (as the task is usually worded) or 'mean' (Klindt's code). */
      afcPool: z.enum(['sum', 'mean']).default('sum'),
    })
    .strict(),
  'compare.run': z.object({ harvestId: id, bootstrap: bootstrapSchema, seed: seedSchema }).strict(),
  'collections.list': z.object({}).strict(),
  'collections.pin': z.object({ name: z.string().min(1).max(200), basisId: id, feature: z.number().int().min(0), pinned: z.boolean() }).strict(),
} as const;

export interface FeaturesResults {
  'features.compute': { jobId: number };
  'features.table': FeatureTable;
  'features.get': FeatureDetail;
  'metrics.definitions': MetricDefinition[];
  'metrics.compute': { jobId: number };
  'compare.run': Comparison;
  'collections.list': { name: string; items: { basisId: number; feature: number }[] }[];
  'collections.pin': { name: string; items: { basisId: number; feature: number }[] };
}
