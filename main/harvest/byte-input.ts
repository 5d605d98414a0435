// Stimuli fed as their bytes (#14). Where a source's every value is one 8-bit pixel read through a table that maps
// each byte b to b itself — MNIST digits at a grey recipe of their own size with pixels 0..255, as `cajal demo` and
// the bundled MLP take them (pixel-tables.ts) — the model can be fed the bytes: the stimulus input becomes a uint8
// input of the same shape, Cast to float32 by the graph under the input's old name, so every consumer, and a tap of
// the input layer, reads the very values the job would have fed (a byte to float32 is exact). Preparing the bundled
// MLP's 10,000 digits on the job thread took 13–24 ms of its ~85 ms harvest loop, serial with the runs on the 2-core
// box (bench harvest, 2026-12-07); a batch of bytes is a copy of 784 bytes per digit.
// Only the identity table: a table read by the graph (Cast, Gather) made the runs ~20 ms slower per 10,000 digits
// than the JS table reads it saved (onnxruntime's Gather copies one element at a time), and an affine written as
// graph ops (Mul, Sub, Div) rounds in float32 per op where the table rounds once, and may be folded by onnxruntime
// into the next MatMul's scale — either way not the values a float-fed harvest records.
// A harvest records the choice (params.stimulusBytes), so one begun with float feeds resumes with them.
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { makeAttribute } from '../onnx/builder';
import { cloneModel, onnx, type ModelProto } from '../onnx/proto';
import type { ByteStimuli, StimulusSource } from '../stimuli/types';
import { batchFeeds, FeedSlots, type FeedPlan } from './feeds';

const ONNX_UINT8 = 2;
const ONNX_FLOAT = 1;

/**
 * Whether a new harvest may feed bytes (recorded with it): CAJAL_HARVEST_BYTES=0 records float feeds instead — the
 * reference the byte-identity test and the bench compare against.
 */
export function stimulusBytesEnabled(): boolean {
  return process.env.CAJAL_HARVEST_BYTES !== '0';
}

/** The name the uint8 input takes (the float tensor keeps the old one). */
export function byteInputName(input: string): string {
  return `${input}__cajal_bytes`;
}

/** Whether byte b stands for b itself, for every byte. */
export function isIdentityTable(table: Float32Array): boolean {
  return table.length === 256 && table.every((v, b) => v === b);
}

/**
 * Whether a harvest feeds bytes: it was started to (params.stimulusBytes — harvests begun before keep float feeds),
 * its source offers them with the identity table, and the stimulus input is float32 (what Cast makes).
 */
export function usesByteInput(params: Record<string, unknown>, source: StimulusSource, plan: FeedPlan): boolean {
  return params.stimulusBytes === true && source.byteStimuli !== undefined && isIdentityTable(source.byteStimuli.table) && plan.stimulusDType === 'float32';
}

/** The model with `input` fed as bytes and Cast to float32 (see the top of this file). */
export function byteInputGraph(model: ModelProto, input: string): ModelProto {
  const out = cloneModel(model);
  const graph = out.graph!;
  const at = (graph.input ?? []).findIndex((i) => i.name === input);
  if (at < 0) throw new Error(`the model has no input named ${input} to feed as bytes`);
  const bytesName = byteInputName(input);
  const info = graph.input![at]!; // the clone's own
  info.name = bytesName;
  if (info.type?.tensorType) info.type.tensorType.elemType = ONNX_UINT8;
  graph.node = [onnx.NodeProto.create({ name: `${input}__cajal_cast`, opType: 'Cast', input: [bytesName], output: [input], attribute: [makeAttribute('to', ONNX_FLOAT)] }), ...(graph.node ?? [])];
  return out;
}

/**
 * A byte-fed harvest's feeds, batch after batch, from two sets of kept tensors used in turn (FeedSlots, as FeedRing).
 * The stimuli are read straight into the kept uint8 tensor; a fixed batch's padding is byte 0 (its outputs are
 * dropped, as the float path's zeros are).
 */
export class ByteFeedRing {
  private readonly slots = new FeedSlots();
  private readonly bytesName: string;

  constructor(
    private readonly plan: FeedPlan,
    private readonly stimuli: ByteStimuli,
  ) {
    this.bytesName = byteInputName(plan.stimulusInput);
  }

  feeds(start: number, count: number): Record<string, ort.Tensor> {
    const { plan } = this;
    const n = plan.fixedBatch !== null && count < plan.fixedBatch ? plan.fixedBatch : count;
    const feeds = this.slots.next(n, () => {
      // The other inputs as the float path makes them; the stimulus input replaced by its bytes.
      const { [plan.stimulusInput]: _float, ...extras } = batchFeeds(plan, new Float32Array(n * plan.itemSize), n);
      return { ...extras, [this.bytesName]: new Tensor('uint8', new Uint8Array(n * plan.itemSize), [n, ...plan.feedShape]) };
    });
    const kept = feeds[this.bytesName]!.data as Uint8Array;
    const filled = this.stimuli.bytes(start, count, kept);
    if (filled !== kept) kept.set(filled.subarray(0, count * plan.itemSize));
    if (count * plan.itemSize < kept.length) kept.fill(0, count * plan.itemSize);
    return feeds;
  }
}
