// Features of a basis: the statistics job, the table, one feature's dashboard (examples with thumbnails or
// receptive-field crops, histogram, labels, neighbours in other bases, weight images, z-scores), the metrics job with
// its random-basis null, the comparison of bases, and pinned collections.
import { readFileSync } from 'node:fs';
import type { Comparison, FeatureDetail, FeatureExample, FeatureTable, MetricDefinition, MetricName, Params } from '../api/contract';
import { unitRows } from '../analyses/compare';
import { compareOffThread, type ProjectRef } from '../jobs/service';
import { metricDefinitions } from '../analyses/definitions';
import { cropBox, describeField, tensorGeometry, type Geometry } from '../analyses/receptive-field';
import { cropPixels, heatOverlay, nearestCells } from '../analyses/heat-overlay';
import { validateMetricsRequest, type MetricsJobParams } from '../analyses/metrics-job';
import { basisFactory } from '../bases/index';
import { DEFAULT_HOLDOUT } from '../bases/fit';
import { splitStream } from '../bases/holdout';
import { measureQuality } from '../bases/quality';
import { harvestStream } from '../bases/stream';
import { UserError } from '../errors';
import type { JobManager } from '../jobs/manager';
import { isInputImage } from '../onnx/input-image';
import { parseModel } from '../onnx/model';
import { openStimulusSource } from '../stimuli/open';
import { thumbnailPng } from '../stimuli/thumbnail';
import { tokenNamer } from './text-harvest'; // room: text (#13)
import type { StimulusSpec } from '../stimuli/types';
import { readRowMeta, readRows } from '../store/activations';
import * as basesRepo from '../store/bases';
import * as store from '../store/features';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { loadBasis } from '../bases/load';
import { featureMetrics, getFeatureVector } from '../store/feature-columns'; // #18

export type Thumbnails = (setId: number, indices: number[]) => Promise<{ index: number; thumbnail: string }[]>;

function finishedBasis(db: Db, basisId: number): basesRepo.BasisRecord {
  const rec = basesRepo.getBasis(db, basisId);
  if (rec.status !== 'done' && rec.status !== 'imported') throw new UserError('basis.unfinished', `Basis ${basisId} is ${rec.status}; only finished bases have features.`);
  return rec;
}

export function startFeatureStats(db: Db, jobs: JobManager, p: Params<'features.compute'>): { jobId: number } {
  const rec = finishedBasis(db, p.basisId);
  const h = repo.getHarvest(db, rec.harvestId);
  if (h.rowsDone === 0) throw new UserError('features.empty', `Harvest ${h.id} has no rows, so basis ${rec.id} has no feature statistics.`);
  const jobId = repo.insertJob(db, 'feature-stats', `Feature statistics · ${rec.name} · ${h.rowsDone.toLocaleString('en-US')} rows`, { basisId: p.basisId, topK: p.topK, bands: p.bands });
  void jobs.run(jobId);
  return { jobId };
}

/** z-scores of one feature's metric values against the stored random-direction nulls (where the null's sd > 0). */
function zScoresOf(metrics: Partial<Record<MetricName, number>>, nulls: Partial<Record<MetricName, store.NullStats>>): Partial<Record<MetricName, number>> {
  const z: Partial<Record<MetricName, number>> = {};
  for (const [name, v] of Object.entries(metrics) as [MetricName, number][]) {
    const n = nulls[name];
    if (n && n.sd > 0 && Number.isFinite(v)) z[name] = (v - n.mean) / n.sd;
  }
  return z;
}

export function featureTable(db: Db, basisId: number): FeatureTable {
  const rec = basesRepo.getBasis(db, basisId);
  const run = store.getFeatureRun(db, basisId);
  const nulls = store.latestNulls(db, basisId);
  return {
    basisId,
    nFeatures: rec.nFeatures,
    computed: run !== null,
    metricNames: store.metricNamesOf(db, basisId),
    features: run ? store.featureTableRows(db, basisId).map((r) => ({ ...r, zScores: zScoresOf(r.metrics, nulls) })) : [],
  };
}

// Per-connection caches: unit directions of bases (neighbours), receptive-field geometry of harvests.
const directionCache = new WeakMap<Db, Map<number, { m: number; dim: number; d: Float32Array; name: string }>>();
const geometryCache = new WeakMap<Db, Map<number, Geometry | null>>();

function unitDirections(db: Db, rec: basesRepo.BasisRecord) {
  let byId = directionCache.get(db);
  if (!byId) directionCache.set(db, (byId = new Map()));
  let hit = byId.get(rec.id);
  if (!hit) {
    const basis = loadBasis(db, rec);
    hit = { m: basis.nFeatures, dim: basis.dim, d: unitRows(basis.directions(), basis.nFeatures, basis.dim), name: rec.name };
    byId.set(rec.id, hit);
  }
  return hit;
}

function harvestGeometry(db: Db, h: repo.HarvestRecord, image: [number, number]): Geometry | null {
  let byId = geometryCache.get(db);
  if (!byId) geometryCache.set(db, (byId = new Map()));
  if (!byId.has(h.id)) {
    let g: Geometry | null = null;
    try {
      const model = repo.getModel(db, h.modelId);
      g = tensorGeometry(parseModel(readFileSync(model.path), model.path), h.tensor, image);
      // The traced map must be the harvested grid, or the geometry is wrong.
      if (g && (g.size[0] !== h.tensorShape[1] || g.size[1] !== h.tensorShape[2])) g = null;
    } catch {
      g = null;
    }
    byId.set(h.id, g);
  }
  return byId.get(h.id)!;
}

const imageShapeCache = new WeakMap<Db, Map<number, { channels: number; height: number; width: number } | null>>();

/**
 * An image shape for a d-vector, only where the harvested rows are pictures: the harvested tensor is flat, is the
 * model's input or the input passed through shape-only ops and normalisation (an MLP's Flatten of its N×1×28×28
 * input), and the stimuli are C×H×W images (C = 1 or 3) of d values. A hidden layer whose d happens to be a square
 * (256 = 16×16) is not an image, and a conv map's rows are channel vectors, not pictures.
 */
export function imageShape(db: Db, h: repo.HarvestRecord, d: number): { channels: number; height: number; width: number } | null {
  let byId = imageShapeCache.get(db);
  if (!byId) imageShapeCache.set(db, (byId = new Map()));
  if (byId.has(h.id)) return byId.get(h.id)!;
  let shape: { channels: number; height: number; width: number } | null = null;
  if (h.tensorShape.length === 1 && h.tensorShape[0] === d && h.stimulusSetId) {
    const spec = repo.getStimulusSet(db, h.stimulusSetId).spec as StimulusSpec;
    // room: text (#13) — a context of token ids is never an image
    const dims = spec.kind === 'text' ? [] : spec.kind === 'noise' ? spec.itemShape : [spec.recipe.channels, spec.recipe.height, spec.recipe.width];
    if (dims.length === 3 && (dims[0] === 1 || dims[0] === 3) && dims[0]! * dims[1]! * dims[2]! === d) {
      try {
        const model = repo.getModel(db, h.modelId);
        if (isInputImage(parseModel(readFileSync(model.path), model.path).graph!, h.tensor)) shape = { channels: dims[0]!, height: dims[1]!, width: dims[2]! };
      } catch {
        shape = null; // the model file is gone or unreadable: no weight images rather than a wrong one
      }
    }
  }
  byId.set(h.id, shape);
  return shape;
}

/** One feature's activation on the given harvest rows (encoded by the basis in one batch). */
async function featureActivations(db: Db, rec: basesRepo.BasisRecord, harvestId: number, rows: number[], feature: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (rows.length === 0) return out;
  const x = readRows(db, harvestId, rows);
  const basis = loadBasis(db, rec);
  const flat = new Float32Array(rows.length * basis.dim);
  rows.forEach((r, i) => flat.set(x.get(r)!, i * basis.dim));
  const codes = await basis.encode(flat, rows.length);
  rows.forEach((r, i) => out.set(r, codes[i * basis.nFeatures + feature]!));
  return out;
}

export async function featureDetail(db: Db, basisId: number, feature: number, thumbs: Thumbnails): Promise<FeatureDetail> {
  const rec = finishedBasis(db, basisId);
  if (feature >= rec.nFeatures) throw new UserError('features.range', `Basis ${basisId} has ${rec.nFeatures} features; there is no feature ${feature}.`);
  const stats = store.getFeatureStats(db, basisId, feature);
  const ex = store.getFeatureExamples(db, basisId, feature);
  const hist = store.getFeatureHistogram(db, basisId, feature);
  const run = store.getFeatureRun(db, basisId);
  if (!stats || !ex || !hist || !run) {
    throw new UserError('features.not-computed', `Feature statistics of basis ${basisId} have not been computed yet; run features.compute (cajal features) first.`);
  }
  const h = repo.getHarvest(db, rec.harvestId);
  const set = h.stimulusSetId ? repo.getStimulusSet(db, h.stimulusSetId) : null;
  const bands = run.bands;
  const S = ex.bandRows.length / bands;
  const allRows = [...ex.topRows, ...ex.bottomRows, ...Array.from(ex.bandRows).filter((r) => r >= 0)];
  const meta = readRowMeta(db, h.id, allRows);

  // Thumbnails: whole stimuli, or receptive-field crops for conv maps recorded at every position.
  const crops = h.positions === 'all' && h.tensorShape.length === 3 && set !== null;
  const thumbByRow = new Map<number, { thumbnail: string; crop: [number, number, number, number] | null; overlay?: string }>();
  let receptiveField: FeatureDetail['receptiveField'] = null;
  if (crops) {
    const source = await openStimulusSource(set.spec as StimulusSpec);
    const grid: [number, number] = [h.tensorShape[1]!, h.tensorShape[2]!];
    const images = new Map<number, Awaited<ReturnType<typeof source.image>>>();
    const cropped: { row: number; im: Awaited<ReturnType<typeof source.image>>; box: [number, number, number, number]; cells: Int32Array; firstRow: number }[] = [];
    const wanted = new Set<number>();
    for (const r of new Set(allRows)) {
      const m = meta.get(r);
      if (!m) continue;
      let im = images.get(m.stimulusIndex);
      if (!im) images.set(m.stimulusIndex, (im = await source.image(m.stimulusIndex)));
      const size: [number, number] = [im.height, im.width];
      const geom = harvestGeometry(db, h, size);
      receptiveField ??= describeField(geom, grid, size);
      const box = cropBox(geom, grid, size, m.posY ?? 0, m.posX ?? 0);
      // The stimulus' rows are its grid positions, y-major: the position each crop pixel lies nearest to.
      const firstRow = r - ((m.posY ?? 0) * grid[1] + (m.posX ?? 0));
      const cells = nearestCells(geom, grid, size, box);
      for (const c of cells) wanted.add(firstRow + c);
      cropped.push({ row: r, im, box, cells, firstRow });
    }
    // The feature's activation at every position a crop covers, for the heat overlay (red > 0, blue < 0, opacity
    // proportional to |activation| over the feature's largest |activation|).
    const acts = await featureActivations(db, rec, h.id, [...wanted], feature);
    const scale = Math.max(Math.abs(stats.max), Math.abs(stats.min));
    for (const { row, im, box, cells, firstRow } of cropped) {
      const { rgb, width: w, height: hh } = cropPixels(im, box);
      const png = (data: Uint8Array) => `data:image/png;base64,${Buffer.from(thumbnailPng({ width: w, height: hh, rgb: data })).toString('base64')}`;
      const heat = cells.length === w * hh && scale > 0 ? heatOverlay(rgb, cells, (c) => acts.get(firstRow + c) ?? 0, scale) : null;
      thumbByRow.set(row, { thumbnail: png(rgb), crop: box, ...(heat ? { overlay: png(heat) } : {}) });
    }
  } else if (set && set.kind !== 'text') {
    // room: text (#13) — a text harvest's rows are tokens, named by their text below; no picture
    const indices = [...new Set([...meta.values()].map((m) => m.stimulusIndex))];
    const t = new Map((await thumbs(set.id, indices)).map((x) => [x.index, x.thumbnail]));
    for (const [r, m] of meta) thumbByRow.set(r, { thumbnail: t.get(m.stimulusIndex) ?? '', crop: null });
  }
  const tokenName = set?.kind === 'text' ? tokenNamer(set) : null; // room: text (#13) — label = token id
  const example = (row: number, activation: number): FeatureExample => {
    const m = meta.get(row);
    const label = m?.label ?? null;
    const t = thumbByRow.get(row);
    return {
      row,
      stimulusIndex: m?.stimulusIndex ?? row,
      label,
      labelName: label !== null ? (tokenName?.(label) ?? set?.labelNames?.[label] ?? String(label)) : null,
      activation,
      position: m && m.posY !== null && m.posX !== null ? [m.posY, m.posX] : null,
      thumbnail: t?.thumbnail ?? '',
      crop: t?.crop ?? null,
      ...(t?.overlay ? { overlay: t.overlay } : {}),
    };
  };
  const top = Array.from(ex.topRows, (r, i) => example(r, ex.topActs[i]!));
  const bottom = Array.from(ex.bottomRows, (r, i) => example(r, ex.bottomActs[i]!));
  const width = (ex.bandHi - ex.bandLo) / bands;
  const bandList = Array.from({ length: bands }, (_, b) => {
    const examples: FeatureExample[] = [];
    for (let i = 0; i < S; i++) {
      const r = ex.bandRows[b * S + i]!;
      if (r >= 0) examples.push(example(r, ex.bandActs[b * S + i]!));
    }
    return { lo: ex.bandLo + b * width, hi: ex.bandLo + (b + 1) * width, count: ex.bandCounts[b]!, examples };
  }).reverse(); // highest interval first, as dashboards show them

  const bins = hist.counts.length;
  const histogram = { edges: Array.from({ length: bins + 1 }, (_, i) => hist.lo + ((hist.hi - hist.lo) * i) / bins), counts: Array.from(hist.counts), rows: run.rows };

  let labelCounts: FeatureDetail['labelCounts'] = null;
  if (top.some((e) => e.label !== null)) {
    const c = new Map<number, number>();
    for (const e of top) if (e.label !== null) c.set(e.label, (c.get(e.label) ?? 0) + 1);
    labelCounts = [...c].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([label, count]) => ({ label, name: set?.labelNames?.[label] ?? String(label), count }));
  }

  // Neighbours: the three closest directions (|cosine|) in every other finished basis of the harvest.
  // #18: the feature's own vectors are one stored row (feature-columns.ts); older statistics fall back to the dictionary.
  const stored = getFeatureVector(db, basisId, feature);
  const dir = stored?.direction ?? unitDirections(db, rec).d.subarray(feature * rec.dim, (feature + 1) * rec.dim);
  const neighbours: FeatureDetail['neighbours'] = [];
  for (const other of basesRepo.listBases(db, h.id)) {
    if (other.id === rec.id || (other.status !== 'done' && other.status !== 'imported')) continue;
    const o = unitDirections(db, other);
    if (o.dim !== rec.dim) continue;
    const best: { feature: number; cosine: number }[] = [];
    for (let j = 0; j < o.m; j++) {
      let c = 0;
      for (let k = 0; k < o.dim; k++) c += dir[k]! * o.d[j * o.dim + k]!;
      c = Math.abs(c);
      if (best.length < 3 || c > best[best.length - 1]!.cosine) {
        best.push({ feature: j, cosine: c });
        best.sort((a, b) => b.cosine - a.cosine);
        if (best.length > 3) best.pop();
      }
    }
    for (const b of best) neighbours.push({ basisId: other.id, basisName: other.name, feature: b.feature, cosine: b.cosine });
  }
  neighbours.sort((a, b) => b.cosine - a.cosine);

  let weightImages: FeatureDetail['weightImages'] = null;
  const shape = imageShape(db, h, rec.dim);
  if (shape) {
    weightImages = [{ name: 'direction', ...shape, values: Array.from(dir) }];
    if (rec.method === 'sae-l1' || rec.method === 'sae-topk' || rec.method === 'sae-batchtopk' || rec.method === 'sae-matryoshka' || rec.method === 'sae-jumprelu' || rec.method === 'sae-gated') {
      const wEnc = stored?.encoder ? { shape: [rec.dim, 1], data: stored.encoder } : basesRepo.loadBasisTensors(db, rec.id).W_enc;
      if (wEnc && wEnc.shape[0] === rec.dim) {
        const m = wEnc.shape[1]!;
        const col = stored?.encoder ? 0 : feature;
        weightImages.push({ name: 'encoder', ...shape, values: Array.from({ length: rec.dim }, (_, k) => wEnc.data[k * m + col]!) });
      }
    }
  }

  const metricsRow = featureMetrics(db, basisId, feature); // #18: one feature's row, not the table's
  const zScores = zScoresOf(metricsRow, store.latestNulls(db, basisId));
  return { basisId, ...stats, metrics: metricsRow, top, bottom, bands: bandList, histogram, labelCounts, neighbours, weightImages, zScores, receptiveField };
}

export function definitions(): MetricDefinition[] {
  return metricDefinitions();
}

/** The random basis of a harvest that serves as the null: the largest existing one, or a new one (seed 0, stored). */
export async function ensureNullBasis(db: Db, harvestId: number): Promise<number> {
  const existing = basesRepo
    .listBases(db, harvestId)
    .filter((b) => b.method === 'random' && (b.status === 'done' || b.status === 'imported'))
    .sort((a, b) => b.nFeatures - a.nFeatures)[0];
  if (existing) return existing.id;
  const h = repo.getHarvest(db, harvestId);
  const m = Math.min(h.dim, 256);
  const seed = 0;
  const params = { nFeatures: m };
  const basis = basisFactory('random').create(params, seed, h.dim);
  const { heldOut } = splitStream(harvestStream(db, harvestId), DEFAULT_HOLDOUT, seed);
  await basis.fit(harvestStream(db, harvestId), { progress: () => undefined, throwIfCancelled: () => undefined });
  const quality = await measureQuality(basis, heldOut);
  return db.transaction(() => {
    const id = basesRepo.insertBasis(db, { harvestId, jobId: null, method: 'random', name: `random (${m}, null for metrics)`, params, seed, nFeatures: m, dim: h.dim, status: 'pending' });
    basesRepo.saveBasisTensors(db, id, basis.state());
    basesRepo.setBasisStatus(db, id, 'done', { quality, nFeatures: m });
    return id;
  })();
}

export async function startMetrics(db: Db, jobs: JobManager, p: Params<'metrics.compute'>): Promise<{ jobId: number }> {
  validateMetricsRequest(db, p.basisId, p.metrics, p.perceptualModelId, p.perceptualPreset);
  const rec = basesRepo.getBasis(db, p.basisId);
  const nullBasisId = rec.method === 'random' ? p.basisId : await ensureNullBasis(db, rec.harvestId);
  const params: MetricsJobParams = {
    basisId: p.basisId,
    metrics: [...new Set(p.metrics)],
    perceptualModelId: p.perceptualModelId,
    perceptualPreset: p.perceptualPreset,
    trials: p.trials,
    seed: p.seed,
    afcPool: p.afcPool,
    nullBasisId,
  };
  const jobId = repo.insertJob(db, 'metrics', `Metrics (${params.metrics.join(', ')}) · ${rec.name}`, params);
  void jobs.run(jobId);
  return { jobId };
}

// The comparisons last computed on each connection, by harvest, bootstrap and seed, with a fingerprint of what they
// were computed from: sending the comparison just shown to a report reuses it rather than computing the match matrix
// again, and any new basis, finished fit or metric value makes the fingerprint differ.
const comparisonCache = new WeakMap<Db, Map<string, { inputs: string; comparison: Comparison }>>();
const COMPARISONS_KEPT = 8;

export async function compare(db: Db, where: ProjectRef, p: Params<'compare.run'>): Promise<Comparison> {
  let cache = comparisonCache.get(db);
  if (!cache) comparisonCache.set(db, (cache = new Map()));
  const key = `${p.harvestId}/${p.bootstrap}/${p.seed}`;
  const inputs = JSON.stringify(store.comparisonInputs(db, p.harvestId));
  const hit = cache.get(key);
  if (hit && hit.inputs === inputs) return hit.comparison;
  // About a second of arithmetic for seven bases of a few hundred features: done in the service worker.
  const comparison = await compareOffThread({ ...where, harvestId: p.harvestId, bootstrap: p.bootstrap, seed: p.seed });
  cache.delete(key);
  cache.set(key, { inputs, comparison });
  if (cache.size > COMPARISONS_KEPT) cache.delete(cache.keys().next().value!);
  return comparison;
}

export function listCollections(db: Db) {
  return store.listCollections(db);
}

export function pin(db: Db, p: Params<'collections.pin'>) {
  const rec = basesRepo.getBasis(db, p.basisId);
  if (p.feature >= rec.nFeatures) throw new UserError('features.range', `Basis ${p.basisId} has ${rec.nFeatures} features; there is no feature ${p.feature}.`);
  store.pin(db, p.name, p.basisId, p.feature, p.pinned);
  return store.listCollections(db).find((c) => c.name === p.name) ?? { name: p.name, items: [] };
}
