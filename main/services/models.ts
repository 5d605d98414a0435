// Models of a project (split out of the Lab façade): opening one — known by its hash, or read, parsed and probed in
// a worker thread — and reading it back with the stimulus recipe its input suggests. The Lab tells the UI.
import { basename, resolve } from 'node:path';
import type { ModelDetail, ModelSummary, Params } from '../api/contract';
import { openModelOffThread } from '../jobs/service';
import { hashFile } from '../onnx/model';
import { defaultRecipeForInput } from '../stimuli/recipe';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

/** Opens a model into the project; `added` says whether a new row was written (the caller announces it). */
export async function openModel(db: Db, p: Params<'models.open'>): Promise<{ model: ModelDetail; added: boolean }> {
  const path = resolve(p.path);
  // A model already in the project is known by its hash alone, streamed so the event loop stays free; a new one
  // is read, hashed, parsed and probed in a worker thread.
  const existing = repo.findModel(db, await hashFile(path), path);
  if (existing) return { model: getModel(db, existing), added: false };
  const { sha256, bytes, inspection } = await openModelOffThread(path);
  const known = repo.findModel(db, sha256, path); // the file changed, or another call opened it meanwhile
  if (known) return { model: getModel(db, known), added: false };
  const id = repo.insertModel(db, {
    name: basename(path),
    path,
    sha256,
    bytes,
    inspection: {
      inputs: inspection.inputs,
      outputs: inspection.outputs,
      tensors: inspection.intermediates,
      opset: inspection.opset,
      nodeCount: inspection.nodeCount,
      parameterCount: inspection.parameterCount,
      irVersion: inspection.irVersion,
      producerName: inspection.producerName,
      subgraphTensors: inspection.subgraphTensors, // room: i8 — tensors inside If branches can be recorded
    },
  });
  return { model: getModel(db, id), added: true };
}

export function getModel(db: Db, id: number): ModelDetail {
  const m = repo.getModel(db, id);
  const { inspection, ...summary } = m;
  const input = inspection.inputs[0];
  let suggestedRecipe = null;
  if (input?.shape) {
    try {
      suggestedRecipe = defaultRecipeForInput(input.shape, input.dtype ?? 'float32', input.name);
    } catch {
      suggestedRecipe = null; // not an image-like input
    }
  }
  const inner = inspection.subgraphTensors?.length ? { subgraphTensors: inspection.subgraphTensors } : {}; // room: i8
  return { ...summary, tensors: inspection.tensors, suggestedRecipe, ...inner };
}

export function listModels(db: Db): ModelSummary[] {
  return repo.listModels(db).map(({ inspection: _inspection, ...summary }) => summary);
}
