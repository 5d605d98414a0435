// API of the features room: per-feature examples and statistics, interpretability metrics, the comparison of
// bases, and pinned collections.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { bootstrapSchema, id, seedSchema } from './common';
import type { Histogram } from './harvests';
import type { BasisMethodName, BasisQualityInfo } from './bases';

export const metricNameSchema = z.enum([
  '2afc-pixel',
  '2afc-colour',
  '2afc-label',
  '2afc-perceptual',
  'consistency-pixel',
  'consistency-colour',
  'consistency-label',
  'consistency-perceptual',
  'label-purity',
  'label-entropy',
  'compression',
]);
export type MetricName = z.infer<typeof metricNameSchema>;

export interface FeatureSummary {
  feature: number;
  /** Fraction of rows on which the feature is active (> 0 for non-negative codes, |f| > 1e-8 otherwise). */
  density: number;
  mean: number;
  max: number;
  min: number;
  /** Metric values of this feature, by metric name, where computed. */
  metrics: Partial<Record<MetricName, number>>;
  /**
   * z-scores of the metric values against the random-direction null stored with the basis' metrics:
   * (value − mean of the null basis' values) / their sample sd. Absent where there is no null or its sd is 0.
   */
  zScores?: Partial<Record<MetricName, number>>;
}

export interface FeatureExample {
  row: number;
  stimulusIndex: number;
  label: number | null;
  labelName: string | null;
  activation: number;
  position: [number, number] | null;
  /** PNG data: URL of the stimulus — or, for conv maps recorded at every position, of its receptive-field crop. */
  thumbnail: string;
  /** For receptive-field crops: the crop box in stimulus pixels [y0, x0, y1, x1]. */
  crop: [number, number, number, number] | null;
  /**
   * For receptive-field crops: the crop with the feature's activation at each grid position it covers as a heat
   * overlay (each pixel takes its nearest position's activation; red positive, blue negative, opacity 0.6·|a| over the
   * feature's largest |activation|), as a PNG data: URL.
   */
  overlay?: string;
}

export interface FeatureDetail extends FeatureSummary {
  basisId: number;
  top: FeatureExample[];
  bottom: FeatureExample[];
  /** Examples sampled from activation intervals (Anthropic-style dashboards): each band with its range. */
  bands: { lo: number; hi: number; count: number; examples: FeatureExample[] }[];
  histogram: Histogram;
  /** Label counts among the top examples, for labelled stimulus sets. */
  labelCounts: { label: number; name: string; count: number }[] | null;
  /** Nearest directions in the other bases of the same harvest by |cosine|. */
  neighbours: { basisId: number; basisName: string; feature: number; cosine: number }[];
  /**
   * The direction (and, for SAEs, the encoder row) as an image when d factors as an image shape, else null.
   * `values` are channel-major (C × H × W), the order of an NCHW tensor.
   */
  weightImages: { name: string; height: number; width: number; channels: number; values: number[] }[] | null;
  /** z-scores of each metric against the random-direction null of the same harvest. */
  zScores: Partial<Record<MetricName, number>>;
  /**
   * For conv maps harvested at every position: how the crops were made — 'analytic' (from the graph's Conv/Pool
   * kernels, strides, padding, dilation) or 'proportional' (the grid cell; the graph could not be traced) — with a
   * sentence for the UI. Null for other harvests (whole stimuli are shown).
   */
  receptiveField: { method: 'analytic' | 'proportional'; size: [number, number]; stride: [number, number]; note: string } | null;
}

export interface FeatureTable {
  basisId: number;
  nFeatures: number;
  /** Present once the feature-statistics job has run. */
  computed: boolean;
  metricNames: MetricName[];
  features: FeatureSummary[];
}

export interface MetricDefinition {
  name: MetricName;
  title: string;
  /** The formula in words and symbols, and its source; shown in the app. */
  formula: string;
  source: string;
  /** Where the lab departs from the source. */
  departure: string | null;
  needsLabels: boolean;
  needsPerceptualModel: boolean;
}

export interface ComparisonBasis {
  basisId: number;
  name: string;
  method: BasisMethodName;
  nFeatures: number;
  quality: BasisQualityInfo | null;
  metrics: Partial<
    Record<
      MetricName,
      {
        values: number[];
        median: number;
        ci95: [number, number];
        /** Mann–Whitney U against the neurons and the random basis (two-sided p, normal approximation with tie correction). */
        vsNeurons: { u: number; p: number; effect: number } | null;
        vsRandom: { u: number; p: number; effect: number } | null;
        /**
         * Median over the features of their z-scores against the random-direction null stored with this basis' metrics
         * (null: none stored, or its sd is 0), and that null: the random basis, the mean and sample sd of its values.
         */
        medianZ?: number | null;
        null?: { basisId: number; mean: number; sd: number; n: number } | null;
      }
    >
  >;
}

export interface Comparison {
  harvestId: number;
  bases: ComparisonBasis[];
  metricNames: MetricName[];
  /** matchMatrix[i][j]: mean over directions of basis i of the max |cosine| with any direction of basis j. */
  matchMatrix: number[][];
  /** The bases the Mann–Whitney tests compare against (null when the harvest has none). */
  neuronsBasisId: number | null;
  randomBasisId: number | null;
  bootstrap: number;
  seed: number;
}

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
