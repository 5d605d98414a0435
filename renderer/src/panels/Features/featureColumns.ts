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

/** Feature j's values, read from the columns when asked. */
class ColumnRow implements FeatureSummary {
  constructor(
    private readonly c: FeatureCols,
    readonly feature: number,
  ) {}
  get density(): number {
    return this.c.density[this.feature]!;
  }
  get mean(): number {
    return this.c.mean[this.feature]!;
  }
  get min(): number {
    return this.c.min[this.feature]!;
  }
  get max(): number {
    return this.c.max[this.feature]!;
  }
  get metrics(): Partial<Record<MetricName, number>> {
    return pick(this.c.metrics, this.feature);
  }
  get zScores(): Partial<Record<MetricName, number>> {
    return pick(this.c.zScores, this.feature);
  }
}

function pick(cols: [MetricName, Float64Array][], j: number): Partial<Record<MetricName, number>> {
  const out: Partial<Record<MetricName, number>> = {};
  for (const [name, col] of cols) if (!Number.isNaN(col[j])) out[name] = col[j];
  return out;
}

/** The payload as the table the Features panel shows: rows are views over the decoded columns. A page
 * (features.columnsPage, `offset` set) becomes a table of every feature whose values outside the page are NaN (shown
 * as —) until the whole columns replace it. */
export function columnTable(p: FeatureColumnsPayload): FeatureTable {
  const cols = p.offset === undefined ? decodeColumns(p) : spread(decodeColumns(p), p.offset, p.nFeatures);
  const n = p.computed ? cols.density.length : 0;
  const features: FeatureSummary[] = new Array(n);
  for (let j = 0; j < n; j++) features[j] = new ColumnRow(cols, j);
  return { basisId: p.basisId, nFeatures: p.nFeatures, computed: p.computed, metricNames: p.metricNames, features };
}

/** Page columns placed at `offset` in NaN-filled columns of all n features. */
function spread(c: FeatureCols, offset: number, n: number): FeatureCols {
  const full = (a: Float64Array) => {
    const out = new Float64Array(n).fill(NaN);
    out.set(a.subarray(0, Math.max(0, n - offset)), offset);
    return out;
  };
  const named = (l: [MetricName, Float64Array][]) => l.map(([k, v]) => [k, full(v)] as [MetricName, Float64Array]);
  return { density: full(c.density), mean: full(c.mean), min: full(c.min), max: full(c.max), metrics: named(c.metrics), zScores: named(c.zScores) };
}
