// The interpretability metrics' names and definitions and the comparison of bases, as the analyses produce them.
// The API contract re-exports them (main/api/schemas/features.ts), so the engine below it never imports the API.
import { z } from 'zod';
import type { BasisQualityInfo } from '../bases/types';
import type { BasisMethodName } from '../util/method-order';
import type { Histogram } from '../harvest/types';

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
  // room: text (#13 item 5) — text metrics of a text harvest's features (main/text/metrics.ts)
  'token-consistency',
  'ngram-overlap',
  'text-compression',
]);
export type MetricName = z.infer<typeof metricNameSchema>;

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
  /** room: text (#13) — read a text harvest's tokens and contexts (no images); absent for the image metrics. */
  needsText?: boolean;
}

export interface ComparisonBasis {
  basisId: number;
  name: string;
  method: BasisMethodName;
  nFeatures: number;
  quality: BasisQualityInfo | null;
  /** room: text (#13 loss recovered) — the basis's latest loss-recovered figure (lesions), where one was measured. */
  lossRecovered?: { ceScoreZero: number | null; ceScoreMean: number | null; stimuli: number; tokens?: number } | null;
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
  /**
   * Metrics whose random-direction null sits at the metric's ceiling or floor, so they cannot discriminate on this
   * harvest (absent in comparisons stored before issue #8).
   */
  saturated?: Partial<Record<MetricName, { at: 'ceiling' | 'floor'; bound: number; nullMedian: number; atBound: number }>>;
}

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
