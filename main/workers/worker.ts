// Entry of a job's worker thread: opens its own connection to the project file, runs the job's runner, and reports
// progress and the outcome to the manager. Heavy work therefore never runs on the thread that serves the UI.
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors';
import { openProjectDb } from '../store/project';
import { makeJobContext } from '../jobs/context';
import type { WorkerInit, WorkerMessage } from '../jobs/protocol';
import { jobRunners } from './registry';
import { CancelledError } from '../jobs/types';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  const cancelFlag = new Int32Array(init.cancelBuffer);
  const db = openProjectDb(init.projectPath, { nativeBinding: init.nativeBinding });
  try {
    const runner = jobRunners[init.kind as keyof typeof jobRunners];
    if (!runner) throw new Error(`no runner for job kind ${init.kind}`);
    const ctx = makeJobContext(db, init.projectPath, init.jobId, cancelFlag, (report) => post({ type: 'progress', report }), undefined, init.nativeBinding);
    const result = await runner(init.params, ctx);
    post({ type: 'done', result });
  } catch (err) {
    if (err instanceof CancelledError) post({ type: 'cancelled' });
    else post({ type: 'failed', error: describeError(err), stack: err instanceof Error ? err.stack : undefined });
  } finally {
    db.close();
  }
}

void main();
