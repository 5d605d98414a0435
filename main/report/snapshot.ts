// What a report section keeps: a snapshot of the data at the time it was sent, with the provenance a reader needs
// (which model, tensor, stimuli, bases with their parameters and seeds, which Cajal). Snapshots are plain JSON in
// report_sections.snapshot_json and are rendered without looking at the rest of the project again.
//
// Model files are identified by name and SHA-256, not by their path on the machine that made the report: a report
// is meant to be shared, and the digest identifies the checkpoint better than a local path would.
import type { Comparison, MetricDefinition, MetricName } from '../analyses/types';
import type { BasisMethodDefinition } from '../bases/types';
import type { BasisMethodName } from '../util/method-order';
import type { FeatureDetail } from '../analyses/types';
import type { ReproduceRecord } from './reproduce-types';
import type { SweepRow } from '../lesions/sweep-view'; // lesions (#10)

export interface HarvestProvenance {
  harvestId: number;
  tensor: string;
  tensorShape: number[];
  positions: string;
  dim: number;
  rows: number;
  source: 'model' | 'import';
  model: { name: string; sha256: string } | null;
  stimulusSet: { name: string; kind: string; count: number } | null;
  createdAt: string;
}

export interface BasisProvenance {
  basisId: number;
  harvestId: number;
  name: string;
  method: BasisMethodName;
  params: Record<string, unknown>;
  seed: number;
  nFeatures: number;
  status: string;
  finishedAt: string | null;
}

interface SnapshotBase {
  /** Bumped when the shape of a snapshot changes, so older sections can still be read. */
  version: 1;
  /** The project file's name (not its full path). */
  project: string;
  cajalVersion: string;
  takenAt: string;
  /** Definitions of the metrics the section shows, as they were when it was sent. */
  definitions: MetricDefinition[];
  /** How to rebuild the section's numbers with `cajal` commands (room: export; absent in sections sent before it). */
  reproduce?: ReproduceRecord;
}

export interface ComparisonSnapshot extends SnapshotBase {
  harvest: HarvestProvenance;
  bases: BasisProvenance[];
  /** Source and departures of each method compared, as they were when it was sent (absent in older sections). */
  basisDefinitions?: BasisMethodDefinition[];
  comparison: Comparison;
}

export interface CollectionFeature {
  basisId: number;
  feature: number;
  density: number;
  mean: number;
  min: number;
  max: number;
  metrics: Partial<Record<MetricName, number>>;
  zScores: Partial<Record<MetricName, number>>;
  labelCounts: FeatureDetail['labelCounts'];
  histogram: { edges: number[]; counts: number[] };
  /** The strongest stimuli, best first; thumbnails as PNG data: URLs. */
  top: { stimulusIndex: number; labelName: string | null; activation: number; thumbnail: string }[];
  /** room: text (#13) — a feature of a text harvest: its top contexts with the activation at every token. */
  text?: TokenContextsSnapshot;
}

/** room: text (#13) — text.contexts as it was when sent: top contexts (distinct), each token's activation, top tokens. */
export interface TokenContextsSnapshot {
  /** Largest |activation| over the shown tokens: the shading's full scale. */
  scale: number;
  contexts: {
    row: number;
    context: number;
    contextName: string | null;
    /** The token the context is shown for (its top row), an index into tokens. */
    position: number;
    activation: number;
    tokens: { id: number; text: string; activation: number }[];
  }[];
  topTokens: { id: number; text: string; count: number }[];
}

export interface CollectionSnapshot extends SnapshotBase {
  name: string;
  harvests: HarvestProvenance[];
  bases: BasisProvenance[];
  features: CollectionFeature[];
}

// lesions (#10): a lesion run — an ablation sweep or a Shapley analysis — with its results as they were when sent.
export interface LesionRunSnapshot extends SnapshotBase {
  run: {
    id: number;
    kind: 'sweep' | 'shapley';
    harvestId: number;
    basisId: number | null;
    params: Record<string, unknown>;
    elements: number[];
    /** The run's summary as lesions.get gives it (SweepSummary or ShapleySummary). */
    summary: Record<string, unknown>;
    createdAt: string;
    finishedAt: string | null;
  };
  harvest: HarvestProvenance;
  basis: BasisProvenance | null;
  /** A sweep's lesions (element × α when steering); empty for a Shapley analysis. */
  rows: SweepRow[];
}

// revcorr (#11): a receptive-field run with each unit's filter drawn (red positive, blue negative, white 0) and its
// numbers, as they were when sent.
export interface RevcorrUnitSnapshot {
  unit: number;
  name: string;
  /** One PNG data URL per channel of the filter (a colour stimulus has three). */
  images: string[];
  heldOutEv: number | null;
  lambda: number | null;
  stcAxes: { sign: string; value: number }[] | null;
  note: string | null;
}

export interface RevcorrRunSnapshot extends SnapshotBase {
  run: { id: number; estimator: string; harvestId: number; basisId: number | null; params: Record<string, unknown>; itemShape: number[]; summary: Record<string, unknown> | null; createdAt: string; finishedAt: string | null };
  harvest: HarvestProvenance;
  basis: BasisProvenance | null;
  units: RevcorrUnitSnapshot[];
}

// tca (#15): a rank sweep's two diagnostics and one rank's components (weights and three factors), as sent.
export interface TcaSweepSnapshot extends SnapshotBase {
  jobId: number;
  harvest: HarvestProvenance;
  params: { nonneg: boolean; restarts: number; maxIter: number; seed: number };
  shape: { dim: number; positions: number; stimuli: number };
  ranks: { rank: number; errors: number[]; bestError: number; similarities: number[]; meanSimilarity: number | null }[];
  rank: number;
  components: { weight: number; units: number[]; positions: number[]; stimuli: number[] }[];
  labels: (number | null)[];
  labelNames: string[] | null;
  /** The middle axis: a map's positions or a series' checkpoints (absent: positions). */
  middle?: { kind: 'position' | 'checkpoint'; names: string[] | null };
}

// h12front (#12 item 3): the sparsity frontier of a harvest as the Bases panel draws it — every finished basis at
// (L0, explained variance) on held-out rows, each swept method a line — and the pair compared at equal L0, as sent.
export interface FrontierBasis extends BasisProvenance {
  /** The swept parameter and its value (k, l1Coefficient…), null for a method without one (a reference point). */
  swept: { key: string; value: number } | null;
  l0: number;
  explainedVariance: number;
  deadFraction: number;
  denseFraction: number;
  heldOutRows: number;
}

export interface FrontierSnapshot extends SnapshotBase {
  harvest: HarvestProvenance;
  /** Methods drawn as frontier lines (trained, with a swept parameter), in the engine's method order. */
  frontiers: { method: string; key: string }[];
  bases: FrontierBasis[];
  /** The two frontiers compared at equal L0 (A against B), as chosen on the card; null with fewer than two lines. */
  pair: { a: string; b: string } | null;
  /** Source and departures of each method shown, as they were when it was sent. */
  basisDefinitions: BasisMethodDefinition[];
}

export type SectionSnapshot =
  | { kind: 'comparison'; snapshot: ComparisonSnapshot }
  | { kind: 'collection'; snapshot: CollectionSnapshot }
  | { kind: 'lesion'; snapshot: LesionRunSnapshot } // lesions (#10)
  | { kind: 'revcorr'; snapshot: RevcorrRunSnapshot } // revcorr (#11)
  | { kind: 'tca'; snapshot: TcaSweepSnapshot } // tca (#15)
  | { kind: 'frontier'; snapshot: FrontierSnapshot }; // h12front (#12)
