// The edit graph and the cut suffix as ONE onnxruntime model: the edit's S × N rows flow straight into the suffix, so
// a group of lesion sets costs one run and no copy of the edited values through JavaScript. Where the file fixes
// the batch at 1 (mnist-8 reshapes to [1, 256]), the suffix's constant Reshape targets get their leading 1 replaced by
// 0 ("copy that axis from the input"), so S × N rows pass; the runner checks the result against row-by-row runs and
// keeps the two-stage path when the rewrite does not hold.
import { GraphBuilder } from '../onnx/builder';
import { cloneModel, makeValueInfo, toNumber, valueInfoShape, type ModelProto } from '../onnx/proto';
import { EDIT_INPUTS } from './edit-graph';

const PREFIX = '__lesion_edit__';
const FLOAT = 1;

function defaultOpset(model: ModelProto): number {
  for (const o of model.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') return toNumber(o.version);
  return 0;
}

/** Leading-1 constant Reshape targets of the suffix made batch-free (0 = copy the input's axis); how many changed. */
function relaxBatchReshapes(model: ModelProto): number {
  const graph = model.graph!;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  let changed = 0;
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Reshape') continue;
    const t = inits.get(node.input?.[1] ?? '');
    if (!t || t.dataType !== 7) continue; // int64 shape initializers only
    const raw = t.rawData && t.rawData.length ? new BigInt64Array(Uint8Array.from(t.rawData).buffer) : null;
    const values = raw ? Array.from(raw, Number) : (t.int64Data ?? []).map((v) => toNumber(v as never));
    if (values[0] !== 1) continue;
    values[0] = 0;
    t.int64Data = [];
    t.rawData = new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
    changed++;
  }
  return changed;
}

/**
 * edit → suffix in one model. `unitShape` is one stimulus's values ([C] or [C, H, W]); the edit's [S, N, ...] output is
 * reshaped to [S·N, ...] and cast to the suffix's input type. Null where the suffix's opset is too old for the edit's
 * broadcasting (before 7).
 */
export function fuseEditWithSuffix(cut: ModelProto, tensor: string, unitShape: readonly number[], withProjector: boolean, relaxBatch: boolean): ModelProto | null {
  const opset = defaultOpset(cut);
  if (opset < 7) return null;
  const fused = cloneModel(cut);
  const graph = fused.graph!;
  const cutInput = (graph.input ?? []).find((i) => i.name === tensor);
  const elemType = cutInput?.type?.tensorType?.elemType ?? FLOAT;

  const b = new GraphBuilder({ name: 'lesion_edit', opset });
  const rank = unitShape.length;
  const unitDims = Array.from({ length: rank }, (_, i) => `u${i}`);
  const x = b.input(EDIT_INPUTS.x, 'float32', [1, 'N', ...unitDims]);
  const keep = b.input(EDIT_INPUTS.keep, 'float32', ['S', 1, ...unitDims]);
  const add = b.input(EDIT_INPUTS.add, 'float32', ['S', 'A', ...unitDims]);
  let y = b.add(b.mul(x, keep), add);
  if (withProjector) {
    const p = b.input(EDIT_INPUTS.projector, 'float32', null);
    if (rank === 1) y = b.matmul(y, p);
    else {
      const toLast = [0, 1, ...Array.from({ length: rank - 1 }, (_, i) => i + 3), 2];
      const back = [0, 1, rank + 1, ...Array.from({ length: rank - 1 }, (_, i) => i + 2)];
      y = b.transpose(b.matmul(b.transpose(y, toLast), p), back);
    }
  }
  const rows = b.reshape(y, [-1, ...unitShape]);
  if (elemType === FLOAT) b.op('Identity', [rows], {}, { output: tensor });
  else b.op('Cast', [rows], { to: elemType }, { output: tensor });
  b.output(tensor, elemType === FLOAT ? 'float32' : 'float16', null); // dropped below: the suffix reads it
  const edit = b.toModel().graph!;

  // Every name the edit made is prefixed, so none can meet a name of the suffix; the edit's inputs and the cut
  // tensor it writes keep theirs.
  const keepName = new Set<string>([...Object.values(EDIT_INPUTS), tensor]);
  const rename = (n: string) => (n && !keepName.has(n) ? PREFIX + n : n);
  for (const node of edit.node ?? []) {
    node.input = (node.input ?? []).map(rename);
    node.output = (node.output ?? []).map(rename);
    node.name = PREFIX + (node.name ?? '');
  }
  for (const t of edit.initializer ?? []) t.name = rename(t.name ?? '');

  if (relaxBatch) relaxBatchReshapes(fused);
  graph.node = [...(edit.node ?? []), ...(graph.node ?? [])];
  graph.initializer = [...(edit.initializer ?? []), ...(graph.initializer ?? [])];
  graph.input = [...(edit.input ?? []), ...(graph.input ?? []).filter((i) => i.name !== tensor)];
  // Declared shapes inside the suffix and on its outputs were for the file's batch; the run decides them now.
  graph.valueInfo = [];
  graph.output = (graph.output ?? []).map((o) => {
    const dims = valueInfoShape(o);
    return makeValueInfo(o.name ?? '', o.type?.tensorType?.elemType ?? FLOAT, dims ? ['rows', ...dims.slice(1)] : null);
  });
  return fused;
}
