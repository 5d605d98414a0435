// What a model wants fed: each run-time input's dtype and dims, with the batch axis identified, and
// concrete dims for a given batch size.
import { dtypeOf, type DType } from './dtypes';
import { runtimeInputs } from './graph';
import { valueInfoElemType, valueInfoShape, type ModelProto } from './proto';

export interface InputSpec {
  name: string;
  dtype: DType;
  /** Declared dims: numbers, symbol names, null where the model says nothing; null when rank is unknown. */
  dims: (number | string | null)[] | null;
  /** Axis that indexes examples, or null when the input has none we can identify. */
  batchAxis: number | null;
  /** The batch size baked into the model (mnist-8: 1), or null when it is symbolic. */
  fixedBatch: number | null;
}

const BATCH_SYMBOL = /batch|^n$|^b$|^bs$|^N$|unk__|^\?$/i;

export function findBatchAxis(dims: (number | string | null)[] | null): number | null {
  if (!dims || dims.length === 0) return null;
  const named = dims.findIndex((d) => typeof d === 'string' && BATCH_SYMBOL.test(d));
  if (named >= 0) return named;
  if (typeof dims[0] === 'string' || dims[0] === null) return 0;
  // A leading 1 on a rank >= 2 input is how exporters bake in batch size 1 (mnist-8, squeezenet).
  if (dims[0] === 1 && dims.length >= 2) return 0;
  return null;
}

export function modelInputSpecs(model: ModelProto): InputSpec[] {
  const graph = model.graph ?? {};
  return runtimeInputs(graph).map((info) => {
    const name = info.name ?? '';
    const elem = valueInfoElemType(info);
    if (elem === null) throw new Error(`Input "${name}" declares no element type.`);
    const dims = valueInfoShape(info);
    const batchAxis = findBatchAxis(dims);
    const batchDim = batchAxis === null || !dims ? null : dims[batchAxis];
    return { name, dtype: dtypeOf(elem), dims, batchAxis, fixedBatch: typeof batchDim === 'number' ? batchDim : null };
  });
}

/**
 * Concrete dims for running: the batch axis gets `batch` (unless fixed), every other symbolic or
 * unknown dim gets 1 and is reported in `assumed` so callers can say what they guessed.
 */
export function concreteInputDims(spec: InputSpec, batch = 1): { dims: number[]; assumed: Record<string, number> } {
  if (!spec.dims) throw new Error(`Input "${spec.name}" has no declared shape, so no dummy input can be made for it.`);
  const assumed: Record<string, number> = {};
  const dims = spec.dims.map((d, axis) => {
    if (typeof d === 'number' && d > 0) return d;
    const value = axis === spec.batchAxis ? batch : 1;
    assumed[typeof d === 'string' ? d : `${spec.name}[${axis}]`] = value;
    return value;
  });
  return { dims, assumed };
}
