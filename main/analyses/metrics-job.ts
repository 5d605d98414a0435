// The metrics job: interpretability scores of every feature of a basis from its stored top/bottom examples, plus the
// same scores on the random basis of the same harvest as a null (each metric then also reads as a z-score).
import type { MetricName } from './types';
import { UserError } from '../errors';
import type { JobContext } from '../jobs/types';
import { loadBasis } from '../bases/load';
import { openStimulusSource } from '../stimuli/open';
import type { StimulusSource, StimulusSpec } from '../stimuli/types';
import { readRowMeta } from '../store/activations';
import { getBasis } from '../store/bases';
import {
  featureTableRows,
  getFeatureRun,
  insertMetricRun,
  iterateFeatureExamples,
  saveFeatureStats,
  saveMetricValues,
  setMetricRunNull,
  type NullStats,
} from '../store/features';
import type { Db } from '../store/project';
import { getHarvest, getStimulusSet, type HarvestRecord } from '../store/repo';
import { deriveSeed, Rng } from '../util/random';
import { METRIC_TOP, metricDefinition } from './definitions';
import { computeFeatureStats, DEFAULT_BAND_SIZE, DEFAULT_BINS } from './feature-stats';
import { AFC_REFERENCES, compressionScore, consistency, deflatedBytes, labelNegEntropy, labelPurity, twoAfc, type AfcPool, type Sim } from './metrics';
import { PerceptualNet, planPerceptual } from './perceptual';
import { SimilarityTable, type SimilarityKind, type StimulusView } from './similarity';
import { mean, std } from './stats';
import { isTextMetric } from '../text/metrics'; // room: text (#13 item 5)
import { openTextMetrics } from '../text/metric-rows'; // room: text (#13 item 5)

export interface MetricsJobParams {
  basisId: number;
  metrics: MetricName[];
  perceptualModelId?: number;
  perceptualPreset?: string;
  trials: number;
  seed: number;
  /** How the 2AFC pools a side's z-scored similarities (default 'sum', as REFERENCES words it; 'mean' as Klindt's code). */
  afcPool?: AfcPool;
  /** The random basis whose features give the null distribution (null: none). */
  nullBasisId: number | null;
  /** Used when feature statistics must be computed first. */
  topK?: number;
  bands?: number;
}

const COMPRESSION_DRAWS = 3;

function kindOf(metric: MetricName): SimilarityKind | null {
  const m = /^(?:2afc|consistency)-(pixel|colour|label|perceptual)$/.exec(metric);
  return m ? (m[1] as SimilarityKind) : null;
}

/** Whether a harvest's rows carry labels (from its stimulus set, or imported with labels). */
export function harvestHasLabels(db: Db, h: HarvestRecord): boolean {
  if (h.stimulusSetId) return getStimulusSet(db, h.stimulusSetId).labelNames !== null;
  return typeof h.params.labelsFrom === 'string';
}

/** Refuses, in one sentence, a request that cannot run — before a job starts. */
export function validateMetricsRequest(db: Db, basisId: number, metrics: MetricName[], perceptualModelId?: number, perceptualPreset?: string): void {
  const rec = getBasis(db, basisId);
  if (rec.status !== 'done' && rec.status !== 'imported') throw new UserError('basis.unfinished', `Basis ${basisId} is ${rec.status}; only finished bases can be scored.`);
  const h = getHarvest(db, rec.harvestId);
  const set = h.stimulusSetId ? getStimulusSet(db, h.stimulusSetId) : null;
  const needLabels = metrics.filter((m) => metricDefinition(m).needsLabels);
  if (needLabels.length && !harvestHasLabels(db, h)) {
    throw new UserError(
      'metrics.needs-labels',
      `${needLabels.join(', ')} ${needLabels.length > 1 ? 'need' : 'needs'} labelled stimuli, but ${set ? `stimulus set "${set.name}"` : `harvest ${h.id}`} has no labels; choose image metrics or a labelled stimulus set.`,
    );
  }
  // room: text (#13 item 5) — text metrics read a text harvest; image metrics cannot
  const needText = metrics.filter((m) => metricDefinition(m).needsText);
  if (needText.length && set?.kind !== 'text') {
    throw new UserError('metrics.needs-text', `${needText.join(', ')} ${needText.length > 1 ? 'read' : 'reads'} tokens and contexts, but harvest ${h.id} was not recorded over a text stimulus set; choose image metrics.`);
  }
  const needImages = metrics.filter((m) => !metricDefinition(m).needsLabels && !metricDefinition(m).needsText);
  if (needImages.length && set?.kind === 'text') {
    throw new UserError('metrics.needs-images', `${needImages.join(', ')} compare images, but stimulus set "${set.name}" is text; choose the text metrics (token-consistency, ngram-overlap, text-compression).`);
  }
  if (needImages.length && !set) {
    throw new UserError('metrics.needs-stimuli', `${needImages.join(', ')} compare stimulus images, but harvest ${h.id} was imported without its stimuli; use the label metrics instead.`);
  }
  if (set && needImages.length && set.kind === 'noise' && set.itemShape.length < 2) {
    throw new UserError('metrics.needs-images', `${needImages.join(', ')} compare images, but stimulus set "${set.name}" holds ${set.itemShape.join('×')} vectors, not images.`);
  }
  const needPerceptual = metrics.filter((m) => metricDefinition(m).needsPerceptualModel);
  if (needPerceptual.length) {
    if (perceptualModelId === undefined) {
      throw new UserError('metrics.needs-perceptual-model', `${needPerceptual.join(', ')} ${needPerceptual.length > 1 ? 'need' : 'needs'} a perceptual network; open an image model and pass it as the perceptual model.`);
    }
    planPerceptual(db, perceptualModelId, perceptualPreset);
  }
}

async function ensureFeatureStats(db: Db, basisId: number, topK: number, bands: number, ctx: JobContext | null): Promise<void> {
  if (getFeatureRun(db, basisId)) return;
  const rec = getBasis(db, basisId);
  const basis = loadBasis(db, rec);
  const full = { topK, bands, bandSize: DEFAULT_BAND_SIZE, bins: DEFAULT_BINS, seed: 0 };
  const r = await computeFeatureStats(db, basis, rec.harvestId, full, null);
  ctx?.throwIfCancelled();
  saveFeatureStats(db, { basisId, jobId: ctx?.jobId ?? null, ...full, rows: r.rows, params: full }, r.stats, r.examples, r.histograms);
}

export interface MetricContext {
  trials: number;
  seed: number;
  /** 2AFC pooling of a side's z-scored similarities; 'sum' when absent. */
  pool?: AfcPool;
  source: StimulusSource | null;
  perceptual: PerceptualNet | null;
  images: Map<number, StimulusView>;
  embeddings: Map<number, Float32Array>;
  /** A distance network's d(i, j) by stimulus ids (first, second), kept across the basis and its null. */
  pairDistances?: Map<number, Map<number, number>>;
}

/** Pairs are fed to a distance network this many at a time (each side fitted from the cached display images). */
const PAIR_BATCH = 256;

/** Metric values of every feature of a basis (NaN for constant features and where a metric cannot be computed). */
export async function computeMetrics(
  db: Db,
  basisId: number,
  metrics: MetricName[],
  mc: MetricContext,
  progress: (fraction: number, message: string) => void,
  throwIfCancelled: () => void,
): Promise<Record<string, Float64Array>> {
  const rec = getBasis(db, basisId);
  const h = getHarvest(db, rec.harvestId);
  const summary = featureTableRows(db, basisId);
  const m = summary.length;
  // The head every top-example statistic is computed over: METRIC_TOP rows, or all kept if fewer were asked for.
  const headSize = Math.min(METRIC_TOP, getFeatureRun(db, basisId)?.topK ?? METRIC_TOP);
  const feats: { top: number[]; bottom: number[] }[] = [];
  const allRows: number[] = [];
  for (const e of iterateFeatureExamples(db, basisId)) {
    feats[e.feature] = { top: Array.from(e.top), bottom: Array.from(e.bottom) };
    for (const r of e.top) allRows.push(r);
    for (const r of e.bottom) allRows.push(r);
  }
  const meta = readRowMeta(db, h.id, allRows);
  const stim = (row: number) => meta.get(row)?.stimulusIndex ?? row;
  const labelOfStim = new Map<number, number | null>();
  for (const r of allRows) {
    const mm = meta.get(r);
    if (mm) labelOfStim.set(mm.stimulusIndex, mm.label);
  }
  const scoreText = metrics.some(isTextMetric) ? openTextMetrics(db, h) : null; // room: text (#13 item 5)
  const kinds = new Set(metrics.map(kindOf).filter((k): k is SimilarityKind => k !== null));
  const needImages = [...kinds].some((k) => k !== 'label') || metrics.includes('compression');
  const tables = new Map<SimilarityKind, SimilarityTable>([...kinds].map((k) => [k, new SimilarityTable(k)]));

  const view = async (i: number): Promise<StimulusView> => {
    let v = mc.images.get(i);
    if (!v) {
      const im = await mc.source!.image(i);
      v = { width: im.width, height: im.height, rgb: im.rgb, label: labelOfStim.get(i) ?? null };
      mc.images.set(i, v);
    }
    return v;
  };
  // Every stimulus the similarities need, made once.
  const needed = new Set<number>();
  for (const f of feats) if (f) for (const r of [...f.top, ...f.bottom]) needed.add(stim(r));
  if (needImages) {
    let n = 0;
    for (const i of needed) {
      await view(i);
      if (++n % 256 === 0) {
        throwIfCancelled();
        progress(0.2 * (n / needed.size), `Reading ${needed.size.toLocaleString('en-US')} stimuli`);
      }
    }
  }
  const pairMode = kinds.has('perceptual') && mc.perceptual!.plan.kind === 'pair';
  if (kinds.has('perceptual') && !pairMode) {
    const missing = [...needed].filter((i) => !mc.embeddings.has(i));
    for (let s = 0; s < missing.length; s += 64) {
      throwIfCancelled();
      const ids = missing.slice(s, s + 64);
      const views = await Promise.all(ids.map(view));
      const emb = await mc.perceptual!.embed(views);
      ids.forEach((id, k) => mc.embeddings.set(id, emb[k]!));
      progress(0.2 + 0.2 * ((s + ids.length) / missing.length), `Perceptual features of ${missing.length.toLocaleString('en-US')} stimuli`);
    }
  }
  for (const i of needed) {
    for (const [kind, t] of tables) {
      if (kind === 'label') t.add(i, { width: 0, height: 0, rgb: new Uint8Array(0), label: labelOfStim.get(i) ?? null });
      else if (kind === 'perceptual') {
        if (!pairMode) t.add(i, null, mc.embeddings.get(i));
      } else t.add(i, mc.images.get(i)!);
    }
  }
  const sims = new Map<SimilarityKind, Sim>([...tables].map(([k, t]) => [k, t.sim]));

  /** The examples a feature is scored on, or null for a constant feature (no top or bottom). */
  const examplesOf = (f: number) => {
    const s = summary[f]!;
    const ex = feats[f];
    if (!ex || !(s.max > s.min)) return null;
    const top = ex.top.map(stim);
    const head = top.slice(0, METRIC_TOP);
    // Statistics of the top examples need all of them: a feature active on fewer rows is reported unscored (NaN,
    // like a dead one) rather than scored on a smaller sample, where purity and entropy are biased.
    return { top, bottom: ex.bottom.map(stim), head, fullHead: head.length >= headSize };
  };
  const afc = (f: number, top: number[], bottom: number[], sim: Sim) => twoAfc(top, bottom, sim, mc.trials, new Rng(deriveSeed(mc.seed, f)), AFC_REFERENCES, mc.pool ?? 'sum');

  if (pairMode) {
    // A distance network compares pairs, not per-stimulus embeddings. The draws do not depend on the similarities, so
    // a first pass with a recording similarity lists exactly the (ordered) pairs the scores will read; they are run
    // through the network in batches, and the scoring pass below reads them back.
    const dist = (mc.pairDistances ??= new Map());
    const wanted = new Map<number, Set<number>>();
    const record: Sim = (i, j) => {
      if (!dist.get(i)?.has(j)) {
        let row = wanted.get(i);
        if (!row) wanted.set(i, (row = new Set()));
        row.add(j);
      }
      return 0;
    };
    const perceptualMetrics = metrics.filter((x) => kindOf(x) === 'perceptual');
    for (let f = 0; f < m; f++) {
      const e = examplesOf(f);
      if (!e) continue;
      for (const metric of perceptualMetrics) {
        if (metric.startsWith('2afc-')) afc(f, e.top, e.bottom, record);
        else if (e.fullHead) consistency(e.head, record);
      }
    }
    const pairs = [...wanted].flatMap(([i, row]) => [...row].map((j) => [i, j] as const));
    for (let s = 0; s < pairs.length; s += PAIR_BATCH) {
      throwIfCancelled();
      const chunk = pairs.slice(s, s + PAIR_BATCH);
      const d = await mc.perceptual!.distances(await Promise.all(chunk.map(async ([i, j]) => [await view(i), await view(j)] as const)));
      chunk.forEach(([i, j], k) => {
        let row = dist.get(i);
        if (!row) dist.set(i, (row = new Map()));
        row.set(j, d[k]!);
      });
      progress(0.2 + 0.2 * ((s + chunk.length) / pairs.length), `Perceptual distances of ${pairs.length.toLocaleString('en-US')} stimulus pairs`);
    }
    sims.set('perceptual', (i, j) => {
      const v = dist.get(i)?.get(j);
      if (v === undefined) throw new Error(`no perceptual distance for stimuli ${i} and ${j}`);
      return -v;
    });
  }

  const out: Record<string, Float64Array> = {};
  for (const metric of metrics) out[metric] = new Float64Array(m).fill(NaN);
  for (let f = 0; f < m; f++) {
    if (f % 64 === 0) {
      throwIfCancelled();
      progress(0.4 + 0.6 * (f / m), `Scoring feature ${f.toLocaleString('en-US')} of ${m.toLocaleString('en-US')}`);
    }
    const e = examplesOf(f);
    if (!e) continue;
    const { top, bottom, head, fullHead } = e;
    for (const metric of metrics) {
      const kind = kindOf(metric);
      let v = NaN;
      if (metric.startsWith('2afc-')) v = afc(f, top, bottom, sims.get(kind!)!);
      else if (!fullHead) v = NaN;
      else if (isTextMetric(metric)) v = scoreText!(metric, feats[f]!.top.slice(0, head.length), meta, new Rng(deriveSeed(mc.seed, f, 7))); // room: text
      else if (metric.startsWith('consistency-')) v = consistency(head, sims.get(kind!)!);
      else if (metric === 'label-purity') v = labelPurity(head.map((i) => labelOfStim.get(i) ?? null));
      else if (metric === 'label-entropy') v = labelNegEntropy(head.map((i) => labelOfStim.get(i) ?? null));
      else if (metric === 'compression') {
        const topBytes = deflatedBytes(head.map((i) => mc.images.get(i)!.rgb));
        const rng = new Rng(deriveSeed(mc.seed, f, 7));
        const count = mc.source!.count;
        const draws: number[] = [];
        for (let d = 0; d < COMPRESSION_DRAWS; d++) {
          const idx = rng.sampleIndices(count, Math.min(head.length, count));
          const ims: Uint8Array[] = [];
          for (const i of idx) ims.push((await view(i)).rgb);
          draws.push(deflatedBytes(ims));
        }
        v = compressionScore(topBytes, draws);
      }
      out[metric]![f] = v;
    }
  }
  return out;
}

export function nullStats(basisId: number, values: Float64Array): NullStats {
  const finite = Array.from(values).filter(Number.isFinite);
  return { basisId, mean: mean(finite), sd: std(finite), n: finite.length };
}

export async function runMetricsJob(raw: unknown, ctx: JobContext): Promise<{ basisId: number; runId: number; nullBasisId: number | null; afcPool: AfcPool; medians: Record<string, number> }> {
  const p = raw as MetricsJobParams;
  const { db } = ctx;
  const rec = getBasis(db, p.basisId);
  const h = getHarvest(db, rec.harvestId);
  const topK = p.topK ?? 32;
  const bands = p.bands ?? 8;
  const withNull = p.nullBasisId !== null && p.nullBasisId !== p.basisId;
  const span = withNull ? 0.5 : 0.95;
  ctx.progress({ fraction: 0.01, message: 'Feature statistics' });
  await ensureFeatureStats(db, p.basisId, topK, bands, ctx);
  if (withNull) await ensureFeatureStats(db, p.nullBasisId!, topK, bands, ctx);

  const set = h.stimulusSetId ? getStimulusSet(db, h.stimulusSetId) : null;
  const needImages = p.metrics.some((m) => !metricDefinition(m).needsLabels && !metricDefinition(m).needsText);
  const source = set && needImages ? await openStimulusSource(set.spec as StimulusSpec) : null;
  const perceptual = p.metrics.some((m) => metricDefinition(m).needsPerceptualModel) ? await PerceptualNet.open(planPerceptual(db, p.perceptualModelId!, p.perceptualPreset)) : null;
  const pool = p.afcPool ?? 'sum';
  const mc: MetricContext = { trials: p.trials, seed: p.seed, pool, source, perceptual, images: new Map(), embeddings: new Map(), pairDistances: new Map() };
  const params = { trials: p.trials, seed: p.seed, afcPool: pool, perceptualModelId: p.perceptualModelId ?? null, perceptualPreset: p.perceptualPreset ?? null, perceptualKind: perceptual?.plan.kind ?? null, perceptualLayers: perceptual?.plan.layers ?? null, perceptualLayouts: perceptual?.plan.layouts ?? null, nullBasisId: p.nullBasisId, top: METRIC_TOP };
  try {
    const values = await computeMetrics(db, p.basisId, p.metrics, mc, (f, message) => ctx.progress({ fraction: span * f, message }), () => ctx.throwIfCancelled());
    const runId = insertMetricRun(db, p.basisId, ctx.jobId, p.metrics, params);
    for (const metric of p.metrics) saveMetricValues(db, p.basisId, runId, metric, values[metric]!);
    let nullValues = values;
    if (withNull) {
      nullValues = await computeMetrics(db, p.nullBasisId!, p.metrics, mc, (f, message) => ctx.progress({ fraction: 0.5 + 0.45 * f, message: `Null (random basis ${p.nullBasisId}): ${message}` }), () => ctx.throwIfCancelled());
      const nullRun = insertMetricRun(db, p.nullBasisId!, ctx.jobId, p.metrics, { ...params, nullOf: p.basisId });
      const own: Partial<Record<MetricName, NullStats>> = {};
      for (const metric of p.metrics) {
        saveMetricValues(db, p.nullBasisId!, nullRun, metric, nullValues[metric]!);
        own[metric] = nullStats(p.nullBasisId!, nullValues[metric]!);
      }
      setMetricRunNull(db, nullRun, own);
    }
    if (p.nullBasisId !== null) {
      const nulls: Partial<Record<MetricName, NullStats>> = {};
      for (const metric of p.metrics) nulls[metric] = nullStats(p.nullBasisId, nullValues[metric]!);
      setMetricRunNull(db, runId, nulls);
    }
    const medians: Record<string, number> = {};
    const { median } = await import('./stats');
    for (const metric of p.metrics) medians[metric] = median(values[metric]!);
    return { basisId: p.basisId, runId, nullBasisId: p.nullBasisId, afcPool: pool, medians };
  } finally {
    await perceptual?.close();
  }
}
