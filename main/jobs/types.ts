// What a job's code sees while it runs: its own database connection, a progress reporter and a cancel flag.
// Runners know nothing of threads, IPC or HTTP; the same runner serves the desktop app, the server and the CLI.
import type { Db } from '../store/project';

export interface ProgressReport {
  /** 0..1 */
  fraction: number;
  /** Units of work done so far (rows, steps) and expected in total, for rate and ETA. */
  done?: number;
  total?: number;
  unit?: string;
  message?: string;
  /** Free-form live data for the UI (e.g. training curves); kept small. */
  live?: unknown;
}

export interface JobContext {
  readonly db: Db;
  readonly projectPath: string;
  readonly jobId: number;
  /** better-sqlite3's binding for the running Electron, for a job that opens its own extra connection (#14 harvest writer). */
  readonly nativeBinding?: string;
  /** Throttled to ~10 reports a second; pass a function to build the report only when one is due (hot loops). */
  progress(report: ProgressReport | (() => ProgressReport)): void;
  readonly cancelled: boolean;
  /** Throws CancelledError when the user asked to cancel; call between units of work. */
  throwIfCancelled(): void;
}

export class CancelledError extends Error {
  constructor() {
    super('The job was cancelled.');
    this.name = 'CancelledError';
  }
}

export type JobRunner = (params: unknown, ctx: JobContext) => Promise<unknown>;
export type JobRegistry = Partial<Record<JobKind, JobRunner>>;

export type JobKind = 'harvest' | 'fit' | 'feature-stats' | 'metrics' | 'revcorr' | 'lesion-sweep' | 'shapley' | 'loss-recovered' | 'tca-sweep' | 'import-sae' | 'sae-sweep'; // tca-sweep: tca (#15); import-sae: h18imp (#18 item 4); sae-sweep: h12sweep (#12)

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
