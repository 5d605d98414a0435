// Tensors computed inside control-flow subgraphs (If branches, Loop and Scan bodies) are not in the main graph's node
// list, so inspection listed only the control-flow node's outputs: a speech model that computes everything inside an
// `If` showed one intermediate tensor (issue #8). They are listed here with their path, node → branch → tensor.
// A harvest records one inside an If branch by inlining the branch that runs (inline-if.ts, harvest/branches.ts).
import type { GraphProto } from './proto';

export interface SubgraphTensor {
  name: string;
  op: string;
  /** Path from the main graph: control-flow node, attribute (then_branch, else_branch, body), then nested levels. */
  path: string[];
}

export function subgraphTensors(graph: GraphProto, prefix: string[] = []): SubgraphTensor[] {
  const out: SubgraphTensor[] = [];
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      const subs = [a.g, ...(a.graphs ?? [])].filter((g): g is GraphProto => Boolean(g));
      for (const g of subs) {
        const path = [...prefix, `${node.opType ?? '?'} ${node.name || node.output?.[0] || '?'}`, a.name ?? '?'];
        for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) out.push({ name: o, op: n.opType ?? '?', path });
        out.push(...subgraphTensors(g, path));
      }
    }
  }
  return out;
}

export function pathText(t: SubgraphTensor): string {
  return [...t.path, t.name].join(' → ');
}
