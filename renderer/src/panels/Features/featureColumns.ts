// The feature table as typed columns (#18): features.columns sends one base64 float64 string per column; here they
// become Float64Arrays, and each table row is a view (getters over the columns, no copied values), so 131,072
// features cost a few typed arrays and one small object per row instead of one parsed JSON object per feature.
import type { FeatureColumnsPayload, FeatureSummary, FeatureTable, MetricName } from '../../../../main/api/contract';

export interface FeatureCols {
  density: Float64Array;
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
  metrics: [MetricName, Float64Array][];
  zScores: [MetricName, Float64Array][];
}

function f64(b64: string): Float64Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer, 0, bytes.length / 8);
}

export function decodeColumns(p: FeatureColumnsPayload): FeatureCols {
  const named = (o: Partial<Record<MetricName, string>>) => (Object.entries(o) as [MetricName, string][]).map(([k, v]) => [k, f64(v)] as [MetricName, Float64Array]);
  return { density: f64(p.density), mean: f64(p.mean), min: f64(p.min), max: f64(p.max), metrics: named(p.metrics), zScores: named(p.zScores) };
}

/** A feature's values, read from the columns (at index `at`: the feature itself, or its place in a page) when asked. */
class ColumnRow implements FeatureSummary {
  constructor(
    private readonly c: FeatureCols,
    readonly feature: number,
    private readonly at: number,
  ) {}
  get density(): number {
    return this.c.density[this.at]!;
  }
  get mean(): number {
    return this.c.mean[this.at]!;
  }
  get min(): number {
    return this.c.min[this.at]!;
  }
  get max(): number {
    return this.c.max[this.at]!;
  }
  get metrics(): Partial<Record<MetricName, number>> {
    return pick(this.c.metrics, this.at);
  }
  get zScores(): Partial<Record<MetricName, number>> {
    return pick(this.c.zScores, this.at);
  }
}

function pick(cols: [MetricName, Float64Array][], j: number): Partial<Record<MetricName, number>> {
  const out: Partial<Record<MetricName, number>> = {};
  for (const [name, col] of cols) if (!Number.isNaN(col[j])) out[name] = col[j];
  return out;
}

/** The payload as the table the Features panel shows: rows are views over the decoded columns. A page
 * (features.columnsPage, `offset` set) becomes a table of the page's rows only, with nFeatures still the count of all,
 * until the whole columns replace it — h18ui (#18): not a table of every feature with NaN outside the page, whose
 * 131,072 row objects and NaN columns cost the first render more than the page itself. */
export function columnTable(p: FeatureColumnsPayload): FeatureTable {
  const cols = decodeColumns(p);
  const offset = p.offset ?? 0;
  const n = p.computed ? cols.density.length : 0;
  const features: FeatureSummary[] = new Array(n);
  for (let i = 0; i < n; i++) features[i] = new ColumnRow(cols, offset + i, i);
  return { basisId: p.basisId, nFeatures: p.nFeatures, computed: p.computed, metricNames: p.metricNames, features };
}
