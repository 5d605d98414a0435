// Entry of a harvest's stimulus thread (harvest/stimulus-blocks.ts): opens the stimulus set's source from its stored
// spec and prepares the blocks of items the job thread asks for, so preparation overlaps the model's runs.
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors';
import type { StimulusReply, StimulusRequest } from '../harvest/stimulus-blocks';
import { openStimulusSource } from '../stimuli/open';
import type { StimulusSpec } from '../stimuli/types';

const { spec, offset } = workerData as { spec: StimulusSpec; offset: number };
const post = (m: StimulusReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

function errorOf(err: unknown): { message: string; code?: string; user: boolean } {
  const code = err instanceof UserError ? err.code : (err as { code?: unknown }).code;
  return { message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : undefined, user: err instanceof UserError };
}

const opening = openStimulusSource(spec);
opening.then(
  () => post({ type: 'ready' }),
  (err: unknown) => post({ type: 'error', id: -1, error: errorOf(err) }),
);
// Requests are served one at a time, in the order they came (the job takes blocks in order).
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (m: StimulusRequest) => {
  queue = queue.then(async () => {
    try {
      const made = await (await opening).batch(offset + m.start, m.count);
      // Transferred without a copy, unless the source handed out a view of a larger buffer it keeps.
      const data = made.byteOffset === 0 && made.byteLength === made.buffer.byteLength ? made : made.slice();
      post({ type: 'block', id: m.id, data }, [data.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: 'error', id: m.id, error: errorOf(err) });
    }
  });
});
