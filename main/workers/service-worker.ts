// Entry of the engine's service worker thread (see jobs/service.ts): opens models, computes comparisons, draws
// thumbnails, scans harvests for a unit's histogram or extreme rows and imports .npy activations, so none of them
// blocks the thread that serves the UI. One request at a time, in order. It keeps one read connection to the last
// project it was asked about; WAL lets it read what the serving thread has committed.
import { parentPort } from 'node:worker_threads';
import { compareBases } from '../analyses/compare';
import { toUserFacing } from '../errors';
import { extremeRows, unitHistogram } from '../harvest/unit-stats';
import { inspectModel } from '../onnx/inspect';
import { readModelFile } from '../onnx/model';
import { importActivations } from '../harvest/import-npy';
import { probeTensorShapes } from '../harvest/probe'; // room: i8 (dynamic shapes)
import { exportData } from '../services/export';
import { textContexts } from '../services/text'; // room: text (#13)
import { textEffects } from '../services/text-effects'; // room: text (#13 output effects)
import { openStimulusSource } from '../stimuli/open';
import { openProjectDb, type Db } from '../store/project';
import type { ServiceReply, ServiceRequest } from '../jobs/service';

let project: { path: string; db: Db } | null = null;

function projectDb(path: string, nativeBinding: string | undefined): Db {
  if (project?.path === path) return project.db;
  project?.db.close();
  project = { path, db: openProjectDb(path, { nativeBinding }) };
  return project.db;
}

async function handle(req: ServiceRequest): Promise<unknown> {
  switch (req.task) {
    case 'open-model': {
      const file = await readModelFile(req.path);
      const inspection = await inspectModel(file.model);
      return { sha256: file.sha256, bytes: file.bytes.byteLength, inspection };
    }
    case 'compare':
      return compareBases(projectDb(req.projectPath, req.nativeBinding), req.harvestId, req.bootstrap, req.seed);
    case 'unit-histogram':
      return unitHistogram(projectDb(req.projectPath, req.nativeBinding), req.harvestId, req.unit, req.bins);
    case 'extreme-rows':
      return extremeRows(projectDb(req.projectPath, req.nativeBinding), req.harvestId, req.unit, req.k, req.order);
    // room: export
    case 'export':
      return exportData(projectDb(req.projectPath, req.nativeBinding), { projectPath: req.projectPath, nativeBinding: req.nativeBinding }, req.request);
    case 'probe-shapes': // room: i8 (dynamic shapes)
      return probeTensorShapes(req.request);
    case 'text-contexts': // room: text (#13)
      return textContexts(projectDb(req.projectPath, req.nativeBinding), req.params);
    case 'text-effects': // room: text (#13 output effects)
      return textEffects(projectDb(req.projectPath, req.nativeBinding), req.params);
    case 'import-npy':
      return importActivations(projectDb(req.projectPath, req.nativeBinding), req.params);
    case 'release-project':
      if (project?.path === req.projectPath) {
        project.db.close();
        project = null;
      }
      return null;
    case 'thumbnails': {
      // Opened afresh each time, so a folder is read as it is now (the MNIST digits stay loaded in this thread).
      const src = await openStimulusSource(req.spec);
      const out: Uint8Array[] = [];
      for (const i of req.indices) out.push(await src.thumbnail(i));
      return out;
    }
  }
}

let queue = Promise.resolve();
parentPort!.on('message', (req: ServiceRequest) => {
  queue = queue.then(async () => {
    let reply: ServiceReply;
    try {
      reply = { id: req.id, ok: true, result: await handle(req) };
    } catch (err) {
      reply = { id: req.id, ok: false, error: toUserFacing(err), internal: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    parentPort!.postMessage(reply);
  });
});
