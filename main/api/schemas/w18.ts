// API of the feature-columns room (#18): the Features panel's table as typed columns — one base64 string of
// little-endian float64 per column — instead of one JSON object per feature, so 131,072 features cross as a few MB
// that the renderer views as Float64Arrays without parsing an object per feature.
import { z } from 'zod';
import type { MetricName } from '../../analyses/types';

export const w18Methods = {
  'features.columns': z.object({ basisId: z.number().int().positive() }).strict(),
  /** The columns of features offset … offset+limit−1 only: the panel's first rows, before the whole columns arrive. */
  'features.columnsPage': z.object({ basisId: z.number().int().positive(), offset: z.number().int().min(0), limit: z.number().int().min(1).max(10_000) }).strict(),
};

/** Base64 of a Float64Array (little-endian), one value per feature in feature order; NaN where a value is missing. */
export type Float64Column = string;

export interface FeatureColumnsPayload {
  basisId: number;
  nFeatures: number;
  /** Whether the statistics job has run (else every column is empty). */
  computed: boolean;
  metricNames: MetricName[];
  density: Float64Column;
  mean: Float64Column;
  min: Float64Column;
  max: Float64Column;
  metrics: Partial<Record<MetricName, Float64Column>>;
  /** z-score of each metric against the random-direction null, where a null was computed. */
  zScores: Partial<Record<MetricName, Float64Column>>;
  /** features.columnsPage: the first feature of these columns (absent: the columns hold every feature from 0). */
  offset?: number;
}

export interface W18Results {
  'features.columns': FeatureColumnsPayload;
  'features.columnsPage': FeatureColumnsPayload;
}
