// What a lesion run works on, read from the project: the harvest's model cut at its tensor, the first N stimuli of
// its set (with labels where the set has them), the layer's clean values and outputs for them, and optionally a
// stored basis of that layer. Everything is checked before a run is written, so bad input costs one sentence.
import { readFileSync } from 'node:fs';
import { loadBasis } from '../bases/load';
import type { Basis } from '../bases/types';
import { UserError } from '../errors';
import { parseModel, sha256Hex } from '../onnx/model';
import { openStimulusSource } from '../stimuli/open';
import { fitItemShapeToInput } from '../stimuli/shape';
import type { StimulusSpec } from '../stimuli/types';
import { getBasis } from '../store/bases';
import type { Db } from '../store/project';
import { getHarvest, getModel, getStimulusSet, stimulusLabels, type HarvestRecord } from '../store/repo';
import { LesionRunner, type Outputs, type Values } from './run';

export interface SubjectRequest {
  harvestId?: number;
  basisId?: number;
  stimuli: number;
  output?: string;
}

export interface LesionSubject {
  harvest: HarvestRecord;
  basisId: number | null;
  basis: Basis | null;
  basisLabel: string;
  runner: LesionRunner;
  output: string;
  n: number;
  values: Values;
  clean: Outputs;
  /** Labels of the N stimuli, or null when the set has none. */
  labels: number[] | null;
  classNames: string[] | null;
  /** Units of the layer (its channel axis). */
  units: number;
}

/** The harvest (and basis) named by a request, checked: a model harvest of a finished layer, the basis of that layer. */
export function resolveTarget(db: Db, r: { harvestId?: number; basisId?: number }): { harvest: HarvestRecord; basisId: number | null } {
  if (r.harvestId === undefined && r.basisId === undefined) throw new UserError('lesions.target', 'Name a harvest (its units) or a basis (its features) to lesion.');
  let harvest: HarvestRecord;
  if (r.basisId !== undefined) {
    const rec = getBasis(db, r.basisId);
    const own = getHarvest(db, rec.harvestId);
    harvest = r.harvestId !== undefined ? getHarvest(db, r.harvestId) : own;
    if (own.tensor !== harvest.tensor || own.modelId !== harvest.modelId) {
      throw new UserError('lesions.basis-layer', `Basis ${rec.id} was fitted to ${own.tensor} of ${own.modelName}, but harvest ${harvest.id} records ${harvest.tensor} of ${harvest.modelName}; lesion a basis of the same layer.`);
    }
  } else {
    harvest = getHarvest(db, r.harvestId!);
  }
  if (harvest.source !== 'model' || !harvest.stimulusSetId) {
    throw new UserError('lesions.imported-harvest', `Harvest ${harvest.id} was imported without its model and stimuli, so there is nothing to lesion; harvest a model over stimuli instead.`);
  }
  return { harvest, basisId: r.basisId ?? null };
}

/** Elements of the target: the basis's features, or the layer's units (channels). */
export function elementCount(db: Db, harvest: HarvestRecord, basisId: number | null): number {
  if (basisId !== null) return getBasis(db, basisId).nFeatures;
  // tensorShape is one stimulus's shape (no batch axis): its first axis holds the units (conv channels).
  return harvest.tensorShape[0] ?? harvest.dim;
}

const FEED_BATCH = 100;

/** The bytes of a harvest's model as it was opened: a missing or changed file is refused in one sentence. */
export function readOpenedModel(db: Db, modelId: number): { model: ReturnType<typeof getModel>; bytes: Uint8Array } {
  const model = getModel(db, modelId);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(model.path);
  } catch {
    throw new UserError('lesions.model-missing', `The model file ${model.path} cannot be read; put it back where it was opened from.`);
  }
  if (sha256Hex(bytes) !== model.sha256) throw new UserError('lesions.model-changed', `The model file ${model.path} changed since it was opened (its SHA-256 differs); open it again as a new model.`);
  return { model, bytes };
}

export async function openSubject(db: Db, r: SubjectRequest): Promise<LesionSubject> {
  const { harvest, basisId } = resolveTarget(db, r);
  const { model, bytes } = readOpenedModel(db, harvest.modelId);
  if (model.inputs.length > 1) {
    // A harvest can feed other inputs constants (#8); the lesion runner feeds the stimuli only, so it says so.
    throw new UserError('lesions.side-inputs', `${model.name} also reads ${model.inputs.slice(1).map((i) => i.name).join(', ')} besides the stimuli; lesioning feeds only the stimulus input, so it cannot run this model.`);
  }
  const runner = await LesionRunner.open(parseModel(bytes, model.path), harvest.tensor, { label: model.name });
  const output = r.output ?? runner.outputNames[0]!;
  if (!runner.outputNames.includes(output)) throw new UserError('lesions.output', `The model has no output "${output}"; its outputs are ${runner.outputNames.join(', ')}.`);

  const set = getStimulusSet(db, harvest.stimulusSetId);
  const source = await openStimulusSource(set.spec as StimulusSpec);
  const n = Math.min(r.stimuli, source.count);
  const input = model.inputs[0]!;
  const feedShape = fitItemShapeToInput(source.itemShape, input.name, input.shape ?? []);
  const parts: { values: Values; clean: Outputs }[] = [];
  for (let start = 0; start < n; start += FEED_BATCH) {
    const count = Math.min(FEED_BATCH, n - start);
    const data = await source.batch(start, count);
    parts.push(await runner.layerValues({ [input.name]: { data, dims: [count, ...feedShape] } }));
  }
  const stack = (vs: Values[]): Values => {
    const data = new Float32Array(vs.reduce((s, v) => s + v.data.length, 0));
    let o = 0;
    for (const v of vs) {
      data.set(v.data, o);
      o += v.data.length;
    }
    return { data, dims: [n, ...vs[0]!.dims.slice(1)] };
  };
  const values = stack(parts.map((p) => p.values));
  const clean: Outputs = {};
  for (const name of runner.outputNames) clean[name] = stack(parts.map((p) => p.clean[name]!));
  const stored = stimulusLabels(db, set.id).slice(0, n);
  const labels = stored.length === n && stored.every((l) => l !== null) ? (stored as number[]) : null;

  let basis: Basis | null = null;
  let basisLabel = '';
  if (basisId !== null) {
    const rec = getBasis(db, basisId);
    basis = loadBasis(db, rec);
    basisLabel = `Basis ${rec.id} (${rec.name})`;
  }
  return { harvest, basisId, basis, basisLabel, runner, output, n, values, clean, labels, classNames: source.labelNames, units: values.dims[1] ?? 0 };
}
