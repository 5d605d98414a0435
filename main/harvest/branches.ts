// Recording a tensor computed inside an `If` branch (issue #8 item 3). The If's condition is evaluated with
// onnxruntime on the first batch the harvest feeds; when the branch holding the tensor is the one that runs, the If
// is replaced by that branch (onnx/inline-if.ts) and the tensor is recorded like any tensor of the main graph. The
// condition may read only constants and inputs whose values the user fixed, so it is the same for every stimulus;
// the harvest job still checks it on every batch. Each inlined branch is stored with the harvest (provenance).
import type * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { ancestry, branchDefines, inlineIf, locateSubgraphTensor, nodeId, type IfBranch } from '../onnx/inline-if';
import { serializeModel } from '../onnx/model';
import { cloneModel, onnx, type ModelProto } from '../onnx/proto';
import { createSession } from '../onnx/session';
import { pathText, subgraphTensors } from '../onnx/subgraphs';

/** One If replaced by the branch that runs, in the order they were inlined. */
export interface InlinedBranch {
  node: string;
  branch: IfBranch;
  /** The condition tensor and the value it had for the harvest's inputs. */
  cond: string;
  value: boolean;
}

/** Name under which the model exposes the condition of inlined If `node`, so the job can check it on every batch. */
export function condTap(step: InlinedBranch): string {
  return `${step.cond}__cajal_cond_${step.node}`;
}

function inMainGraph(model: ModelProto, name: string): boolean {
  return (model.graph?.node ?? []).some((n) => (n.output ?? []).includes(name));
}

/** The model with `steps` inlined in order, each condition kept as an output-ready Identity (condTap). */
export function applyBranches(model: ModelProto, steps: readonly InlinedBranch[]): ModelProto {
  let current = model;
  for (const step of steps) {
    current = inlineIf(current, step.node, step.branch);
    current.graph!.node!.push(onnx.NodeProto.create({ name: condTap(step), opType: 'Identity', input: [step.cond], output: [condTap(step)] }));
  }
  return current;
}

function condValue(t: ort.Tensor | undefined): boolean {
  const data = t?.data as ArrayLike<number | bigint | boolean> | undefined;
  if (!data || data.length !== 1) throw new Error('an If condition must hold one value');
  return Boolean(data[0]);
}

/** The value each condition tensor of `steps` takes for `feeds` (one run of the model with them tapped). */
export async function evaluateConds(model: ModelProto, steps: readonly InlinedBranch[], feeds: Record<string, ort.Tensor>, label: string): Promise<boolean[]> {
  const tapped = cloneModel(model);
  for (const s of steps) {
    tapped.graph!.node!.push(onnx.NodeProto.create({ name: condTap(s), opType: 'Identity', input: [s.cond], output: [condTap(s)] }));
    tapped.graph!.output!.push(onnx.ValueInfoProto.create({ name: condTap(s) }));
  }
  const session = await createSession(serializeModel(tapped), { label });
  try {
    const out = await session.run(feeds, steps.map(condTap));
    return steps.map((s) => condValue(out[condTap(s)]));
  } finally {
    await session.release();
  }
}

/** Stops the harvest, naming the If node, when a condition no longer has the value its branch was inlined for. */
export function checkBranches(steps: readonly InlinedBranch[], outputs: Record<string, ort.Tensor>, firstItem: number): void {
  for (const s of steps) {
    const now = condValue(outputs[condTap(s)]);
    if (now !== s.value) {
      throw new UserError(
        'harvest.if-changed',
        `The condition ${s.cond} of If ${s.node} is ${String(now)} for the batch from stimulus ${firstItem}, not the ${String(s.value)} its ${s.branch} was inlined for, so the recorded tensor would mix branches; the harvest stopped.`,
      );
    }
  }
}

/**
 * A name defined in two subgraphs that are not the two branches of one If (sibling Ifs may reuse a local name) does
 * not say which tensor to record; refused in one sentence naming where it is defined.
 */
function refuseAmbiguous(model: ModelProto, name: string): void {
  if (inMainGraph(model, name)) return;
  const places = subgraphTensors(model.graph ?? {}).filter((t) => t.name === name);
  const containers = new Set(places.map((t) => t.path.slice(0, -1).join(' → ')));
  if (containers.size > 1) {
    throw new UserError(
      'harvest.subgraph-ambiguous',
      `Tensor ${name} is defined in ${containers.size} subgraphs (${places.map(pathText).join('; ')}), so its name does not say which one to record.`,
    );
  }
}

export interface ResolvedBranches {
  model: ModelProto;
  steps: InlinedBranch[];
}

/**
 * Inlines, outermost first, every If on the way to each of `tensors`, with the branch that runs for `feeds`; refuses
 * in one sentence a tensor inside a Loop or Scan body, inside a branch that does not run, or behind a condition that
 * reads the stimuli or a random op.
 */
export async function resolveBranches(
  model: ModelProto,
  tensors: readonly string[],
  feeds: Record<string, ort.Tensor>,
  stimulusInput: string,
  label: string,
): Promise<ResolvedBranches> {
  let current = model;
  const steps: InlinedBranch[] = [];
  for (const name of tensors) {
    refuseAmbiguous(current, name);
    for (let chain = locateSubgraphTensor(current.graph ?? {}, name); chain && !inMainGraph(current, name); chain = locateSubgraphTensor(current.graph ?? {}, name)) {
      const step = chain[0]!;
      const path = [...chain.flatMap((c) => [`${c.opType} ${c.id}`, c.attribute]), name].join(' → ');
      if (step.opType !== 'If') {
        throw new UserError(
          'harvest.subgraph-loop',
          `Tensor ${name} is computed inside the body of ${step.opType} ${step.id} (${path}), which runs once per iteration, so it has no single value per stimulus to record; Cajal inlines only If branches.`,
        );
      }
      const cond = step.node.input?.[0] ?? '';
      const from = ancestry(current.graph!, cond);
      if (from.inputs.has(stimulusInput) || from.random) {
        const why = from.random ? 'is drawn at random' : `reads the stimulus input ${stimulusInput}`;
        throw new UserError(
          'harvest.if-varies',
          `Tensor ${name} is inside If ${step.id} (${path}), whose condition ${cond} ${why}, so the branch that runs can change from stimulus to stimulus and Cajal cannot record it as one layer.`,
        );
      }
      const [value] = await evaluateConds(current, [{ node: step.id, branch: 'then_branch', cond, value: true }], feeds, label);
      const runs: IfBranch = value ? 'then_branch' : 'else_branch';
      // The same name may be defined in both branches; then the one that runs is the one recorded.
      if (step.attribute !== runs && !branchDefines(step.node, runs, name)) {
        throw new UserError(
          'harvest.if-branch-idle',
          `Tensor ${name} is in the ${step.attribute} of If ${step.id} (${path}), which does not run for these inputs (its condition ${cond} is ${String(value)}), so it is never computed.`,
        );
      }
      const done: InlinedBranch = { node: nodeId(step.node), branch: runs, cond, value: value! };
      current = applyBranches(current, [done]);
      steps.push(done);
    }
  }
  return { model: current, steps };
}
