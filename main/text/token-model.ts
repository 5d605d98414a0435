// What a transformer over tokens takes (issue #13): `input_ids`, and optionally `attention_mask` and `position_ids`
// (a Hugging Face causal LM exported without past key values, or the lab's own model). Its vocabulary is read from
// the embedding table the ids index (a Gather on an initializer), so ids the model has no row for are refused by
// the lab in one sentence instead of failing inside onnxruntime.
import { isDType, type DType } from '../onnx/dtypes';
import { initializerNames } from '../onnx/graph';
import { modelInputSpecs } from '../onnx/inputs';
import type { ModelProto } from '../onnx/proto';
import { tensorProtoDims } from '../onnx/tensor-proto';
import { TextInputError } from './errors';

export const IDS_INPUT = 'input_ids';
export const MASK_INPUT = 'attention_mask';
export const POSITIONS_INPUT = 'position_ids';
const OPTIONAL = [MASK_INPUT, POSITIONS_INPUT];
const INTEGER = new Set<DType>(['int64', 'int32']);

export interface TokenInput {
  name: string;
  dtype: DType;
}

export interface TokenModel {
  ids: TokenInput;
  mask: TokenInput | null;
  positions: TokenInput | null;
  /** Rows of the embedding table input_ids index, or null when the model does not show it (no check possible). */
  vocabSize: number | null;
  /** The sequence length baked into input_ids, or null when it is free. */
  fixedLength: number | null;
}

function tokenInput(name: string, dtype: string): TokenInput {
  if (!isDType(dtype) || !INTEGER.has(dtype)) {
    throw new TextInputError('model-input', `The model input ${name} has type ${dtype}, but token inputs must be int64 or int32.`);
  }
  return { name, dtype };
}

/** The embedding Gather's table: the first initializer a Gather indexes with input_ids (possibly through a Cast). */
function embeddingRows(model: ModelProto): number | null {
  const graph = model.graph!;
  const inits = initializerNames(graph);
  const idNames = new Set([IDS_INPUT]);
  for (const node of graph.node ?? []) {
    if (node.opType === 'Cast' && idNames.has(node.input?.[0] ?? '')) for (const o of node.output ?? []) idNames.add(o);
  }
  for (const node of graph.node ?? []) {
    const [data, indices] = node.input ?? [];
    if (node.opType === 'Gather' && idNames.has(indices ?? '') && data && inits.has(data)) {
      const table = (graph.initializer ?? []).find((t) => t.name === data)!;
      const axis = Number(node.attribute?.find((a) => a.name === 'axis')?.i ?? 0);
      return axis === 0 ? tensorProtoDims(table)[0] ?? null : null;
    }
  }
  return null;
}

export function planTokenModel(model: ModelProto): TokenModel {
  const inputs = modelInputSpecs(model);
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const ids = byName.get(IDS_INPUT);
  if (!ids) {
    throw new TextInputError('model-input', `The model has no input named ${IDS_INPUT} (its inputs are ${inputs.map((i) => i.name).join(', ')}), so it cannot read text stimuli.`);
  }
  const other = inputs.filter((i) => i.name !== IDS_INPUT && !OPTIONAL.includes(i.name));
  if (other.length > 0) {
    throw new TextInputError(
      'model-input',
      `The model also takes ${other.map((i) => i.name).join(', ')}; text stimuli feed only ${[IDS_INPUT, ...OPTIONAL].join(', ')} (export the model without past key values).`,
    );
  }
  const seq = ids.dims?.[1];
  return {
    ids: tokenInput(IDS_INPUT, ids.dtype),
    mask: byName.has(MASK_INPUT) ? tokenInput(MASK_INPUT, byName.get(MASK_INPUT)!.dtype) : null,
    positions: byName.has(POSITIONS_INPUT) ? tokenInput(POSITIONS_INPUT, byName.get(POSITIONS_INPUT)!.dtype) : null,
    vocabSize: embeddingRows(model),
    fixedLength: typeof seq === 'number' && seq > 0 ? seq : null,
  };
}
