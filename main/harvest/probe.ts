// A tensor whose shape follows a free input dim (a text recogniser's sequence length follows the image width) has
// no shape the inspection can know: its probe ran on dummy dims. Before such a harvest is laid out, the tapped model
// runs once on the first real batch of the stimulus set being recorded, and the shapes it returns are the ones
// stored with the harvest and recorded (issue #8).
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';
import { findBatchAxis } from '../onnx/inputs';
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import { tapModel } from '../onnx/tap';
import { openStimulusSource } from '../stimuli/open';
import { resolveBranches, type InlinedBranch } from './branches';
import { batchFeeds, planFeeds, type ModelInputInfo } from './feeds';

export interface ShapeProbeRequest {
  modelPath: string;
  inputs: ModelInputInfo[];
  tensors: string[];
  /** The stored spec of the stimulus set being recorded. */
  spec: unknown;
  /** Values of the inputs that do not take stimuli. */
  inputValues?: Record<string, string>;
  /** Items of the first batch (the job's batch size, at most the set). */
  batch: number;
}

interface TensorLike {
  shape: (number | string)[] | null;
  shapeSource: 'declared' | 'probed' | 'unknown';
}

const known = (d: number | string | null | undefined): boolean => typeof d === 'number' && d > 0;

/**
 * Whether a tensor's item dims must be measured on the stimuli: they are not all numbers, or they were probed by
 * the inspection on a dummy value of a free input dim other than the batch (so they hold for that value only).
 */
export function needsShapeProbe(tensor: TensorLike, inputs: readonly ModelInputInfo[]): boolean {
  if (!tensor.shape || !tensor.shape.slice(1).every(known)) return true;
  if (tensor.shapeSource !== 'probed') return false;
  return inputs.some((i) => {
    if (!i.shape) return true;
    const batchAxis = findBatchAxis(i.shape);
    return i.shape.some((d, axis) => axis !== batchAxis && !known(d));
  });
}

/** ORT's message without its status prefix and C++ source location: the reason, in a few words. */
function reason(err: unknown): string {
  const raw = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  const status = /Status Message: (.*)$/.exec(raw)?.[1] ?? raw.replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*/g, '');
  return (/ was false\. (.*)$/.exec(status)?.[1] ?? status.replace(/^\S*\.(?:h|cc):\d+ \S+(?:\([^)]*\))? /, '')).replace(/[.\s]+$/, '');
}

export interface ShapeProbeResult {
  /** Item dims (batch axis dropped) of each tensor over the first batch. */
  shapes: Record<string, number[]>;
  /** If nodes replaced by the branch that runs, so that tensors inside them could be recorded (branches.ts). */
  branches: InlinedBranch[];
}

/**
 * The item dims of each tensor over the first batch of the stimuli; a tensor inside an If branch is reached by
 * inlining the branch that runs for these inputs first (branches.ts).
 */
export async function probeTensorShapes(req: ShapeProbeRequest): Promise<ShapeProbeResult> {
  const parsed = parseModel(readFileSync(req.modelPath), req.modelPath);
  const source = await openStimulusSource(req.spec);
  const plan = planFeeds(req.inputs, source.itemShape, req.inputValues);
  const count = Math.max(1, Math.min(req.batch, source.count));
  const data = await source.batch(0, count);
  const feeds = batchFeeds(plan, data, count);
  const feedCount = feeds[plan.stimulusInput]!.dims[0]!;
  const { model, steps } = await resolveBranches(parsed, req.tensors, feeds, plan.stimulusInput, req.modelPath);
  const session = await createSession(serializeModel(tapModel(model, req.tensors, { label: req.modelPath })), { label: req.modelPath });
  const names = req.tensors.join(', ');
  try {
    let outputs;
    try {
      outputs = await session.run(feeds, req.tensors);
    } catch (err) {
      throw new UserError(
        'harvest.shape',
        `The shape of tensor ${names} is not known from the model, and running it on the first ${count} stimuli failed (${reason(err)}), so it cannot be recorded.`,
      );
    }
    const shapes: Record<string, number[]> = {};
    for (const name of req.tensors) {
      const dims = [...outputs[name]!.dims];
      if (dims[0] !== feedCount) {
        throw new UserError('harvest.batch-axis', `Tensor ${name} does not keep the batch as its first axis (shape ${JSON.stringify(dims)}), so its rows cannot be attributed to stimuli.`);
      }
      shapes[name] = dims.slice(1);
    }
    return { shapes, branches: steps };
  } finally {
    await session.release();
  }
}
