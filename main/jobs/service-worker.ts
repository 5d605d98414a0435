// Entry of the model-opening worker thread: reads a model file, hashes, parses and inspects it (which may run the
// model once to probe shapes), so a large model never blocks the thread that serves the UI. One request at a time,
// in order; see open-model.ts for the other side.
import { parentPort } from 'node:worker_threads';
import { toUserFacing } from '../errors';
import { inspectModel } from '../onnx/inspect';
import { readModelFile } from '../onnx/model';
import type { OpenModelReply, OpenModelRequest } from './open-model';

parentPort!.on('message', (req: OpenModelRequest) => {
  void (async (): Promise<OpenModelReply> => {
    try {
      const file = await readModelFile(req.path);
      const inspection = await inspectModel(file.model);
      return { id: req.id, ok: true, result: { sha256: file.sha256, bytes: file.bytes.byteLength, inspection } };
    } catch (err) {
      return { id: req.id, ok: false, error: toUserFacing(err), internal: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
  })().then((reply) => parentPort!.postMessage(reply));
});
