// The harvest job over a text stimulus set (issue #13): contexts of token ids through the tapped transformer, one row
// per sampled token position of every tapped [batch, seq, …] tensor, committed in chunks of whole contexts
// (harvest-plan.ts). Each row's metadata is [context, token id, position in the context, document]; the token's text
// and the document's name follow from the stored set (text-rows.ts). Killed at any moment, the job resumes from its
// last committed chunk and ends with the bytes an uninterrupted run writes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import { openTextSource } from '../stimuli/text';
import type { StimulusSource, TextSpec } from '../stimuli/types';
import { chunkCount, type ActivationStorage } from '../store/activations';
import { getModel, getStimulusSet, saveUnitStats, setHarvestStatus, stimulusNames, type HarvestRecord } from '../store/repo';
import type { JobContext } from '../jobs/types';
import { harvestGraph } from '../harvest/graph';
import { inlineWriter, pipeliningEnabled, threadedWriter, type ChunkWriter } from '../harvest/writer';
import { planTextChunks } from './harvest-plan';
import { checkCorpusFitsModel, extractPositions, tokenFeeds } from './token-harvest';
import { planTokenModel } from './token-model';

/** What a text harvest keeps in its params beside the request: the contexts it records and its chunk size in rows. */
export interface TextHarvestParams {
  text: { contexts: number; chunkRows: number };
}

export interface TextHarvestJobResult {
  harvests: { id: number; tensor: string; rows: number; dim: number }[];
  resumedFromItem: number;
  loopSeconds: number;
  pipelined: boolean;
}

export function isTextHarvest(h: HarvestRecord): boolean {
  return typeof (h.params as Partial<TextHarvestParams>).text === 'object';
}

export async function runTextHarvestJob(
  params: { batchSize?: number; pipeline?: boolean },
  ctx: JobContext,
  harvests: HarvestRecord[],
  storageOf: (h: HarvestRecord) => ActivationStorage,
  checkSourceUnchanged: (source: StimulusSource, setName: string, storedNames: (string | null)[]) => void,
): Promise<TextHarvestJobResult> {
  const { db } = ctx;
  const first = harvests[0]!;
  for (const h of harvests) if (h.rowsDone !== first.rowsDone) throw new Error(`harvests of job ${ctx.jobId} are out of step`);
  const { contexts, chunkRows } = (first.params as unknown as TextHarvestParams).text;
  const model = getModel(db, first.modelId!);
  const set = getStimulusSet(db, first.stimulusSetId!);
  const bytes = readFileSync(model.path);
  if (createHash('sha256').update(bytes).digest('hex') !== model.sha256) {
    throw new UserError('harvest.model-changed', `The model file ${model.path} changed since it was opened (its SHA-256 differs); open it again as a new model.`);
  }
  const source = openTextSource(set.spec as TextSpec);
  const corpus = source.corpus;
  checkSourceUnchanged(source, set.name, stimulusNames(db, set.id));
  const proto = parseModel(bytes, model.path);
  const plan = planTokenModel(proto);
  checkCorpusFitsModel(corpus, plan);

  const chunks = planTextChunks(corpus, contexts, chunkRows);
  const resumeAt = chunks.findIndex((c) => c.firstRow === first.rowsDone);
  const startChunk = first.rowsDone === first.rowsExpected ? chunks.length : resumeAt;
  if (startChunk < 0 || startChunk !== chunkCount(db, first.id)) {
    throw new UserError('harvest.text-resume', `Harvest ${first.id} stopped at row ${first.rowsDone}, which is not a chunk boundary of its text stimuli; start a new harvest.`);
  }
  const resumedFromItem = first.rowsDone;
  const maxRows = Math.max(1, ...chunks.map((c) => c.rows));
  const pipelined = params.pipeline ?? pipeliningEnabled();
  const targetsInit = harvests.map((h) => ({ harvestId: h.id, dim: h.dim, storage: storageOf(h) }));
  const writer: ChunkWriter = pipelined
    ? threadedWriter({ projectPath: ctx.projectPath, nativeBinding: ctx.nativeBinding, targets: targetsInit, resume: first.rowsDone > 0 })
    : inlineWriter(db, targetsInit, first.rowsDone > 0);

  // #14: only the layers up to the taps run, unless the harvest began before that (harvest/graph.ts)
  const taps = harvests.map((h) => h.tensor);
  const session = await createSession(serializeModel(harvestGraph(first, proto, taps)));
  const batch = params.batchSize ?? 32;
  const totalContexts = contexts;
  let loopStart = 0;
  let loopEnd = 0;
  try {
    for (const h of harvests) setHarvestStatus(db, h.id, 'running');
    await writer.ready();
    loopStart = performance.now();
    for (let k = startChunk; k < chunks.length; k++) {
      const chunk = chunks[k]!;
      const buffers = harvests.map((h, t) => writer.buffer(t, maxRows * h.dim));
      for (let c = chunk.firstContext; c < chunk.firstContext + chunk.contexts; ) {
        ctx.throwIfCancelled();
        const count = Math.min(batch, chunk.firstContext + chunk.contexts - c);
        const outputs = await session.run(tokenFeeds(corpus, plan, c, count), harvests.map((h) => h.tensor));
        const at = (c === chunk.firstContext ? 0 : rowOffset(corpus.positions, chunk.firstContext, c));
        harvests.forEach((h, t) => {
          const out = outputs[h.tensor]!;
          const dim = out.dims.slice(2).reduce((a, b) => a * b, 1);
          if (dim !== h.dim) throw new UserError('harvest.shape-changed', `Tensor ${h.tensor} has ${dim} values per token at context ${c}, not the ${h.dim} the harvest records.`);
          extractPositions(out, h.tensor, corpus, c, count, buffers[t]!, at, dim);
        });
        c += count;
        const done = c;
        ctx.progress(() => ({ fraction: done / totalContexts, done, total: totalContexts, unit: 'contexts/s', message: `${done.toLocaleString('en-US')} of ${totalContexts.toLocaleString('en-US')} contexts` }));
      }
      const meta = rowMeta(corpus, chunk);
      await writer.write({
        chunkIndex: k,
        parts: harvests.map((_, t) => ({ firstRow: chunk.firstRow, rowCount: chunk.rows, data: buffers[t]!, meta: t === 0 ? meta : meta.slice() })),
      });
    }
    const stats = await writer.finish();
    // The last chunk is committed: the writer thread's exit and the session's release are paid once per job.
    loopEnd = performance.now();
    harvests.forEach((h, t) => {
      saveUnitStats(db, h.id, stats[t]!);
      setHarvestStatus(db, h.id, 'done');
    });
  } catch (err) {
    await writer.close();
    for (const h of harvests) setHarvestStatus(db, h.id, ctx.cancelled ? 'cancelled' : 'failed');
    throw err;
  } finally {
    await session.release();
    await writer.close();
  }
  return {
    harvests: harvests.map((h) => ({ id: h.id, tensor: h.tensor, rows: first.rowsExpected, dim: h.dim })),
    resumedFromItem,
    loopSeconds: (loopEnd - loopStart) / 1000,
    pipelined,
  };
}

function rowOffset(positions: readonly number[][], from: number, to: number): number {
  let n = 0;
  for (let c = from; c < to; c++) n += positions[c]!.length;
  return n;
}

/**
 * [context, token id, position, document] per row of the chunk, in corpus.rows' order (context, then its sampled
 * positions), read straight from the contexts: no row object or token text per row (#14).
 */
function rowMeta(corpus: ReturnType<typeof openTextSource>['corpus'], chunk: { firstContext: number; contexts: number; rows: number }): Int32Array {
  const meta = new Int32Array(chunk.rows * 4);
  let at = 0;
  for (let i = chunk.firstContext; i < chunk.firstContext + chunk.contexts; i++) {
    const c = corpus.contexts[i]!;
    const doc = corpus.tokens[c.document]!;
    for (const position of corpus.positions[i]!) {
      meta[at++] = i;
      meta[at++] = doc[c.start + position]!;
      meta[at++] = position;
      meta[at++] = c.document;
    }
  }
  if (at !== meta.length) throw new Error(`text chunk at context ${chunk.firstContext} has ${at / 4} sampled rows, not ${chunk.rows}`);
  return meta;
}
