// The graph a harvest runs (#14): only the nodes its taps need (onnx/prune.ts), or — for a harvest started before
// pruning, which has no `graph: 'taps'` in its params — the whole tapped model, so a resumed harvest computes its rows
// as it began. Shared by the image and text harvest jobs.
import { tapOnly } from '../onnx/prune';
import type { ModelProto } from '../onnx/proto';
import { tapModel } from '../onnx/tap';

export function harvestGraph(h: { params: Record<string, unknown> }, model: ModelProto, taps: readonly string[]): ModelProto {
  return h.params.graph === 'taps' ? tapOnly(model, taps) : tapModel(model, taps);
}
