// A JobContext over a shared cancel flag and a progress sink; used by the worker thread and by in-process runs.
import type { Db } from '../store/project';
import { CancelledError, type JobContext, type ProgressReport } from './types';

export function makeJobContext(
  db: Db,
  projectPath: string,
  jobId: number,
  cancelFlag: Int32Array,
  sink: (report: ProgressReport) => void,
  minIntervalMs = 100,
  nativeBinding?: string,
): JobContext {
  let last = 0;
  return {
    db,
    projectPath,
    jobId,
    nativeBinding,
    progress(reportOrBuild) {
      // Throttled: a job may report thousands of times a second; the UI needs ~10 updates a second.
      // A built report is only built when due, so hot loops pay nothing for their messages in between.
      const now = Date.now();
      if (typeof reportOrBuild === 'function') {
        if (now - last < minIntervalMs) return;
        last = now;
        sink(reportOrBuild());
        return;
      }
      if (now - last < minIntervalMs && reportOrBuild.fraction < 1) return;
      last = now;
      sink(reportOrBuild);
    },
    get cancelled() {
      return Atomics.load(cancelFlag, 0) === 1;
    },
    throwIfCancelled() {
      if (Atomics.load(cancelFlag, 0) === 1) throw new CancelledError();
    },
  };
}
