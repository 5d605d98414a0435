// Entry of a harvest's writer thread (harvest/writer.ts): its own connection to the project file commits the chunks
// the job thread hands over, in order, and keeps the unit statistics, so writes overlap the job's inference.
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors';
import type { WriterInit, WriterReply, WriterRequest } from '../harvest/writer';
import { WriterCore } from '../harvest/writer-core';
import { openProjectDb } from '../store/project';

const init = workerData as WriterInit;
const post = (m: WriterReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
let failed = false;

function fail(err: unknown): void {
  failed = true;
  const code = err instanceof UserError ? err.code : (err as { code?: unknown }).code;
  post({ type: 'error', error: { message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : undefined, user: err instanceof UserError } });
}

const db = openProjectDb(init.projectPath, { nativeBinding: init.nativeBinding });
let core: WriterCore | null = null;
try {
  core = new WriterCore(db, init.targets, init.resume);
  post({ type: 'ready' });
} catch (err) {
  fail(err);
}

parentPort!.on('message', (m: WriterRequest) => {
  if (m.type === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  // After a failure the job stops; later steps must not commit past the chunk that failed.
  if (failed || !core) return;
  try {
    if (m.type === 'step') {
      core.write(m.step);
      const buffers = m.step.parts.map((p) => p.data.buffer as ArrayBuffer);
      post({ type: 'committed', buffers }, buffers);
    } else post({ type: 'stats', stats: core.result() });
  } catch (err) {
    fail(err);
  }
});
