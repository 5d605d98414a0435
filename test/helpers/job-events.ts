// For tests that act on a job while it runs (cancel it once it has reported a rate, committed a chunk, passed a
// checkpoint): a Lab whose job events can be awaited, and what a project file holds on disk.
import Database from 'better-sqlite3';
import type { EventName, Events, JobInfo } from '../../main/api/contract';
import { Lab } from '../../main/services/lab';

export interface WatchedLab {
  lab: Lab;
  /** Every job event so far, in order. */
  events: JobInfo[];
  /**
   * The first event from now on of job `jobId` that `ready` accepts, or that says the job is neither running nor
   * queued any more (so a job that ends before it is ready does not leave the test waiting).
   */
  nextEvent(jobId: number, ready: (job: JobInfo) => boolean): Promise<JobInfo>;
}

/** A Lab (no project open yet) whose job events are kept and can be awaited. */
export function watchedLab(): WatchedLab {
  const events: JobInfo[] = [];
  const waiters = new Set<(job: JobInfo) => void>();
  const lab = new Lab(<E extends EventName>(event: E, payload: Events[E]) => {
    if (event !== 'job') return;
    const job = payload as JobInfo;
    events.push(job);
    for (const w of [...waiters]) w(job);
  });
  const nextEvent = (jobId: number, ready: (job: JobInfo) => boolean) =>
    new Promise<JobInfo>((resolve) => {
      const waiter = (job: JobInfo) => {
        if (job.id !== jobId || !(ready(job) || !['running', 'queued'].includes(job.status))) return;
        waiters.delete(waiter);
        resolve(job);
      };
      waiters.add(waiter);
    });
  return { lab, events, nextEvent };
}

/** Reads through a second, read-only connection to the project file: what is committed to it, not what the Lab's connection holds. */
export function diskReader(projectPath: string): <T>(read: (db: Database.Database) => T) => T {
  return (read) => {
    const db = new Database(projectPath, { readonly: true, fileMustExist: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };
}
