// Recording a transformer over text (issue #13): contexts of token ids in, and for every tapped tensor laid out as
// [batch, seq, …] the values at each sampled token position out, one row per position (the rest of the dims
// flattened: d for a residual stream or an MLP's hidden layer). Feeds: input_ids, the attention mask (1 for tokens,
// 0 for a short context's padding) and position ids 0..L−1 when the model takes them.
import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import { tensorToFloat32, type DType } from '../onnx/dtypes';
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import { tapModel } from '../onnx/tap';
import type { TextCorpus } from './corpus';
import { TextInputError } from './errors';
import { planTokenModel, type TokenModel } from './token-model';
import type { TokenRow } from './types';

export interface TokenHarvest {
  tensor: string;
  /** Values per row. */
  dim: number;
  /** rows × dim, row-major, in the order of `rows`. */
  data: Float32Array;
}

export interface TokenHarvestResult {
  rows: TokenRow[];
  tensors: TokenHarvest[];
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * int32 values widened to int64 as BigInt(v) would give them, without a BigInt per value (#14: the text harvest
 * builds three such tensors per batch, 12,288 BigInts at batch 32 × 128 tokens): on a little-endian machine each
 * int64 is its int32 as the low word and the sign (v >> 31) as the high word.
 */
export function widenToInt64(values: Int32Array): BigInt64Array {
  if (!LITTLE_ENDIAN) return BigInt64Array.from(values, (v) => BigInt(v));
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    words[2 * i] = v;
    words[2 * i + 1] = v >> 31;
  }
  return out;
}

function intTensor(values: Int32Array, dims: number[], dtype: DType): ort.Tensor {
  return dtype === 'int64' ? new ort.Tensor('int64', widenToInt64(values), dims) : new ort.Tensor('int32', values, dims);
}

/** Refuses a corpus the model cannot read: ids beyond its vocabulary, or a length other than the one it fixes. */
export function checkCorpusFitsModel(corpus: TextCorpus, model: TokenModel): void {
  const L = corpus.spec.contextLength;
  if (model.fixedLength !== null && model.fixedLength !== L) {
    throw new TextInputError('context-length', `The model reads exactly ${model.fixedLength} tokens at a time, so cut the text into contexts of ${model.fixedLength} (context=${model.fixedLength}), not ${L}.`);
  }
  if (model.vocabSize === null) return;
  for (let d = 0; d < corpus.tokens.length; d++) {
    const ids = corpus.tokens[d]!;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! >= model.vocabSize) {
        throw new TextInputError(
          'vocab',
          `Token id ${ids[i]} (${corpus.tokenizer.name}, document ${corpus.documents[d]!.name}) is beyond the model's vocabulary of ${model.vocabSize} tokens; use the tokenizer the model was trained with.`,
        );
      }
    }
  }
}

/** Feeds for contexts start..start+count−1. */
export function tokenFeeds(corpus: TextCorpus, model: TokenModel, start: number, count: number): Record<string, ort.Tensor> {
  const L = corpus.spec.contextLength;
  const dims = [count, L];
  const feeds: Record<string, ort.Tensor> = { [model.ids.name]: intTensor(corpus.ids(start, count), dims, model.ids.dtype) };
  if (model.mask) feeds[model.mask.name] = intTensor(corpus.mask(start, count), dims, model.mask.dtype);
  if (model.positions) {
    const pos = new Int32Array(count * L);
    for (let i = 0; i < pos.length; i++) pos[i] = i % L;
    feeds[model.positions.name] = intTensor(pos, dims, model.positions.dtype);
  }
  return feeds;
}

/** Copies the sampled positions' values of one batch output [count, L, …] into `out` from row `at`; returns rows written. */
export function extractPositions(out: ort.Tensor, tensor: string, corpus: TextCorpus, start: number, count: number, dst: Float32Array, at: number, dim: number): number {
  const L = corpus.spec.contextLength;
  if (out.dims.length < 2 || out.dims[0] !== count || out.dims[1] !== L) {
    throw new TextInputError('tensor-layout', `Tensor ${tensor} has shape [${out.dims.join(', ')}], not [batch, ${L}, …], so it has no value per token position.`);
  }
  const src = tensorToFloat32(out);
  let row = at;
  for (let i = 0; i < count; i++) {
    for (const p of corpus.positions[start + i]!) {
      const from = (i * L + p) * dim;
      dst.set(src.subarray(from, from + dim), row * dim);
      row++;
    }
  }
  return row - at;
}

/** Runs the model over every context of the corpus and returns the sampled rows of each tensor. */
export async function harvestTokens(modelBytes: Uint8Array, corpus: TextCorpus, tensors: readonly string[], batchSize = 16): Promise<TokenHarvestResult> {
  const proto = parseModel(modelBytes, 'the model');
  const plan = planTokenModel(proto);
  checkCorpusFitsModel(corpus, plan);
  const session = await createSession(serializeModel(tapModel(proto, tensors)));
  const n = corpus.contexts.length;
  const rows = corpus.rows(0, n);
  const buffers: (Float32Array | null)[] = tensors.map(() => null);
  const dims: number[] = tensors.map(() => 0);
  let at = 0;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const outputs = await session.run(tokenFeeds(corpus, plan, start, count), [...tensors]);
      let written = 0;
      tensors.forEach((name, k) => {
        const out = outputs[name]!;
        if (buffers[k] === null) {
          dims[k] = out.dims.slice(2).reduce((a, b) => a * b, 1);
          buffers[k] = new Float32Array(rows.length * dims[k]!);
        }
        written = extractPositions(out, name, corpus, start, count, buffers[k]!, at, dims[k]!);
      });
      at += written;
    }
  } finally {
    await session.release();
  }
  return { rows, tensors: tensors.map((tensor, k) => ({ tensor, dim: dims[k]!, data: buffers[k]! })) };
}
