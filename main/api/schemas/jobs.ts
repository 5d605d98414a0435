// API of the jobs room: every long-running piece of work is a job the UI lists, follows, cancels and resumes.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id } from './common';
import type { JobInfo } from '../../jobs/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export type { JobInfo, JobKind, JobStatus } from '../../jobs/types';

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
