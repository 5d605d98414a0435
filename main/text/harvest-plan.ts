// How a text harvest is laid out in a project (issue #13): every sampled token position is one row, so a context
// adds a varying number of rows (all of a short context's tokens, `positionsPerContext` of a long one). The harvest
// stores one row per "item" (rowsPerItem 1) and commits chunks of whole contexts, planned here from the corpus alone,
// so a resumed job finds the same chunk boundaries and writes the same bytes as an uninterrupted one.
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import { tapModel } from '../onnx/tap';
import type { TextCorpus } from './corpus';
import { TextInputError } from './errors';
import { checkCorpusFitsModel, tokenFeeds } from './token-harvest';
import { planTokenModel } from './token-model';

/** A run of whole contexts committed together. */
export interface TextChunk {
  firstContext: number;
  contexts: number;
  firstRow: number;
  rows: number;
}

/** Rows of contexts 0..contexts−1 cut into chunks of at most `chunkRows` rows (a longer context is a chunk alone). */
export function planTextChunks(corpus: TextCorpus, contexts: number, chunkRows: number): TextChunk[] {
  const out: TextChunk[] = [];
  let cur: TextChunk | null = null;
  let row = 0;
  for (let c = 0; c < contexts; c++) {
    const n = corpus.positions[c]!.length;
    if (!cur || cur.rows + n > chunkRows) {
      cur = { firstContext: c, contexts: 0, firstRow: row, rows: 0 };
      out.push(cur);
    }
    cur.contexts++;
    cur.rows += n;
    row += n;
  }
  return out;
}

/** Rows the first `contexts` contexts give. */
export function textRowCount(corpus: TextCorpus, contexts: number): number {
  let n = 0;
  for (let c = 0; c < contexts; c++) n += corpus.positions[c]!.length;
  return n;
}

/**
 * Checks the model reads the corpus (its inputs, vocabulary, context length) and measures each tensor's shape per
 * context, [contextLength, …], by one run on the first context: an exported transformer rarely declares the shapes of
 * its inner tensors. A tensor without a value per token position is refused in one sentence.
 */
export async function probeTokenTensors(modelBytes: Uint8Array, corpus: TextCorpus, tensors: readonly string[]): Promise<Record<string, number[]>> {
  const proto = parseModel(modelBytes, 'the model');
  const plan = planTokenModel(proto);
  checkCorpusFitsModel(corpus, plan);
  const session = await createSession(serializeModel(tapModel(proto, tensors)));
  const L = corpus.spec.contextLength;
  try {
    const outputs = await session.run(tokenFeeds(corpus, plan, 0, 1), [...tensors]);
    const shapes: Record<string, number[]> = {};
    for (const name of tensors) {
      const dims = outputs[name]!.dims.map(Number);
      if (dims.length < 2 || dims[0] !== 1 || dims[1] !== L) {
        throw new TextInputError('tensor-layout', `Tensor ${name} has shape [${dims.join(', ')}], not [batch, ${L}, …], so it has no value per token position.`);
      }
      shapes[name] = dims.slice(1);
    }
    return shapes;
  } finally {
    await session.release();
  }
}
