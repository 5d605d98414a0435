// A token model with one tensor made editable in place (#13, loss recovered on a transformer): cutting at an MLP's
// hidden layer leaves the residual stream still reading input_ids, so instead of a prefix and a suffix the graph is
// cut at the tensor and rejoined through the edit — the producer writes `<tensor>__clean`, and every reader of the
// tensor reads (clean ⊙ keep + add), with keep and add fed per run. One session then serves the clean run (keep 1,
// add 0), zero and mean ablation (keep 0, add 0 or the mean) and the splice (keep 0, add the reconstruction at every
// token position), from int64 ids to the log-probabilities of the next token.
import { declaredValueInfo, initializerNames, modelLabel, producers, runtimeInputs } from '../onnx/graph';
import { cloneModel, makeValueInfo, onnx, toNumber, valueInfoElemType, type ModelProto } from '../onnx/proto';
import { assertTensorExists } from '../onnx/tap';
import { LesionInputError } from './types';

export const SPLICE_INPUTS = { keep: 'splice_keep', add: 'splice_add' } as const;
/** log-softmax of the scored output over its last (vocabulary) axis. */
export const SPLICE_LOGPROBS = 'splice_logprobs';
export const cleanName = (tensor: string) => `${tensor}__clean`;

const FLOAT = 1;
const FLOAT16 = 10;

function defaultOpset(model: ModelProto): number {
  for (const o of model.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') return toNumber(o.version);
  return 0;
}

/**
 * The rejoined model: inputs are the model's own plus `splice_keep` and `splice_add` (float32, broadcast against the
 * tensor's [batch, seq, C]); outputs `splice_logprobs` (of `output`) and the tensor's clean values.
 */
export function spliceTokenModel(model: ModelProto, tensor: string, output: string, label?: string): ModelProto {
  const name = label ?? modelLabel(model.graph);
  assertTensorExists(model, tensor, name);
  const spliced = cloneModel(model);
  const graph = spliced.graph!;
  if (initializerNames(graph).has(tensor) || runtimeInputs(graph).some((i) => i.name === tensor)) {
    throw new LesionInputError('lesions.splice-tensor', `Tensor "${tensor}" is an input or a stored weight of ${name}, not an activation, so there is nothing to splice into.`);
  }
  if (!(graph.output ?? []).some((o) => o.name === output)) {
    throw new LesionInputError('lesions.output', `${name} has no output "${output}"; its outputs are ${(graph.output ?? []).map((o) => o.name).join(', ')}.`);
  }
  const opset = defaultOpset(spliced);
  const declared = valueInfoElemType(declaredValueInfo(graph).get(tensor));
  if (opset < 13 || (declared !== null && declared !== FLOAT && declared !== FLOAT16 && opset < 15)) {
    throw new LesionInputError('lesions.splice-opset', `${name} uses ONNX opset ${opset}; splicing into a token model needs opset 13 or later.`);
  }
  const clean = cleanName(tensor);
  const producer = producers(graph).get(tensor)!;
  producer.output = (producer.output ?? []).map((o) => (o === tensor ? clean : o));
  // A graph output that is the tensor itself keeps its name (now the edited values); the clean ones are tapped below.
  const node = (opType: string, inputs: string[], out: string, attribute: Record<string, number> = {}) =>
    onnx.NodeProto.create({
      opType,
      input: inputs,
      output: [out],
      name: `__splice_${out}`,
      attribute: Object.entries(attribute).map(([n, i]) => onnx.AttributeProto.create({ name: n, type: onnx.AttributeProto.AttributeType.INT, i })),
    });
  // The edit runs in float32 and returns to the tensor's own type (CastLike), so a float16 model edits the same way.
  const castIn = opset >= 15 ? [node('Cast', [clean], '__splice_x', { to: FLOAT })] : [];
  const x = castIn.length ? '__splice_x' : clean;
  const edit = [
    ...castIn,
    node('Mul', [x, SPLICE_INPUTS.keep], '__splice_kept'),
    node('Add', ['__splice_kept', SPLICE_INPUTS.add], castIn.length ? '__splice_y' : tensor),
    ...(castIn.length ? [node('CastLike', ['__splice_y', clean], tensor)] : []),
    node('LogSoftmax', [output], SPLICE_LOGPROBS, { axis: -1 }),
  ];
  // Inserted right after the producer, so the node list stays topologically sorted.
  const nodes = graph.node ?? [];
  const at = nodes.indexOf(producer) + 1;
  graph.node = [...nodes.slice(0, at), ...edit.slice(0, -1), ...nodes.slice(at), edit[edit.length - 1]!];
  graph.input = [...(graph.input ?? []), makeValueInfo(SPLICE_INPUTS.keep, FLOAT, null), makeValueInfo(SPLICE_INPUTS.add, FLOAT, null)];
  graph.output = [...(graph.output ?? []), onnx.ValueInfoProto.create({ name: SPLICE_LOGPROBS }), onnx.ValueInfoProto.create({ name: clean })];
  // Shapes declared for the tensor described the producer's output, which is now the clean name; drop the stale entry.
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== tensor);
  return spliced;
}
