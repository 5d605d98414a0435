// harvests.start as the API serves it (room: i8). Tensors whose shape the inspection could not know for these
// stimuli (a sequence whose length follows a free image width) are measured first, by one run of the tapped model on
// the first batch in the service worker; the lab then lays out and stores the harvest with the measured shapes.
// Tensors inside an If branch go the same way: the probe evaluates the If's condition on that batch and inlines the
// branch that runs (harvest/branches.ts), and the inlined branches are stored with the harvest.
import type { Params } from '../api/contract';
import { INPUTS_HINT_APP, planFeeds } from '../harvest/feeds';
import { needsShapeProbe } from '../harvest/probe';
import { probeShapesOffThread } from '../jobs/service';
import { getModel, getStimulusSet } from '../store/repo';
import type { Lab } from './lab';
import { probeTextHarvest } from './text-harvest'; // room: text (#13)

export async function startHarvestWithShapes(lab: Lab, p: Params<'harvests.start'>): Promise<ReturnType<Lab['startHarvest']>> {
  const db = lab.database;
  const model = getModel(db, p.modelId);
  const set = getStimulusSet(db, p.stimulusSetId);
  if (set.kind === 'text') return lab.startHarvest(p, await probeTextHarvest(db, p)); // room: text (#13)
  const byName = new Map(model.inspection.tensors.concat(model.inspection.outputs).map((t) => [t.name, t]));
  const inputs = model.inspection.inputs;
  // Unknown names and other refusals are the lab's to word; only the tensors it knows are probed.
  // A tensor inside an If branch has no shape until the branch that runs is inlined, which the probe does too.
  const inner = new Set((model.inspection.subgraphTensors ?? []).map((t) => t.name));
  const unknown = p.tensors.filter((name) => {
    const t = byName.get(name);
    return t === undefined ? inner.has(name) : needsShapeProbe(t, inputs);
  });
  if (unknown.length === 0) return lab.startHarvest(p);
  // The inputs are checked here too, so a missing one is named before the model runs.
  planFeeds(inputs, set.itemShape, p.inputs, INPUTS_HINT_APP);
  const items = Math.min(p.limit ?? set.count, set.count);
  const request = {
    modelPath: model.path,
    inputs,
    tensors: unknown,
    spec: set.spec,
    inputValues: p.inputs,
    batch: Math.min(p.batchSize ?? 32, items),
  };
  const probed = await probeShapesOffThread(request);
  return lab.startHarvest(p, probed.shapes, probed.branches);
}
