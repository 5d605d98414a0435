// Reports: sending a comparison or a pinned-feature collection to a report as a snapshot (the data as it is now, with
// its provenance), editing reports, and rendering one as a self-contained HTML file.
import { basename } from 'node:path';
import type { MetricDefinition, MetricName, Params, ReportDetail, ReportSectionInfo } from '../api/contract';
import { metricDefinitions } from '../analyses/definitions';
import { basisDefinitions } from '../bases/definitions';
import { UserError } from '../errors';
import type { RenderSection } from '../report/render';
import type { BasisProvenance, CollectionFeature, CollectionSnapshot, ComparisonSnapshot, HarvestProvenance } from '../report/snapshot';
import * as basesRepo from '../store/bases';
import { listCollections } from '../store/features';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import * as store from '../store/reports';
import { compare, featureDetail, type Thumbnails } from './features';
// room: export — the reproduce appendix
import { captureReproduce } from './reproduce';
import { textContextsOffThread } from '../jobs/service'; // room: text (#13)
import { isTextBasis, textCard } from './text'; // room: text (#13)

export interface ReportContext {
  projectPath: string;
  nativeBinding?: string;
  cajalVersion: string;
  thumbnails: Thumbnails;
}

/** Top stimuli kept per feature of a collection (thumbnails are a few hundred bytes to a few KB each). */
const TOP_THUMBNAILS = 8;
/** Features a collection section may hold: enough for any hand-pinned set, few enough for a readable document. */
const MAX_COLLECTION_FEATURES = 200;
/** room: text (#13) — top contexts shown per text feature of a collection (each about 10 KB of SVG at 128 tokens). */
const TOP_TEXT_CONTEXTS = 5;

// lesions (#10): exported for the lesion section (services/lesion-reports.ts)
export function harvestProvenance(db: Db, harvestId: number): HarvestProvenance {
  const h = repo.getHarvest(db, harvestId);
  const model = h.source === 'model' && h.modelId > 0 ? repo.getModel(db, h.modelId) : null;
  const set = h.stimulusSetId > 0 ? repo.getStimulusSet(db, h.stimulusSetId) : null;
  return {
    harvestId: h.id,
    tensor: h.tensor,
    tensorShape: h.tensorShape,
    positions: h.positions,
    dim: h.dim,
    rows: h.rowsDone,
    source: h.source,
    model: model ? { name: model.name, sha256: model.sha256 } : null,
    stimulusSet: set ? { name: set.name, kind: set.kind, count: set.count } : null,
    createdAt: h.createdAt,
  };
}

// lesions (#10): exported for the lesion section (services/lesion-reports.ts)
export function basisProvenance(rec: basesRepo.BasisRecord): BasisProvenance {
  return {
    basisId: rec.id,
    harvestId: rec.harvestId,
    name: rec.name,
    method: rec.method as BasisProvenance['method'],
    params: rec.params,
    seed: rec.seed,
    nFeatures: rec.nFeatures,
    status: rec.status,
    finishedAt: rec.finishedAt,
  };
}

function definitionsOf(names: Iterable<MetricName>): MetricDefinition[] {
  const wanted = new Set(names);
  return metricDefinitions().filter((d) => wanted.has(d.name));
}

// lesions (#10): exported for the lesion section (services/lesion-reports.ts)
export function snapshotBase(ctx: ReportContext, names: Iterable<MetricName>) {
  return { version: 1 as const, project: basename(ctx.projectPath), cajalVersion: ctx.cajalVersion, takenAt: new Date().toISOString(), definitions: definitionsOf(names) };
}

// lesions (#10): exported for the lesion section (services/lesion-reports.ts)
export function added(db: Db, ids: { reportId: number; sectionId: number }): { report: ReportDetail; section: ReportSectionInfo } {
  return { report: store.getReport(db, ids.reportId), section: store.getSection(db, ids.sectionId) };
}

export async function addComparison(db: Db, ctx: ReportContext, p: Params<'reports.addComparison'>): Promise<{ report: ReportDetail; section: ReportSectionInfo }> {
  // Everything that can be wrong is found before anything is written.
  if (p.reportId !== null) store.getReport(db, p.reportId);
  const comparison = await compare(db, { projectPath: ctx.projectPath, nativeBinding: ctx.nativeBinding }, p);
  if (!comparison.bases.length) {
    throw new UserError('report.no-bases', `Harvest ${p.harvestId} has no finished bases, so there is no comparison to send; fit bases on it first.`);
  }
  const harvest = harvestProvenance(db, p.harvestId);
  const snapshot: ComparisonSnapshot = {
    ...snapshotBase(ctx, comparison.metricNames),
    harvest,
    bases: comparison.bases.map((b) => basisProvenance(basesRepo.getBasis(db, b.basisId))),
    basisDefinitions: basisDefinitions().filter((d) => comparison.bases.some((b) => b.method === d.method)),
    comparison,
    // room: export
    reproduce: captureReproduce(db, [p.harvestId], comparison.bases.map((b) => b.basisId), [{ harvestId: p.harvestId, bootstrap: comparison.bootstrap, seed: comparison.seed }]),
  };
  const what = `${harvest.tensor} · ${harvest.model?.name ?? 'imported activations'}`;
  const ids = store.addSection(db, p.reportId !== null ? { id: p.reportId } : { create: `Comparison of ${what}` }, {
    kind: 'comparison',
    title: `Bases of ${what} (harvest ${harvest.harvestId})`,
    params: { harvestId: p.harvestId, bootstrap: p.bootstrap, seed: p.seed, basisIds: comparison.bases.map((b) => b.basisId) },
    snapshot,
  });
  return added(db, ids);
}

export async function addCollection(db: Db, ctx: ReportContext, p: Params<'reports.addCollection'>): Promise<{ report: ReportDetail; section: ReportSectionInfo }> {
  if (p.reportId !== null) store.getReport(db, p.reportId);
  const collection = listCollections(db).find((c) => c.name === p.name);
  if (!collection?.items.length) {
    throw new UserError('collection.unknown', `There is no collection named “${p.name}” with pinned features in this project; pin features to it in the Features panel first.`);
  }
  if (collection.items.length > MAX_COLLECTION_FEATURES) {
    throw new UserError('collection.too-large', `Collection “${p.name}” has ${collection.items.length} features and a report section holds at most ${MAX_COLLECTION_FEATURES}; pin fewer, or split it into several collections.`);
  }
  const features: CollectionFeature[] = [];
  for (const { basisId, feature } of collection.items) {
    const d = await featureDetail(db, basisId, feature, ctx.thumbnails);
    features.push({
      basisId,
      feature,
      density: d.density,
      mean: d.mean,
      min: d.min,
      max: d.max,
      metrics: d.metrics,
      zScores: d.zScores,
      labelCounts: d.labelCounts,
      histogram: { edges: d.histogram.edges, counts: d.histogram.counts },
      top: d.top.slice(0, TOP_THUMBNAILS).map((e) => ({ stimulusIndex: e.stimulusIndex, labelName: e.labelName, activation: e.activation, thumbnail: e.thumbnail })),
      ...(isTextBasis(db, basisId) ? { text: textCard(await textContextsOffThread({ projectPath: ctx.projectPath, nativeBinding: ctx.nativeBinding }, { basisId, feature, k: TOP_TEXT_CONTEXTS })) } : {}), // room: text (#13)
    });
  }
  const bases = [...new Set(features.map((f) => f.basisId))].map((id) => basesRepo.getBasis(db, id));
  const snapshot: CollectionSnapshot = {
    ...snapshotBase(ctx, features.flatMap((f) => Object.keys(f.metrics) as MetricName[])),
    name: p.name,
    harvests: [...new Set(bases.map((b) => b.harvestId))].map((id) => harvestProvenance(db, id)),
    bases: bases.map(basisProvenance),
    features,
    // room: export
    reproduce: captureReproduce(db, bases.map((b) => b.harvestId), bases.map((b) => b.id), []),
  };
  const ids = store.addSection(db, p.reportId !== null ? { id: p.reportId } : { create: `Collection “${p.name}”` }, {
    kind: 'collection',
    title: `Collection “${p.name}” · ${features.length} ${features.length === 1 ? 'feature' : 'features'}`,
    params: { name: p.name, items: collection.items },
    snapshot,
  });
  return added(db, ids);
}

export async function render(db: Db, ctx: Pick<ReportContext, 'cajalVersion'>, id: number): Promise<{ fileName: string; html: string }> {
  const report = store.getReport(db, id);
  const sections = store.sectionsWithSnapshots(db, id).map((s): RenderSection => {
    const version = (s.snapshot as { version?: unknown }).version;
    if (version !== 1) {
      throw new UserError('report.snapshot-version', `Section ${s.position + 1} of report ${id} was written by a newer Cajal (snapshot version ${String(version)}); update Cajal to render it.`);
    }
    return { id: s.id, title: s.title, createdAt: s.createdAt, kind: s.kind, snapshot: s.snapshot } as RenderSection;
  });
  // The builder pulls in ECharts; loaded on the first render, not by every command that opens a project.
  const { renderReport } = await import('../report/render');
  return renderReport({ report, sections, cajalVersion: ctx.cajalVersion, renderedAt: new Date().toISOString() });
}
