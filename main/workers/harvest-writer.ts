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
// This connection only appends chunks (and, resuming, reads the committed ones back once), so a 2 MiB page cache
// loses nothing, and it recycles its page buffers: the default 16 MB cache takes a fresh buffer for every overflow
// page a chunk's BLOB fills, and this thread's memory is fresh on every job. Three 4 MiB chunks from a fresh thread:
// about 2,200 page faults and 40–90 ms of CPU instead of 4,900 and about 100 ms (#14; the bytes stored are the same).
db.pragma('cache_size = -2048');
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
