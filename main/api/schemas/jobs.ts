// API of the jobs room: every long-running piece of work is a job the UI lists, follows, cancels and resumes.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id } from './common';

export type JobKind = 'harvest' | 'fit' | 'feature-stats' | 'metrics';

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

export const jobsMethods = {
  'jobs.list': z.object({}).strict(),
  'jobs.cancel': z.object({ jobId: id }).strict(),
  'jobs.resume': z.object({ jobId: id }).strict(),
} as const;

export interface JobsResults {
  'jobs.list': JobInfo[];
  'jobs.cancel': { cancelled: boolean };
  'jobs.resume': { jobId: number };
}
