// Whether a tapped tensor is still the model's input picture: the feature dashboard draws a basis direction as an
// image only when the harvested rows are pixels, so this walks the graph back from the tensor to the input.
import { initializerNames, producers, runtimeInputs } from './graph';
import type { GraphProto } from './proto';

// Ops a picture passes through and stays a picture: shape-only ops, and arithmetic with constants (normalisation).
const SHAPE_ONLY = new Set(['Flatten', 'Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Cast']);
const WITH_CONSTANT = new Set(['Sub', 'Div', 'Mul', 'Add']);

/** Whether `tensor` is the graph's input itself, reached only through shape-only ops and arithmetic with constants. */
export function isInputImage(graph: GraphProto, tensor: string): boolean {
  const prod = producers(graph);
  const inits = initializerNames(graph);
  const inputs = new Set(runtimeInputs(graph).map((i) => i.name ?? ''));
  const constant = (t: string) => inits.has(t) || prod.get(t)?.opType === 'Constant';
  let name = tensor;
  for (let guard = 0; guard < 1000; guard++) {
    if (inputs.has(name)) return true;
    const node = prod.get(name);
    if (!node) return false;
    const ins = (node.input ?? []).filter((t) => t !== '');
    if (SHAPE_ONLY.has(node.opType ?? '')) name = ins[0]!;
    else if (WITH_CONSTANT.has(node.opType ?? '')) {
      const live = ins.filter((t) => !constant(t));
      if (live.length !== 1) return false;
      name = live[0]!;
    } else return false;
  }
  return false;
}
