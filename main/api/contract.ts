// THE typed API of Cajal: every method's params and result, every event — the index of one schema file per room
// (main/api/schemas/<room>.ts). A new room adds its own file there, spreads its `<room>Methods` into methodSchemas and
// extends Results with its `<Room>Results`.
//
// The schemas are the single source of truth: TypeScript types are inferred from them, the router validates every
// incoming payload against them (Electron IPC, HTTP and direct calls alike), and the renderer imports the types
// only (`import type`), so no validation code is bundled into it.
import { z } from 'zod';
import { projectMethods, type ProjectResults } from './schemas/project';
import { modelsMethods, type ModelsResults } from './schemas/models';
import { stimuliMethods, type StimuliResults } from './schemas/stimuli';
import { harvestsMethods, type HarvestsResults } from './schemas/harvests';
import { basesMethods, type BasesResults } from './schemas/bases';
import { featuresMethods, type FeaturesResults } from './schemas/features';
import { reportsMethods, type ReportsResults } from './schemas/reports';
import { jobsMethods, type JobsResults } from './schemas/jobs';
import type { JobInfo, JobStatus } from './schemas/jobs';
import { revcorrMethods, type RevcorrResults } from './schemas/revcorr';
import { recordingsMethods, type RecordingsResults } from './schemas/recordings'; // recordings (#11 item 4)
import { exportMethods, type ExportResults } from './schemas/export';
import { lesionsMethods, type LesionsResults } from './schemas/lesions';
import { lesionReportsMethods, type LesionReportsResults } from './schemas/lesion-reports'; // lesions (#10): report section
import { tcaMethods, type TcaResults } from './schemas/tca'; // tca (#15)
import { textMethods, type TextResults } from './schemas/text'; // room: text (#13)
import { w18Methods, type W18Results } from './schemas/w18'; // w18 (#18): feature table as typed columns

export * from './schemas/project';
export * from './schemas/models';
export * from './schemas/stimuli';
export * from './schemas/harvests';
export * from './schemas/bases';
export * from './schemas/features';
export * from './schemas/reports';
export * from './schemas/jobs';
export * from './schemas/revcorr';
export * from './schemas/recordings'; // recordings (#11 item 4)
export * from './schemas/export';
export * from './schemas/lesions';
export * from './schemas/lesion-reports'; // lesions (#10)
export * from './schemas/tca'; // tca (#15)
export * from './schemas/text'; // room: text (#13)
export * from './schemas/w18'; // w18 (#18)

// ---------------------------------------------------------------------------------------------------------------
// Methods: name -> params schema + result type
// ---------------------------------------------------------------------------------------------------------------

export const methodSchemas = {
  ...projectMethods,
  ...modelsMethods,
  ...stimuliMethods,
  ...harvestsMethods,
  ...basesMethods,
  ...featuresMethods,
  ...reportsMethods,
  ...jobsMethods,
  ...revcorrMethods,
  ...recordingsMethods, // recordings (#11 item 4)
  ...exportMethods,
  ...lesionsMethods,
  ...lesionReportsMethods, // lesions (#10)
  ...tcaMethods, // tca (#15)
  ...textMethods, // room: text (#13)
  ...w18Methods, // w18 (#18)
} as const;

export type MethodName = keyof typeof methodSchemas;
/** What a caller passes (defaults optional). */
export type ParamsIn<M extends MethodName> = z.input<(typeof methodSchemas)[M]>;
/** What a service receives (defaults applied). */
export type Params<M extends MethodName> = z.output<(typeof methodSchemas)[M]>;

export interface Results
  extends ProjectResults, ModelsResults, StimuliResults, HarvestsResults, BasesResults, FeaturesResults, ReportsResults, JobsResults,
    RevcorrResults, ExportResults, LesionsResults, LesionReportsResults,
    RecordingsResults /* recordings (#11 item 4) */, TcaResults /* tca (#15) */, TextResults /* room: text (#13) */,
    W18Results /* w18 (#18) */ {}

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
