// Pruning: keep only what computes a given set of tensors. onnxruntime runs every node of a graph whatever the
// fetches ask for (measured on the fixture models, #14: a bare loop over a graph cut after the tapped tensor ran
// SqueezeNet's fire5 2.0× faster, the bundled MLP's first layer 1.4×, the CIFAR net's conv 40 1.17×), so a harvest
// of an early layer paid for the whole network. Recording needs the tapped tensors only.
import { nodeReads } from './graph';
import { tapModel, type TapOptions } from './tap';
import type { ModelProto } from './proto';

/**
 * The model tapped at `names` with only those tensors as outputs and only the nodes they depend on (subgraphs'
 * reads of outer tensors included). Every graph input stays, so the same feeds run it; an initializer no kept node
 * reads is dropped (onnxruntime would drop it with a warning) unless it is also a graph input.
 */
export function tapOnly(model: ModelProto, names: readonly string[], options: TapOptions = {}): ModelProto {
  const pruned = tapModel(model, names, options);
  const graph = pruned.graph!;
  const wanted = new Set(names);
  const needed = new Set(names);
  const kept: NonNullable<typeof graph.node> = [];
  // Nodes are stored in topological order, so one backward pass finds every producer of a needed tensor.
  const nodes = graph.node ?? [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!(node.output ?? []).some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const r of nodeReads(node)) needed.add(r);
  }
  graph.node = kept.reverse();
  const seen = new Set<string>();
  graph.output = (graph.output ?? []).filter((o) => wanted.has(o.name ?? '') && !seen.has(o.name!) && seen.add(o.name!));
  const inputs = new Set((graph.input ?? []).map((i) => i.name));
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name ?? '') || inputs.has(t.name));
  return pruned;
}
