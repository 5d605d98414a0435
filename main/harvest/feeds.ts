// What a harvest feeds the model, batch by batch: the stimuli go into one input, and every other input gets the
// value the user gave it (issue #8: a speech model also wants a sample rate and a recurrent state). The harvest job
// and the shape probe both build their feeds here, so the probe measures exactly what the job will record.
import type * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { float32ArrayToFloat16Bits, float32ToOrtTensor, isDType, type DType } from '../onnx/dtypes';
import { findBatchAxis } from '../onnx/inputs';
import { fitItemShapeToInput } from '../stimuli/shape';

/** A model input as inspection stores it. */
export interface ModelInputInfo {
  name: string;
  dtype: string | null;
  shape: (number | string)[] | null;
}

export interface ExtraInput {
  name: string;
  dtype: DType;
  /** Declared dims; the batch axis (if any) takes the batch size, every other dim is a number. */
  dims: number[];
  batchAxis: number | null;
  value: number;
  /** As the user wrote it ('zeros', '16000'), for provenance. */
  text: string;
}

export interface FeedPlan {
  stimulusInput: string;
  stimulusDType: DType;
  /** Item dims the stimulus tensor is built with (the model's own, symbolic ones filled from the stimuli). */
  feedShape: number[];
  itemSize: number;
  /** The batch size baked into the model, or null when it is free. */
  fixedBatch: number | null;
  extras: ExtraInput[];
}

/** How the app (not the command line) says where a missing input's value goes. */
export const INPUTS_HINT_APP = 'give each a value (Model inputs in the Harvest form, --input NAME=VALUE on the command line)';

const FLOAT_DTYPES = new Set<string>(['float32', 'float16', 'float64']);
const INT_DTYPES = new Set<string>(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64']);

/** 'float32 [2,batch,64]', 'int64 scalar': how the refusal names an input. */
export function describeInput(input: ModelInputInfo): string {
  const dims = input.shape === null ? 'of unknown shape' : input.shape.length === 0 ? 'scalar' : `[${input.shape.join(',')}]`;
  return `${input.dtype ?? 'untyped'} ${dims}`;
}

/** The value one input takes for every item: 'zeros' (any numeric input), a number, or true/false for a boolean. */
export function parseInputValue(input: ModelInputInfo, text: string): number {
  const dtype = input.dtype ?? '';
  const t = text.trim().toLowerCase();
  if (t === 'zeros' || t === 'zero') {
    if (FLOAT_DTYPES.has(dtype) || INT_DTYPES.has(dtype) || dtype === 'bool') return 0;
  } else if (dtype === 'bool') {
    if (t === 'true' || t === '1') return 1;
    if (t === 'false' || t === '0') return 0;
  } else if (FLOAT_DTYPES.has(dtype)) {
    const v = Number(t);
    if (t !== '' && Number.isFinite(v)) return v;
  } else if (INT_DTYPES.has(dtype)) {
    const v = Number(t);
    if (/^[+-]?\d+$/.test(t) && Number.isSafeInteger(v)) return v;
  } else {
    throw new UserError('harvest.input-dtype', `The model input ${input.name} has type ${dtype || 'unknown'}, which Cajal cannot feed.`);
  }
  const takes = dtype === 'bool' ? 'true, false or zeros' : FLOAT_DTYPES.has(dtype) ? 'zeros or a number' : 'zeros or a whole number';
  throw new UserError('harvest.input-value', `The model input ${input.name} (${describeInput(input)}) takes ${takes}, not "${text}".`);
}

/**
 * Which input takes the stimuli (the first one the user gave no value) and the value of every other; throws one
 * sentence naming the inputs that still need a value, or a value for an input the model does not have.
 */
export function planFeeds(
  inputs: readonly ModelInputInfo[],
  itemShape: readonly number[],
  values: Record<string, string> = {},
  how = 'give each with --input NAME=VALUE',
): FeedPlan {
  const unknown = Object.keys(values).filter((name) => !inputs.some((i) => i.name === name));
  if (unknown.length > 0) {
    throw new UserError('harvest.input-unknown', `The model has no input named ${unknown.join(', ')}; its inputs are ${inputs.map((i) => i.name).join(', ')}.`);
  }
  const stimulus = inputs.find((i) => !(i.name in values));
  if (!stimulus) {
    throw new UserError('harvest.input-none-left', `Every model input (${inputs.map((i) => i.name).join(', ')}) was given a value, so none is left for the stimuli.`);
  }
  const missing = inputs.filter((i) => i !== stimulus && !(i.name in values));
  if (missing.length > 0) {
    const list = missing.map((i) => `${i.name} (${describeInput(i)})`).join(', ');
    throw new UserError('harvest.inputs-missing', `The model also needs input${missing.length > 1 ? 's' : ''} ${list}; ${how}.`);
  }
  if (!stimulus.dtype || !isDType(stimulus.dtype)) {
    throw new UserError('harvest.input-dtype', `The model input ${stimulus.name} has type ${stimulus.dtype}, which Cajal cannot feed.`);
  }
  const declared = stimulus.shape ?? [];
  const feedShape = fitItemShapeToInput(itemShape, stimulus.name, declared);
  const fixedBatch = typeof declared[0] === 'number' && declared[0] > 0 ? declared[0] : null;
  const extras = inputs.filter((i) => i !== stimulus).map((input): ExtraInput => {
    const text = values[input.name]!;
    const value = parseInputValue(input, text);
    if (input.shape === null) {
      throw new UserError('harvest.input-shape', `The model input ${input.name} declares no shape, so Cajal cannot make a tensor of it for --input ${input.name}=${text}.`);
    }
    const batchAxis = input.shape.length >= 2 ? findBatchAxis(input.shape) : null;
    const dims = input.shape.map((d, axis) => {
      if (axis === batchAxis) return typeof d === 'number' && d > 0 ? d : -1;
      if (typeof d === 'number' && d > 0) return d;
      throw new UserError(
        'harvest.input-shape',
        `The model input ${input.name} (${describeInput(input)}) has a free dim ${String(d)} besides its batch, so Cajal cannot make a tensor of it for --input ${input.name}=${text}.`,
      );
    });
    return { name: input.name, dtype: input.dtype as DType, dims, batchAxis: batchAxis !== null && dims[batchAxis] === -1 ? batchAxis : null, value, text };
  });
  return { stimulusInput: stimulus.name, stimulusDType: stimulus.dtype, feedShape, itemSize: itemShape.reduce((a, b) => a * b, 1), fixedBatch, extras };
}

/**
 * Feeds for `count` items whose stimuli are `data`; a fixed-batch model gets a padded batch (its extra outputs are
 * dropped.
 */
export function batchFeeds(plan: FeedPlan, data: Float32Array, count: number): Record<string, ort.Tensor> {
  let n = count;
  let stimuli = data;
  if (plan.fixedBatch !== null && count < plan.fixedBatch) {
    n = plan.fixedBatch;
    stimuli = new Float32Array(n * plan.itemSize);
    stimuli.set(data);
  }
  const feeds: Record<string, ort.Tensor> = { [plan.stimulusInput]: float32ToOrtTensor(stimuli, [n, ...plan.feedShape], plan.stimulusDType) };
  for (const extra of plan.extras) {
    const dims = extra.dims.map((d, axis) => (axis === extra.batchAxis ? n : d));
    const size = dims.reduce((a, b) => a * b, 1);
    // A plain array keeps integer constants exact (a Float32Array would round 2^24 + 1).
    feeds[extra.name] = float32ToOrtTensor(new Array<number>(size).fill(extra.value), dims, extra.dtype);
  }
  return feeds;
}

/** Float32 stimuli per batch up to which FeedRing copies into a kept tensor rather than wrapping them in a new one. */
const RING_COPY_VALUES = 16384;

/**
 * Two sets of kept feeds used in turn, one per batch size: batch k + 1 is filled while batch k's run is pending and
 * batch k has finished before k + 2 is filled (the job loop's order), so two suffice. Shared by FeedRing and the byte
 * feeds (byte-input.ts).
 */
export class FeedSlots {
  private readonly slots = [new Map<number, Record<string, ort.Tensor>>(), new Map<number, Record<string, ort.Tensor>>()];
  private turn = 0;

  /** The next set for batches of `n` items, made by `make` the first time that set sees `n`. */
  next(n: number, make: () => Record<string, ort.Tensor>): Record<string, ort.Tensor> {
    const slot = this.slots[this.turn++ & 1]!;
    let feeds = slot.get(n);
    if (!feeds) slot.set(n, (feeds = make()));
    return feeds;
  }
}

/**
 * A harvest's feeds, batch after batch, from two sets of tensors used in turn (#14): a model run on one item at a
 * time (mnist-8, SqueezeNet) paid for a new input tensor, its buffer and the feeds object on every batch — about
 * 2.4 µs and garbage per item. Batch k + 1 is filled while batch k's run is pending and batch k has finished before
 * k + 2 is filled, so two sets suffice (the job loop's order). Large float32 batches are still wrapped without a copy.
 */
export class FeedRing {
  private readonly slots = new FeedSlots();

  constructor(private readonly plan: FeedPlan) {}

  feeds(data: Float32Array, count: number): Record<string, ort.Tensor> {
    const { plan } = this;
    const n = plan.fixedBatch !== null && count < plan.fixedBatch ? plan.fixedBatch : count;
    const size = count * plan.itemSize;
    const float32 = plan.stimulusDType === 'float32';
    if ((!float32 && plan.stimulusDType !== 'float16') || (float32 && n * plan.itemSize > RING_COPY_VALUES)) return batchFeeds(plan, data, count);
    const feeds = this.slots.next(n, () => batchFeeds(plan, new Float32Array(n * plan.itemSize), n));
    const kept = feeds[plan.stimulusInput]!.data as Float32Array | Uint16Array;
    if (kept instanceof Float32Array) kept.set(data.subarray(0, size));
    else float32ArrayToFloat16Bits(data.subarray(0, size), kept);
    // A fixed batch's padding: zeros, as batchFeeds pads (+0 in float16 is all zero bits too).
    if (size < kept.length) kept.fill(0, size);
    return feeds;
  }
}
