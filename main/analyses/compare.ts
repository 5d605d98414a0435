// Comparing the bases of one harvest: per metric per basis the values, the median with a seeded bootstrap 95%
// interval, Mann–Whitney U against the neurons and against the random basis, and how well each basis' directions are
// matched by each other basis' (mean over directions of the max |cosine|).
import type { Comparison, ComparisonBasis, MetricName } from './types';
import type { BasisQualityInfo } from '../bases/types';
import { matmulABt } from '../linalg/ort';
import { loadBasis } from '../bases/load';
import { listBases, type BasisRecord } from '../store/bases';
import { latestNulls, metricNamesOf, metricValues } from '../store/features';
import type { Db } from '../store/project';
import { getHarvest } from '../store/repo';
import { latestLossRecovered } from '../store/lesions'; // room: text (#13 loss recovered)
import { deriveSeed, Rng } from '../util/random';
import { bootstrapMedianCi, mannWhitneyU, median } from './stats';
import { nullSaturation, type Saturation } from './ceiling'; // room: i8

/** Directions of basis i sampled for the match matrix at most (seeded), to bound the cost for large SAEs. */
export const MATCH_SAMPLE = 2048;

export function unitRows(d: Float32Array, m: number, dim: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let i = 0; i < m; i++) {
    let n = 0;
    for (let k = 0; k < dim; k++) n += d[i * dim + k]! ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < dim; k++) out[i * dim + k] = d[i * dim + k]! * inv;
  }
  return out;
}

/** Mean over the rows of A (or a seeded sample of MATCH_SAMPLE of them) of max_j |cos(Aᵢ, Bⱼ)|; rows unit-normalised. */
export async function meanMaxAbsCos(a: Float32Array, ma: number, b: Float32Array, mb: number, dim: number, seed: number): Promise<number> {
  let rows = Array.from({ length: ma }, (_, i) => i);
  if (ma > MATCH_SAMPLE) rows = Array.from(new Rng(seed).sampleIndices(ma, MATCH_SAMPLE));
  const block = Math.max(1, Math.floor((1 << 22) / Math.max(1, mb)));
  let total = 0;
  for (let s = 0; s < rows.length; s += block) {
    const idx = rows.slice(s, s + block);
    const sub = new Float32Array(idx.length * dim);
    idx.forEach((r, i) => sub.set(a.subarray(r * dim, (r + 1) * dim), i * dim));
    const c = await matmulABt(sub, idx.length, dim, b, mb);
    for (let i = 0; i < idx.length; i++) {
      let best = 0;
      for (let j = 0; j < mb; j++) {
        const v = Math.abs(c[i * mb + j]!);
        if (v > best) best = v;
      }
      total += Math.min(1, best);
    }
  }
  return total / rows.length;
}

export async function compareBases(db: Db, harvestId: number, bootstrap: number, seed: number): Promise<Comparison> {
  getHarvest(db, harvestId);
  const recs = listBases(db, harvestId).filter((b) => b.status === 'done' || b.status === 'imported');
  const names = new Set<MetricName>();
  for (const b of recs) for (const m of metricNamesOf(db, b.id)) names.add(m);
  const metricNames = [...names].sort();
  const values = new Map<number, Map<MetricName, number[]>>();
  for (const b of recs) {
    const per = new Map<MetricName, number[]>();
    for (const m of metricNames) per.set(m, metricValues(db, b.id, m).filter(Number.isFinite));
    values.set(b.id, per);
  }
  const neurons = recs.find((b) => b.method === 'neurons');
  // The random basis with metrics (the null), else the first random basis.
  const randoms = recs.filter((b) => b.method === 'random');
  const random = randoms.find((b) => metricNamesOf(db, b.id).length > 0) ?? randoms[0];
  const test = (self: BasisRecord, other: BasisRecord | undefined, m: MetricName) => {
    if (!other || other.id === self.id) return null;
    const r = mannWhitneyU(values.get(self.id)!.get(m)!, values.get(other.id)!.get(m)!);
    return r ? { u: r.u, p: r.p, effect: r.effect } : null;
  };
  const recovered = latestLossRecovered(db); // room: text (#13 loss recovered)
  const bases: ComparisonBasis[] = recs.map((b) => {
    const metrics: ComparisonBasis['metrics'] = {};
    const nulls = latestNulls(db, b.id);
    metricNames.forEach((m, mi) => {
      const v = values.get(b.id)!.get(m)!;
      if (v.length === 0) return;
      // z against the null stored with this basis' metrics run (same trials, seed and pooling as its values).
      const n = nulls[m];
      const nullInfo = n && Number.isFinite(n.mean) ? { basisId: n.basisId, mean: n.mean, sd: n.sd, n: n.n } : null;
      metrics[m] = {
        values: v,
        median: median(v),
        ci95: bootstrapMedianCi(v, bootstrap, deriveSeed(seed, b.id, mi)),
        vsNeurons: test(b, neurons, m),
        vsRandom: test(b, random, m),
        medianZ: nullInfo && nullInfo.sd > 0 ? median(v.map((x) => (x - nullInfo.mean) / nullInfo.sd)) : null,
        null: nullInfo,
      };
    });
    const lr = recovered.get(b.id) as { ceScoreZero: number | null; ceScoreMean: number | null; stimuli: number; tokens?: number } | undefined;
    const lossRecovered = lr ? { ceScoreZero: lr.ceScoreZero, ceScoreMean: lr.ceScoreMean, stimuli: lr.stimuli, ...(lr.tokens !== undefined ? { tokens: lr.tokens } : {}) } : null;
    return { basisId: b.id, name: b.name, method: b.method as ComparisonBasis['method'], nFeatures: b.nFeatures, quality: b.quality as BasisQualityInfo | null, metrics, lossRecovered };
  });
  const dirs = recs.map((b) => {
    const basis = loadBasis(db, b);
    return { m: basis.nFeatures, dim: basis.dim, d: unitRows(basis.directions(), basis.nFeatures, basis.dim) };
  });
  const matchMatrix: number[][] = [];
  for (let i = 0; i < recs.length; i++) {
    const row: number[] = [];
    for (let j = 0; j < recs.length; j++) {
      row.push(i === j ? 1 : await meanMaxAbsCos(dirs[i]!.d, dirs[i]!.m, dirs[j]!.d, dirs[j]!.m, dirs[i]!.dim, deriveSeed(seed, recs[i]!.id)));
    }
    matchMatrix.push(row);
  }
  // room: i8 — metrics whose random-direction null sits at a bound cannot discriminate on this harvest
  const saturated: Partial<Record<MetricName, Saturation>> = {};
  if (random) {
    for (const m of metricNames) {
      const s = nullSaturation(m, values.get(random.id)!.get(m)!);
      if (s) saturated[m] = s;
    }
  }
  return { harvestId, bases, metricNames, matchMatrix, neuronsBasisId: neurons?.id ?? null, randomBasisId: random?.id ?? null, bootstrap, seed, saturated };
}
