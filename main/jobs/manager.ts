// Runs jobs in worker threads, keeps the `jobs` table current, measures rate and ETA, and tells listeners.
import type { Worker } from 'node:worker_threads';
import type { JobInfo, JobKind } from './types';
import { UserError } from '../errors';
import type { Db } from '../store/project';
import { finishJob, getJob, insertJob, listJobs, markJobRunning, updateJobProgress } from '../store/repo';
import type { WorkerInit, WorkerMessage } from './protocol';
import { spawnWorker } from './spawn';
import type { ProgressReport } from './types';

interface LiveJob {
  worker: Worker;
  cancelFlag: Int32Array;
  startedAt: number;
  doneAtStart: number | null;
  last: ProgressReport | null;
  rate: number | null;
  eta: number | null;
  finished: Promise<JobInfo>;
}

export interface JobManagerOptions {
  nativeBinding?: string;
  /** Where failures' stack traces go (never to the UI). */
  log?: (line: string) => void;
}

export class JobManager {
  private readonly live = new Map<number, LiveJob>();
  /** Each worker thread's exit: a job settles on its last message, a moment before its thread closes its connection. */
  private readonly threads = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly projectPath: string,
    private readonly emit: (job: JobInfo) => void,
    private readonly opts: JobManagerOptions = {},
  ) {}

  /** Record a new job and start it. */
  start(kind: JobKind, title: string, params: unknown): number {
    const id = insertJob(this.db, kind, title, params);
    this.run(id);
    return id;
  }

  /** Start (or restart, to resume) the job recorded as `id`; its runner finds its own checkpoint. */
  run(id: number): Promise<JobInfo> {
    const existing = this.live.get(id);
    if (existing) return existing.finished;
    const job = getJob(this.db, id);
    if (job.status === 'done') throw new UserError('job.done', `Job ${id} has already finished.`);
    const cancelBuffer = new SharedArrayBuffer(4);
    const init: WorkerInit = {
      projectPath: this.projectPath,
      jobId: id,
      kind: job.kind,
      params: job.params,
      cancelBuffer,
      nativeBinding: this.opts.nativeBinding,
    };
    markJobRunning(this.db, id, process.pid);
    const worker = spawnWorker('worker', init);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.threads.add(exited);
    void exited.then(() => this.threads.delete(exited));
    let resolveFinished!: (j: JobInfo) => void;
    const finished = new Promise<JobInfo>((r) => (resolveFinished = r));
    const entry: LiveJob = {
      worker,
      cancelFlag: new Int32Array(cancelBuffer),
      startedAt: Date.now(),
      doneAtStart: null,
      last: null,
      rate: null,
      eta: null,
      finished,
    };
    this.live.set(id, entry);
    let settled = false;
    const settle = (status: 'done' | 'failed' | 'cancelled', fields: { result?: unknown; error?: string; message?: string }) => {
      if (settled) return;
      settled = true;
      // The job's end must reach its waiter even when it cannot be written: a full disk (the usual reason a harvest
      // fails) also refuses this small UPDATE. The row then stays 'running' and is marked interrupted when the
      // project is next opened, so the work resumes as after a kill.
      let written = true;
      try {
        finishJob(this.db, id, status, fields);
      } catch (err) {
        written = false;
        this.opts.log?.(`job ${id}: its ${status} status could not be stored (${(err as Error).message})`);
      }
      this.live.delete(id);
      const stored = this.snapshot(id, entry);
      const info: JobInfo = written ? stored : { ...stored, status, error: fields.error ?? stored.error, etaSeconds: null };
      this.emit(info);
      resolveFinished(info);
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress':
          this.onProgress(id, entry, m.report);
          break;
        case 'done':
          settle('done', { result: m.result, message: 'Finished.' });
          break;
        case 'cancelled':
          settle('cancelled', { message: 'Cancelled; the work committed so far is kept and can be resumed.' });
          break;
        case 'failed':
          if (m.stack) this.opts.log?.(`job ${id} failed: ${m.stack}`);
          settle('failed', { error: m.error.message, message: m.error.code });
          break;
      }
    });
    worker.on('error', (err) => {
      this.opts.log?.(`job ${id} worker error: ${err.stack ?? String(err)}`);
      settle('failed', { error: `The job stopped unexpectedly (${err.message}).` });
    });
    worker.on('exit', (code) => {
      if (!settled) settle('failed', { error: `The job's worker exited with code ${code} before finishing.` });
    });
    this.emit(this.snapshot(id, entry));
    return finished;
  }

  private onProgress(id: number, entry: LiveJob, report: ProgressReport): void {
    entry.last = report;
    const now = Date.now();
    if (report.done !== undefined) {
      if (entry.doneAtStart === null) {
        // Rates count only the work done in this run, not what a resumed job had already committed.
        entry.doneAtStart = report.done;
        entry.startedAt = now;
      }
      const seconds = (now - entry.startedAt) / 1000;
      if (seconds > 0.2) {
        entry.rate = (report.done - entry.doneAtStart) / seconds;
        entry.eta = report.total !== undefined && entry.rate > 0 ? (report.total - report.done) / entry.rate : null;
      }
    }
    try {
      updateJobProgress(this.db, id, report.fraction, report.message ?? null);
    } catch (err) {
      // The stored fraction is advisory: a full disk (SQLITE_FULL) must not take the whole process down from an event
      // handler. The job's own commit meets the same error and fails the job with its one sentence.
      this.opts.log?.(`job ${id}: its progress could not be stored (${(err as Error).message})`);
    }
    this.emit(this.snapshot(id, entry));
  }

  private snapshot(id: number, entry?: LiveJob): JobInfo {
    const job = getJob(this.db, id);
    if (!entry) return job;
    return {
      ...job,
      rate: entry.rate,
      rateUnit: entry.last?.unit ?? job.rateUnit,
      etaSeconds: job.status === 'running' ? entry.eta : null,
      live: (entry.last?.live as Record<string, number> | undefined) ?? null,
    };
  }

  cancel(id: number): boolean {
    const entry = this.live.get(id);
    if (!entry) return false;
    Atomics.store(entry.cancelFlag, 0, 1);
    return true;
  }

  wait(id: number): Promise<JobInfo> {
    return this.live.get(id)?.finished ?? Promise.resolve(getJob(this.db, id));
  }

  list(): JobInfo[] {
    return listJobs(this.db).map((j) => (this.live.has(j.id) ? this.snapshot(j.id, this.live.get(j.id)) : j));
  }

  get running(): number {
    return this.live.size;
  }

  /**
   * Cancel everything and wait for the workers to stop (closing a project, quitting). Waiting for the threads, not
   * only the jobs' last messages, lets the caller's connection close last, and SQLite checkpoints the WAL into the
   * project file only on the last close: otherwise the file just closed could still lack the last job's writes
   * (they sat in its -wal), and a copy of it alone would lose them.
   */
  async shutdown(): Promise<void> {
    const pending = [...this.live.entries()].map(([id, entry]) => {
      Atomics.store(entry.cancelFlag, 0, 1);
      return entry.finished.then(() => undefined, () => undefined).finally(() => this.live.delete(id));
    });
    await Promise.all(pending);
    await Promise.all(this.threads);
  }
}
