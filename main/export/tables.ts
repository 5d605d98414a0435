// The lab's tables as typed columns: a basis' feature statistics, its per-feature metric values (with z-scores
// against the random-direction null), and a comparison of bases (one row per basis and metric, with the medians,
// bootstrap CIs and Mann–Whitney tests the Compare panel and reports show). Built from the same objects the API
// returns, so an export holds exactly the numbers on screen.
import type { Cell, Column, Table } from './types';

/** The parts of a feature table an export reads (the API's FeatureTable satisfies it). */
export interface FeatureTableLike {
  metricNames: readonly string[];
  features: { feature: number; density: number; mean: number; min: number; max: number; metrics: Partial<Record<string, number>>; zScores?: Partial<Record<string, number>> }[];
}

interface TestLike {
  u: number;
  p: number;
  effect: number;
}
/** The parts of a comparison an export reads (the API's Comparison satisfies it). */
export interface ComparisonLike {
  harvestId: number;
  bootstrap: number;
  seed: number;
  bases: {
    basisId: number;
    name: string;
    method: string;
    nFeatures: number;
    quality: { explainedVariance: number | null; mse: number | null; l0: number; deadFraction: number } | null;
    metrics: Partial<Record<string, { values: number[]; median: number; ci95: [number, number]; vsNeurons: TestLike | null; vsRandom: TestLike | null; medianZ?: number | null }>>;
  }[];
}

const num = (v: number | null | undefined): Cell => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

export function statsTable(t: FeatureTableLike): Table {
  const columns: Column[] = [
    { name: 'feature', type: 'int' },
    { name: 'density', type: 'float' },
    { name: 'mean', type: 'float' },
    { name: 'min', type: 'float' },
    { name: 'max', type: 'float' },
  ];
  return { columns, rows: t.features.map((f) => [f.feature, num(f.density), num(f.mean), num(f.min), num(f.max)]) };
}

export function metricsTable(t: FeatureTableLike): Table {
  const names = [...t.metricNames];
  const columns: Column[] = [
    { name: 'feature', type: 'int' },
    ...names.map((n): Column => ({ name: n, type: 'float' })),
    ...names.map((n): Column => ({ name: `${n}_z`, type: 'float' })),
  ];
  return {
    columns,
    rows: t.features.map((f) => [f.feature, ...names.map((n) => num(f.metrics[n])), ...names.map((n) => num(f.zScores?.[n]))]),
  };
}

export function comparisonTable(c: ComparisonLike, metricNames: readonly string[]): Table {
  const columns: Column[] = [
    { name: 'harvest_id', type: 'int' },
    { name: 'basis_id', type: 'int' },
    { name: 'basis', type: 'string' },
    { name: 'method', type: 'string' },
    { name: 'n_features', type: 'int' },
    { name: 'explained_variance', type: 'float' },
    { name: 'mse', type: 'float' },
    { name: 'l0', type: 'float' },
    { name: 'dead_fraction', type: 'float' },
    { name: 'metric', type: 'string' },
    { name: 'n', type: 'int' },
    { name: 'median', type: 'float' },
    { name: 'ci95_lo', type: 'float' },
    { name: 'ci95_hi', type: 'float' },
    { name: 'median_z', type: 'float' },
    { name: 'u_vs_neurons', type: 'float' },
    { name: 'p_vs_neurons', type: 'float' },
    { name: 'effect_vs_neurons', type: 'float' },
    { name: 'u_vs_random', type: 'float' },
    { name: 'p_vs_random', type: 'float' },
    { name: 'effect_vs_random', type: 'float' },
    { name: 'bootstrap', type: 'int' },
    { name: 'seed', type: 'int' },
  ];
  const rows: Cell[][] = [];
  for (const b of c.bases) {
    const q = b.quality;
    for (const m of metricNames) {
      const s = b.metrics[m];
      if (!s) continue;
      rows.push([
        c.harvestId, b.basisId, b.name, b.method, b.nFeatures,
        num(q?.explainedVariance), num(q?.mse), num(q?.l0), num(q?.deadFraction),
        m, s.values.length, num(s.median), num(s.ci95[0]), num(s.ci95[1]), num(s.medianZ),
        num(s.vsNeurons?.u), num(s.vsNeurons?.p), num(s.vsNeurons?.effect),
        num(s.vsRandom?.u), num(s.vsRandom?.p), num(s.vsRandom?.effect),
        c.bootstrap, c.seed,
      ]);
    }
  }
  return { columns, rows };
}
