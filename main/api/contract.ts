// THE typed API of Cajal: every method's params and result, every event. One file.
//
// The schemas are the single source of truth: TypeScript types are inferred from them, the router validates every
// incoming payload against them (Electron IPC, HTTP and direct calls alike), and the renderer imports the types
// only (`import type`), so no validation code is bundled into it.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------------------------------------------

const id = z.number().int().positive();
const nonEmpty = z.string().min(1).max(4096);

export const dim = z.union([z.number().int(), z.string()]);

export const tensorInfoSchema = z.object({
  name: z.string(),
  op: z.string(),
  producer: z.string().nullable(),
  dtype: z.string().nullable(),
  shape: z.array(dim).nullable(),
  role: z.enum(['input', 'output', 'intermediate']),
  /** 'probed': measured by running the model once on a dummy input, because the file does not declare it. */
  shapeSource: z.enum(['declared', 'probed', 'unknown']),
});
export type TensorInfo = z.infer<typeof tensorInfoSchema>;

export const recipeSchema = z.object({
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  channels: z.union([z.literal(1), z.literal(3)]),
  channelOrder: z.enum(['RGB', 'BGR']),
  resize: z.enum(['center-crop', 'stretch']),
  scale: z.number().finite(),
  mean: z.array(z.number().finite()).min(1).max(3),
  std: z.array(z.number().finite().positive()).min(1).max(3),
  layout: z.enum(['NCHW', 'NHWC']),
});
export type Recipe = z.infer<typeof recipeSchema>;

export const stimulusSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('mnist'),
    offset: z.number().int().min(0).max(9999),
    count: z.number().int().min(1).max(10000),
    recipe: recipeSchema,
  }),
  z.object({ kind: z.literal('folder'), path: nonEmpty, labelsFromSubfolders: z.boolean(), recipe: recipeSchema }),
  z.object({
    kind: z.literal('noise'),
    distribution: z.enum(['gaussian', 'uniform', 'binary']),
    count: z.number().int().min(1).max(10_000_000),
    itemShape: z.array(z.number().int().positive()).min(1).max(4),
    seed: z.number().int(),
    mean: z.number().finite(),
    std: z.number().finite().positive(),
  }),
]);
export type StimulusSpecInput = z.infer<typeof stimulusSpecSchema>;

export const positionsSchema = z.enum(['centre', 'all', 'mean']);
export type Positions = z.infer<typeof positionsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

export interface ProjectInfo {
  path: string;
  schemaVersion: number;
  createdAt: string;
  counts: { models: number; stimulusSets: number; harvests: number; bases: number; jobs: number };
}

export interface ModelSummary {
  id: number;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  opset: number;
  nodeCount: number;
  parameterCount: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  createdAt: string;
}

export interface ModelDetail extends ModelSummary {
  tensors: TensorInfo[];
  /** A preprocessing recipe guessed from the first input's shape; the user may edit it. */
  suggestedRecipe: Recipe | null;
}

export interface StimulusSetInfo {
  id: number;
  name: string;
  kind: 'mnist' | 'folder' | 'noise';
  count: number;
  itemShape: number[];
  labelNames: string[] | null;
  spec: StimulusSpecInput;
  createdAt: string;
}

export type HarvestStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface HarvestInfo {
  id: number;
  modelId: number;
  modelName: string;
  stimulusSetId: number;
  stimulusSetName: string;
  tensor: string;
  tensorShape: number[];
  positions: Positions;
  dim: number;
  rowsExpected: number;
  rowsDone: number;
  status: HarvestStatus;
  jobId: number | null;
  createdAt: string;
  finishedAt: string | null;
  /** 'import' for activations computed outside Cajal. */
  source: 'model' | 'import';
}

export interface UnitStats {
  unit: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Fraction of rows with activation > 0. */
  fracActive: number;
}

export interface HarvestStats {
  harvestId: number;
  rows: number;
  dim: number;
  units: UnitStats[];
}

export interface Histogram {
  /** Bin edges, length bins + 1. */
  edges: number[];
  counts: number[];
  rows: number;
}

export interface TopStimulus {
  row: number;
  stimulusIndex: number;
  label: number | null;
  labelName: string | null;
  activation: number;
  /** Spatial position of the row for conv maps harvested at all positions. */
  position: [number, number] | null;
  /** PNG as a data: URL, small. */
  thumbnail: string;
}

export type JobKind = 'harvest' | 'fit' | 'feature-stats' | 'metrics';

export const basisMethodSchema = z.enum(['neurons', 'random', 'pca', 'ica', 'nmf', 'kmeans', 'sae-l1', 'sae-topk', 'sparse-coding']); // sparse-coding: i12
export type BasisMethodName = z.infer<typeof basisMethodSchema>;

export interface BasisQualityInfo {
  rows: number;
  mse: number | null;
  explainedVariance: number | null;
  reconstructionCosine: number | null;
  l0: number;
  deadFraction: number;
  denseFraction: number;
  densityHistogram: { edges: number[]; counts: number[]; dead: number };
}

export interface BasisInfo {
  id: number;
  harvestId: number;
  jobId: number | null;
  method: BasisMethodName;
  name: string;
  params: Record<string, unknown>;
  seed: number;
  nFeatures: number;
  dim: number;
  status: 'pending' | 'training' | 'done' | 'failed' | 'cancelled' | 'imported';
  quality: BasisQualityInfo | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface BasisDetail extends BasisInfo {
  /** Training curves (gradient-trained methods): one entry per logged step. */
  trainingLog: { step: number; metrics: Record<string, number> }[];
}
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobInfo {
  id: number;
  kind: JobKind;
  title: string;
  status: JobStatus;
  /** 0..1 */
  progress: number;
  /** Rows (or steps) per second, measured over the job so far. */
  rate: number | null;
  rateUnit: string;
  etaSeconds: number | null;
  message: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  params: unknown;
  result: unknown;
  /** The latest live measurements of a running job (e.g. step, loss, l0, deadFraction, explainedVariance). */
  live: Record<string, number> | null;
}

// ----- features, interpretability metrics, comparison (issue: Features) -----

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

/** A basis method: whom it follows and where the lab departs from that definition; shown in the app. */
export interface BasisMethodDefinition {
  method: BasisMethodName;
  title: string;
  source: string;
  /** Where the lab departs from the source (null: it does not). */
  departure: string | null;
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

// ----- reports -----

export type ReportSectionKind = 'comparison' | 'collection';

export interface ReportSectionInfo {
  id: number;
  reportId: number;
  /** 0-based place in the report. */
  position: number;
  kind: ReportSectionKind;
  title: string;
  /** What made the section (harvest, bootstrap, seed, basis ids; or the collection's name and items), for provenance. */
  params: Record<string, unknown>;
  createdAt: string;
}

export interface ReportInfo {
  id: number;
  title: string;
  createdAt: string;
  updatedAt: string;
  sectionCount: number;
}

export interface ReportDetail extends ReportInfo {
  sections: ReportSectionInfo[];
}

export interface SystemInfo {
  version: string;
  transport: 'ipc' | 'http' | 'direct';
  projectPath: string | null;
  ortVersion: string;
  platform: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Methods: name -> params schema + result type
// ---------------------------------------------------------------------------------------------------------------

const bootstrapSchema = z.number().int().min(100).max(20000).default(2000);
const seedSchema = z.number().int().min(0).default(0);
const reportTitle = z.string().trim().min(1).max(200);

export const methodSchemas = {
  'system.info': z.object({}).strict(),
  'project.open': z.object({ path: nonEmpty, create: z.boolean().default(false) }).strict(),
  'project.info': z.object({}).strict(),
  'project.close': z.object({}).strict(),

  'models.open': z.object({ path: nonEmpty }).strict(),
  'models.list': z.object({}).strict(),
  'models.get': z.object({ modelId: id }).strict(),

  'stimuli.create': z.object({ spec: stimulusSpecSchema, name: z.string().max(200).optional() }).strict(),
  'stimuli.list': z.object({}).strict(),
  'stimuli.thumbnails': z
    .object({ setId: id, indices: z.array(z.number().int().min(0)).max(512) })
    .strict(),

  'harvests.start': z
    .object({
      modelId: id,
      stimulusSetId: id,
      tensors: z.array(nonEmpty).min(1).max(64),
      positions: positionsSchema.default('centre'),
      limit: z.number().int().positive().optional(),
      batchSize: z.number().int().positive().max(4096).optional(),
      chunkRows: z.number().int().positive().max(1_000_000).optional(),
    })
    .strict(),
  'harvests.list': z.object({}).strict(),
  'harvests.stats': z.object({ harvestId: id }).strict(),
  'harvests.histogram': z
    .object({ harvestId: id, unit: z.number().int().min(0), bins: z.number().int().min(2).max(512).default(50) })
    .strict(),
  'harvests.top': z
    .object({
      harvestId: id,
      unit: z.number().int().min(0),
      k: z.number().int().min(1).max(256).default(16),
      order: z.enum(['top', 'bottom']).default('top'),
    })
    .strict(),

  'harvests.importNpy': z
    .object({ path: nonEmpty, labelsPath: nonEmpty.optional(), name: z.string().max(200).optional() })
    .strict(),

  'bases.fit': z
    .object({
      harvestId: id,
      method: basisMethodSchema,
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
      /** Method parameters, e.g. { nFeatures: 64 } or { nFeatures: 2048, l1: 0.004, steps: 5000 }; checked by the method. */
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
      name: z.string().max(200).optional(),
    })
    .strict(),
  'bases.sweep': z
    .object({
      harvestId: id,
      method: z.enum(['sae-l1', 'sae-topk']),
      /** The L1 coefficients (sae-l1) or k values (sae-topk) to train, one SAE each. */
      values: z.array(z.number().positive()).min(2).max(16),
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    })
    .strict(),
  'bases.list': z.object({ harvestId: id.optional() }).strict(),
  'bases.definitions': z.object({}).strict(),
  'bases.get': z.object({ basisId: id }).strict(),
  'bases.exportSae': z.object({ basisId: id, dir: nonEmpty }).strict(),
  'bases.importSae': z.object({ harvestId: id, path: nonEmpty, name: z.string().max(200).optional() }).strict(),
  'bases.exportDirections': z.object({ basisId: id, path: nonEmpty }).strict(),

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

  'reports.list': z.object({}).strict(),
  'reports.create': z.object({ title: reportTitle }).strict(),
  'reports.get': z.object({ id }).strict(),
  'reports.rename': z.object({ id, title: reportTitle }).strict(),
  'reports.delete': z.object({ id }).strict(),
  'reports.removeSection': z.object({ sectionId: id }).strict(),
  /** Move a section to a 0-based position; positions past the end mean the end. */
  'reports.moveSection': z.object({ sectionId: id, position: z.number().int().min(0) }).strict(),
  /** Send a comparison (the one compare.run gives for the same parameters) to a report; reportId null starts a new one. */
  'reports.addComparison': z.object({ reportId: id.nullable().default(null), harvestId: id, bootstrap: bootstrapSchema, seed: seedSchema }).strict(),
  /** Send a pinned-feature collection (stats, metrics, top stimuli) to a report; reportId null starts a new one. */
  'reports.addCollection': z.object({ reportId: id.nullable().default(null), name: z.string().min(1).max(200) }).strict(),
  /** The report as one self-contained HTML file (inline CSS and SVG, images as data: URIs). */
  'reports.render': z.object({ id }).strict(),

  'jobs.list': z.object({}).strict(),
  'jobs.cancel': z.object({ jobId: id }).strict(),
  'jobs.resume': z.object({ jobId: id }).strict(),
} as const;

export type MethodName = keyof typeof methodSchemas;
/** What a caller passes (defaults optional). */
export type ParamsIn<M extends MethodName> = z.input<(typeof methodSchemas)[M]>;
/** What a service receives (defaults applied). */
export type Params<M extends MethodName> = z.output<(typeof methodSchemas)[M]>;

export interface Results {
  'system.info': SystemInfo;
  'project.open': ProjectInfo;
  'project.info': ProjectInfo | null;
  'project.close': { closed: boolean };
  'models.open': ModelDetail;
  'models.list': ModelSummary[];
  'models.get': ModelDetail;
  'stimuli.create': StimulusSetInfo;
  'stimuli.list': StimulusSetInfo[];
  'stimuli.thumbnails': { index: number; label: number | null; thumbnail: string }[];
  'harvests.start': { jobId: number; harvestIds: number[]; resumedFromRow: number | null };
  'harvests.list': HarvestInfo[];
  'harvests.stats': HarvestStats;
  'harvests.histogram': Histogram;
  'harvests.top': TopStimulus[];
  'harvests.importNpy': HarvestInfo;
  'bases.fit': { jobId: number; basisId: number };
  'bases.sweep': { jobIds: number[]; basisIds: number[] };
  'bases.list': BasisInfo[];
  'bases.definitions': BasisMethodDefinition[];
  'bases.get': BasisDetail;
  'bases.exportSae': { dir: string; files: string[] };
  'bases.importSae': BasisInfo;
  'bases.exportDirections': { path: string; shape: number[] };
  'features.compute': { jobId: number };
  'features.table': FeatureTable;
  'features.get': FeatureDetail;
  'metrics.definitions': MetricDefinition[];
  'metrics.compute': { jobId: number };
  'compare.run': Comparison;
  'collections.list': { name: string; items: { basisId: number; feature: number }[] }[];
  'collections.pin': { name: string; items: { basisId: number; feature: number }[] };
  'reports.list': ReportInfo[];
  'reports.create': ReportDetail;
  'reports.get': ReportDetail;
  'reports.rename': ReportDetail;
  'reports.delete': { id: number; title: string };
  'reports.removeSection': ReportDetail;
  'reports.moveSection': ReportDetail;
  'reports.addComparison': { report: ReportDetail; section: ReportSectionInfo };
  'reports.addCollection': { report: ReportDetail; section: ReportSectionInfo };
  'reports.render': { fileName: string; html: string };
  'jobs.list': JobInfo[];
  'jobs.cancel': { cancelled: boolean };
  'jobs.resume': { jobId: number };
}

export type Result<M extends MethodName> = Results[M];

// ---------------------------------------------------------------------------------------------------------------
// Events (main -> renderer)
// ---------------------------------------------------------------------------------------------------------------

export interface Events {
  /** Any change of a job: queued, progress, done, failed, cancelled. Carries the full snapshot. */
  job: JobInfo;
  /** A running job reported progress (fraction, rate, ETA, live measurements). Also sent as `job`. */
  'job.progress': JobInfo;
  /** A job finished with its result. Also sent as `job`. */
  'job.done': JobInfo;
  /** A job failed (`error` says why, in words) or was interrupted. Also sent as `job`. */
  'job.failed': JobInfo;
  /** A job was cancelled (or paused, which is a cancel that keeps its checkpoint). Also sent as `job`. */
  'job.cancelled': JobInfo;
  /** The open project changed (opened, closed, or new rows in a table the UI lists). */
  project: { path: string | null; changed: ('models' | 'stimuli' | 'harvests' | 'bases' | 'jobs' | 'reports')[] };
}
export type EventName = keyof Events;

/** The status-specific event a job snapshot is also sent as (none for queued). */
export function jobStatusEvent(status: JobStatus): 'job.progress' | 'job.done' | 'job.failed' | 'job.cancelled' | null {
  switch (status) {
    case 'running':
      return 'job.progress';
    case 'done':
      return 'job.done';
    case 'failed':
    case 'interrupted':
      return 'job.failed';
    case 'cancelled':
      return 'job.cancelled';
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors that cross the API: a code and one or two sentences for the user. Stack traces stay in the log.
// ---------------------------------------------------------------------------------------------------------------

export interface ApiErrorPayload {
  code: string;
  message: string;
}

/** The interface every transport exposes to the renderer as `window.cajal` (or the HTTP client). */
export interface CajalApi {
  call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Which transport this is; the renderer shows it in the status bar. */
  readonly transport: 'ipc' | 'http';
  /** Native dialogs and dropped-file paths: present only in the desktop shell. */
  readonly desktop?: DesktopExtras;
}

/** Extra powers only the desktop shell has: native file dialogs and dropped-file paths. */
export interface DesktopExtras {
  pickFile(filters: { name: string; extensions: string[] }[]): Promise<string | null>;
  pickFolder(): Promise<string | null>;
  pickSaveFile(defaultName: string): Promise<string | null>;
  pathForFile(file: File): string;
}
