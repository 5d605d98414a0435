// An `If` whose condition is fixed for the given inputs runs one branch only. Replacing the node by that branch's
// nodes makes every tensor of the branch a plain graph tensor, which tapping and cutting reach like any other
// (issue #8 item 3: a speech model computes everything inside an If on its sample rate). Loop and Scan bodies run
// once per iteration and have no single value per stimulus, so they are only located here, never inlined.
import { allTensorNames, producers, runtimeInputs } from './graph';
import { cloneModel, onnx, type GraphProto, type ModelProto, type NodeProto } from './proto';

export type IfBranch = 'then_branch' | 'else_branch';

/** One control-flow node on the way from the main graph to a subgraph tensor. */
export interface ContainerStep {
  node: NodeProto;
  /** How inspection names the node: its name, else its first output. */
  id: string;
  opType: string;
  /** The attribute holding the subgraph: then_branch, else_branch, body. */
  attribute: string;
}

export function nodeId(node: NodeProto): string {
  return node.name || node.output?.[0] || '?';
}

function subgraphsOf(node: NodeProto): { attribute: string; graph: GraphProto }[] {
  const out: { attribute: string; graph: GraphProto }[] = [];
  for (const a of node.attribute ?? []) for (const g of [a.g, ...(a.graphs ?? [])]) if (g) out.push({ attribute: a.name ?? '?', graph: g });
  return out;
}

/** The control-flow nodes, outermost first, whose subgraphs compute `name`; null when no subgraph does. */
export function locateSubgraphTensor(graph: GraphProto, name: string): ContainerStep[] | null {
  for (const node of graph.node ?? []) {
    for (const { attribute, graph: g } of subgraphsOf(node)) {
      const step: ContainerStep = { node, id: nodeId(node), opType: node.opType ?? '?', attribute };
      if ((g.node ?? []).some((n) => (n.output ?? []).includes(name))) return [step];
      const deeper = locateSubgraphTensor(g, name);
      if (deeper) return [step, ...deeper];
    }
  }
  return null;
}

/** Whether `attribute`'s subgraph of `node`, or a subgraph nested in it, computes `name`. */
export function branchDefines(node: NodeProto, attribute: string, name: string): boolean {
  return subgraphsOf(node).some((s) => s.attribute === attribute && deepNames(s.graph, new Set()).has(name));
}

/** Every name defined anywhere in the graph and its subgraphs. */
function deepNames(graph: GraphProto, into: Set<string>): Set<string> {
  for (const n of allTensorNames(graph)) into.add(n);
  for (const node of graph.node ?? []) for (const { graph: g } of subgraphsOf(node)) deepNames(g, into);
  return into;
}

function renameIn(graph: GraphProto, rename: Map<string, string>): void {
  const r = (n: string) => rename.get(n) ?? n;
  for (const node of graph.node ?? []) {
    node.input = (node.input ?? []).map(r);
    node.output = (node.output ?? []).map(r);
    for (const { graph: g } of subgraphsOf(node)) renameIn(g, rename);
  }
  for (const list of [graph.initializer, graph.valueInfo, graph.output]) for (const t of list ?? []) if (t.name) t.name = r(t.name);
}

/**
 * The model with If node `id` of the main graph replaced by the nodes of `branch`. Branch-local names that another
 * part of the model already uses are renamed (`name__<node>_<branch>`); references to the enclosing scope stay as
 * they are; each If output becomes an Identity of the branch output it stood for.
 */
export function inlineIf(model: ModelProto, id: string, branch: IfBranch): ModelProto {
  const out = cloneModel(model);
  const graph = out.graph!;
  const nodes = graph.node ?? [];
  const at = nodes.findIndex((n) => n.opType === 'If' && nodeId(n) === id);
  if (at < 0) throw new Error(`The main graph has no If node ${id} to inline.`);
  const node = nodes[at]!;
  const sub = subgraphsOf(node).find((s) => s.attribute === branch)?.graph;
  if (!sub) throw new Error(`If node ${id} has no ${branch}.`);

  const taken = new Set<string>();
  for (const n of allTensorNames(graph)) taken.add(n);
  for (const o of graph.output ?? []) if (o.name) taken.add(o.name);
  nodes.forEach((other, i) => {
    if (i !== at) for (const { graph: g } of subgraphsOf(other)) deepNames(g, taken);
  });
  const rename = new Map<string, string>();
  for (const local of allTensorNames(sub)) {
    if (!taken.has(local)) continue;
    let fresh = `${local}__${id}_${branch}`;
    for (let k = 2; taken.has(fresh); k++) fresh = `${local}__${id}_${branch}${k}`;
    taken.add(fresh);
    rename.set(local, fresh);
  }
  renameIn(sub, rename);

  const local = new Set(allTensorNames(sub));
  const declared = new Set([...(graph.valueInfo ?? []), ...(graph.input ?? []), ...(graph.output ?? [])].map((v) => v.name));
  const identities = (node.output ?? []).flatMap((ifOut, k) => {
    const branchOut = sub.output?.[k]?.name;
    if (!ifOut || !branchOut) return [];
    return [onnx.NodeProto.create({ name: `${id}__${branch}_out${k}`, opType: 'Identity', input: [branchOut], output: [ifOut] })];
  });
  // The branch's declared types (its value_info and outputs) keep describing its tensors in the main graph.
  const infos = [...(sub.valueInfo ?? []), ...(sub.output ?? [])].filter((v) => v.name && local.has(v.name) && !declared.has(v.name));
  graph.valueInfo = [...(graph.valueInfo ?? []), ...infos.filter((v, i) => infos.findIndex((w) => w.name === v.name) === i)];
  graph.initializer = [...(graph.initializer ?? []), ...(sub.initializer ?? [])];
  graph.sparseInitializer = [...(graph.sparseInitializer ?? []), ...(sub.sparseInitializer ?? [])];
  graph.node = [...nodes.slice(0, at), ...(sub.node ?? []), ...identities, ...nodes.slice(at + 1)];
  return out;
}

const RANDOM_OPS = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

/** What tensor `name` of the main graph is computed from: the runtime inputs it reads, and whether a random op feeds it. */
export function ancestry(graph: GraphProto, name: string): { inputs: Set<string>; random: boolean } {
  const byOutput = producers(graph);
  const feeds = new Set(runtimeInputs(graph).map((i) => i.name ?? ''));
  const inputs = new Set<string>();
  let random = false;
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (feeds.has(t)) inputs.add(t);
    const node = byOutput.get(t);
    if (!node) continue;
    if (RANDOM_OPS.has(node.opType ?? '')) random = true;
    stack.push(...(node.input ?? []).filter((i) => i !== ''));
    // Tensors a subgraph reads from the enclosing scope are inputs of its node too.
    for (const { graph: g } of subgraphsOf(node)) {
      const names = deepNames(g, new Set());
      for (const outer of deepReads(g)) if (!names.has(outer)) stack.push(outer);
    }
  }
  return { inputs, random };
}

function deepReads(graph: GraphProto): string[] {
  const reads: string[] = [];
  for (const node of graph.node ?? []) {
    reads.push(...(node.input ?? []).filter((i) => i !== ''));
    for (const { graph: g } of subgraphsOf(node)) reads.push(...deepReads(g));
  }
  for (const o of graph.output ?? []) if (o.name) reads.push(o.name);
  return reads;
}
