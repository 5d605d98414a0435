// The harvest job: stimuli through a tapped model into activation chunks. Everything it needs is in the project
// file, so a harvest killed at any moment resumes from its last committed chunk and ends with exactly the rows an
// uninterrupted run would have written.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { tensorToFloat32 } from '../onnx/dtypes';
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import { openStimulusSource } from '../stimuli/open';
import type { StimulusSource, StimulusSpec } from '../stimuli/types';
import { chunkCount, type ActivationStorage } from '../store/activations';
import { getHarvest, getModel, getStimulusSet, saveUnitStats, setHarvestStatus, stimulusLabels, stimulusNames, type HarvestRecord } from '../store/repo';
import type { JobContext } from '../jobs/types';
import { checkBranches, applyBranches, condTap, type InlinedBranch } from './branches';
import { ByteFeedRing, byteInputGraph, byteInputName, usesByteInput } from './byte-input';
import { FeedRing, planFeeds } from './feeds';
import { harvestGraph } from './graph';
import { extractCentreFromHalves, extractRows, rowLayout, rowPosition, type RowLayout } from './layout';
import { shardOf } from './shard';
import { INLINE_BLOCK_VALUES, THREAD_BLOCK_VALUES, blockItemsFor, blockSchedule, inlineBlocks, stimulusThreads, threadedBlocks, type Block, type BlockFeed } from './stimulus-blocks';
import type { UnitStats } from './types';
import { isTextHarvest, runTextHarvestJob } from '../text/harvest-job'; // room: text (#13)
import { inlineWriter, pipeliningEnabled, threadedWriter, type ChunkWriter } from './writer';

/** A byte-fed harvest's stimuli come straight from its source (byte-input.ts): no blocks to prepare. */
const noBlocks: BlockFeed = { ready: async () => undefined, next: async () => null, close: async () => undefined };

export interface HarvestJobParams {
  harvestIds: number[];
  batchSize?: number;
  /** Overlap writes and statistics with inference on a writer thread (writer.ts); default: on unless CAJAL_HARVEST_PIPELINE=0. */
  pipeline?: boolean;
}

export interface HarvestJobResult {
  harvests: { id: number; tensor: string; rows: number; dim: number }[];
  resumedFromItem: number;
  /**
   * Seconds spent recording: from the first batch prepared to the last chunk committed (stimuli, inference, row
   * extraction, writes, statistics), without the job's fixed costs (worker start, model load and tap, opening the
   * source). What a harvest's throughput is measured over.
   */
  loopSeconds: number;
  /** Whether the writes ran on the writer thread. */
  pipelined: boolean;
  /** Threads that prepared the stimuli (0: on the job thread). */
  stimulusThreads?: number;
  /** Whether the stimuli were fed as bytes and Cast by the graph (byte-input.ts). */
  stimulusBytes?: boolean;
}

type Feeds = Record<string, ort.Tensor>;

interface Target {
  harvest: HarvestRecord;
  layout: RowLayout;
  /** The chunk being filled (the writer's: a pipelined writer hands each back after committing it). */
  buffer: Float32Array;
  chunkSize: number;
  /** (posY, posX) of each row within its item, -1 without a grid: computed once, not per row of every chunk. */
  positions: Int32Array;
}

/**
 * A stimulus set is a list fixed when it was made; a folder can change afterwards. Rows of a harvest (and of a
 * resumed one) must mean the stimuli the set lists, so a source whose items differ from the stored list stops the
 * job with the first difference named, instead of recording other images under the stored indices.
 */
function checkSourceUnchanged(source: StimulusSource, setName: string, storedNames: (string | null)[]): void {
  const now = Array.from({ length: source.count }, (_, i) => source.meta(i).name ?? null);
  const firstDiff = storedNames.findIndex((name, i) => name !== (now[i] ?? null));
  if (firstDiff < 0 && now.length === storedNames.length) return;
  const missing = storedNames.find((name) => name !== null && !now.includes(name));
  const what = missing
    ? `${missing} is no longer there`
    : firstDiff >= 0
      ? `item ${firstDiff} was ${storedNames[firstDiff] ?? 'unnamed'} and is now ${now[firstDiff] ?? 'missing'}`
      : `it now has ${now.length} items`;
  throw new UserError(
    'harvest.stimuli-changed',
    `The stimulus set "${setName}" listed ${storedNames.length} items when it was made, but its source changed (${what}); restore the files or make a new stimulus set.`,
  );
}

/** The storage a harvest chose when it was started (float32 for harvests made before the choice existed). */
export function storageOf(h: { params: Record<string, unknown> }): ActivationStorage {
  return h.params.storage === 'float16' ? 'float16' : 'float32';
}

export async function runHarvestJob(rawParams: unknown, ctx: JobContext): Promise<HarvestJobResult> {
  const params = rawParams as HarvestJobParams;
  const harvests = params.harvestIds.map((id) => getHarvest(ctx.db, id));
  const first = harvests[0]!;
  // room: text (#13) — a text set gives a varying number of rows per context: its own loop, same writer and chunks
  if (isTextHarvest(first)) return runTextHarvestJob(params, ctx, harvests, storageOf, checkSourceUnchanged);
  // All tensors of one job advance together (one transaction per chunk), so their row counts always agree.
  const itemsDone = first.rowsDone / first.rowsPerItem;
  for (const h of harvests) {
    if (h.rowsDone / h.rowsPerItem !== itemsDone) throw new Error(`harvests of job ${ctx.jobId} are out of step`);
  }
  // The writer starts first, so its thread's start (and a resumed harvest's statistics, read back from the chunks
  // already committed: same chunks, same order as an uninterrupted run) overlaps loading the model and the stimuli.
  const pipelined = params.pipeline ?? pipeliningEnabled();
  const layouts = harvests.map((h) => rowLayout([1, ...h.tensorShape], h.positions, h.tensor));
  const writerTargets = harvests.map((h, k) => ({ harvestId: h.id, dim: layouts[k]!.dim, storage: storageOf(h) }));
  const writer: ChunkWriter = pipelined
    ? threadedWriter({ projectPath: ctx.projectPath, nativeBinding: ctx.nativeBinding, targets: writerTargets, resume: itemsDone > 0 })
    : inlineWriter(ctx.db, writerTargets, itemsDone > 0);
  try {
    return { ...(await record(params, ctx, harvests, layouts, writer)), pipelined };
  } finally {
    await writer.close();
  }
}

async function record(
  params: HarvestJobParams,
  ctx: JobContext,
  harvests: HarvestRecord[],
  layouts: RowLayout[],
  writer: ChunkWriter,
): Promise<Omit<HarvestJobResult, 'pipelined'>> {
  const { db } = ctx;
  const first = harvests[0]!;
  const itemsDone = first.rowsDone / first.rowsPerItem;
  const model = getModel(db, first.modelId);
  const set = getStimulusSet(db, first.stimulusSetId);

  const bytes = readFileSync(model.path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== model.sha256) {
    throw new UserError(
      'harvest.model-changed',
      `The model file ${model.path} changed since it was opened (its SHA-256 differs); open it again as a new model.`,
    );
  }
  // room: i8 — If branches inlined when the harvest started, each condition tapped to be checked on every batch
  const branches = (first.params as { branches?: InlinedBranch[] }).branches ?? [];
  const inlined = applyBranches(parseModel(bytes, model.path), branches);
  // #14: only the nodes the taps need, unless the harvest began before that (graph.ts)
  const taps = [...harvests.map((h) => h.tensor), ...branches.map(condTap)];
  const graph = harvestGraph(first, inlined, taps);

  const source = await openStimulusSource(set.spec as StimulusSpec);
  checkSourceUnchanged(source, set.name, stimulusNames(db, set.id));
  // The stimuli go into one input; every other input takes the value stored with the harvest (feeds.ts).
  const plan = planFeeds(model.inputs, source.itemShape, (first.params as { inputs?: Record<string, string> }).inputs);
  // #14: the stimuli fed as bytes and Cast by the graph, where the source and the harvest allow it (byte-input.ts)
  const byteStimuli = usesByteInput(first.params, source, plan) ? source.byteStimuli! : null;
  const tapped = serializeModel(byteStimuli ? byteInputGraph(graph, plan.stimulusInput) : graph);
  const batch = plan.fixedBatch ?? params.batchSize ?? 32;
  const labels = stimulusLabels(db, set.id);
  const items = first.itemsExpected;
  // A shard (shard.ts) records stimuli start..end−1 of the set: its rows count from 0, its stimuli from `offset`.
  const offset = shardOf(first)?.start ?? 0;

  const chunkItems = Math.max(1, Math.floor(first.chunkRows / first.rowsPerItem));
  // Stimulus threads start before the model loads, so their start overlaps it (stimulus-blocks.ts).
  // Bytes need no preparing: read on the job thread straight into the feeds, no blocks.
  const threads = byteStimuli ? 0 : stimulusThreads();
  const schedule = blockSchedule(itemsDone, items, chunkItems, batch, blockItemsFor(plan.itemSize, batch, threads > 0 ? THREAD_BLOCK_VALUES : INLINE_BLOCK_VALUES));
  const blocks: BlockFeed = byteStimuli ? noBlocks : threads > 0 ? threadedBlocks(set.spec as StimulusSpec, offset, schedule, threads) : inlineBlocks(source, offset, schedule);
  let session: Awaited<ReturnType<typeof createSession>>;
  try {
    session = await createSession(tapped);
  } catch (err) {
    await blocks.close();
    throw err;
  }
  for (const h of harvests) setHarvestStatus(db, h.id, 'running');
  const targets: Target[] = harvests.map((h, k) => {
    const layout = layouts[k]!;
    const chunkSize = chunkItems * layout.rowsPerItem * layout.dim;
    const positions = new Int32Array(layout.rowsPerItem * 2);
    for (let r = 0; r < layout.rowsPerItem; r++) {
      const pos = rowPosition(layout, r);
      positions[2 * r] = pos?.[0] ?? -1;
      positions[2 * r + 1] = pos?.[1] ?? -1;
    }
    return { harvest: h, layout, chunkSize, positions, buffer: writer.buffer(k, chunkSize) };
  });

  let chunkIndex = chunkCount(db, first.id);
  let item = itemsDone;
  let chunkStart = itemsDone;

  const flush = async () => {
    const count = item - chunkStart;
    if (count === 0) return;
    const parts = targets.map((t) => {
      const rows = count * t.layout.rowsPerItem;
      const meta = new Int32Array(rows * 4);
      for (let i = 0, at = 0; i < count; i++) {
        const stim = offset + chunkStart + i;
        const label = labels[stim] ?? -1;
        for (let r = 0; r < t.layout.rowsPerItem; r++, at += 4) {
          meta[at] = stim;
          meta[at + 1] = label;
          meta[at + 2] = t.positions[2 * r]!;
          meta[at + 3] = t.positions[2 * r + 1]!;
        }
      }
      return { firstRow: chunkStart * t.layout.rowsPerItem, rowCount: rows, data: t.buffer, meta };
    });
    // Committed with its row counts in one transaction (writer-core.ts): the chunk stays the unit of resume.
    await writer.write({ chunkIndex, parts });
    targets.forEach((t, k) => (t.buffer = writer.buffer(k, t.chunkSize)));
    chunkIndex++;
    chunkStart = item;
  };

  let loopStart = 0;
  let loopEnd = 0;
  let stats: UnitStats[][];
  try {
    // Waiting for the writer is a fixed cost of the job (like the worker's own start), not part of the recording loop.
    await writer.ready();
    await blocks.ready();
    loopStart = performance.now();
    // The next batch's feeds are made before awaiting the current run; its stimuli come from a block the stimulus
    // threads prepared meanwhile (onnxruntime-node runs a session on this thread, so preparing here would not overlap).
    // A model with a fixed batch size gets a padded batch; the padding's outputs are dropped.
    let current: { block: Block; data: Float32Array } | null = null;
    const ring = new FeedRing(plan);
    const within = (at: number, n: number) => current !== null && at >= current.block.start && at + n <= current.block.start + current.block.count;
    const feedsAt = (at: number, n: number) => {
      const from = (at - current!.block.start) * plan.itemSize;
      return ring.feeds(current!.data.subarray(from, from + n * plan.itemSize), n);
    };
    // #14: a batch within the block at hand is prepared at once; only a new block is awaited (a promise per batch
    // cost a model run on one item at a time more than its stimulus).
    const byteRing = byteStimuli ? new ByteFeedRing(plan, byteStimuli) : null;
    const stimulusFeed = byteStimuli ? byteInputName(plan.stimulusInput) : plan.stimulusInput;
    const prepare = (at: number, n: number): Feeds | Promise<Feeds> => {
      if (byteRing) return byteRing.feeds(offset + at, n);
      if (within(at, n)) return feedsAt(at, n);
      return (async () => {
        if (!current || at >= current.block.start + current.block.count) current = await blocks.next();
        if (!within(at, n)) throw new Error(`harvest batch ${at}+${n} is not within its stimulus block`);
        return feedsAt(at, n);
      })();
    };
    let n = Math.min(batch, items - item, chunkStart + chunkItems - item);
    let next: Feeds | Promise<Feeds> | null = prepare(item, n);
    while (item < items) {
      ctx.throwIfCancelled();
      const feeds = next instanceof Promise ? await next : next!;
      const feedCount = feeds[stimulusFeed]!.dims[0]!;
      const running = session.run(feeds, taps);
      // Chunk boundaries are fixed in advance, so the next batch's size is known before this one finishes.
      const after = item + n;
      const nextN = after < items ? Math.min(batch, items - after, (after - chunkStart >= chunkItems ? after : chunkStart) + chunkItems - after) : 0;
      next = nextN > 0 ? prepare(after, nextN) : null;
      // A failure preparing it (an unreadable image) is thrown where it is awaited, not as an unhandled rejection
      // while this batch still runs.
      if (next instanceof Promise) next.catch(() => undefined);
      const outputs: Record<string, ort.Tensor> = await running;
      checkBranches(branches, outputs, item); // room: i8
      for (const t of targets) {
        const out = outputs[t.harvest.tensor]!;
        if (out.dims[0] !== feedCount) {
          throw new UserError('harvest.batch-axis', `Tensor ${t.harvest.tensor} does not keep the batch as its first axis (shape ${JSON.stringify(out.dims)}), so its rows cannot be attributed to stimuli.`);
        }
        // A shape measured on the first batch (probe.ts) must hold for every batch, or rows would be misread.
        const itemDims = out.dims.slice(1);
        if (itemDims.length !== t.layout.itemDims.length || itemDims.some((d, k) => d !== t.layout.itemDims[k])) {
          throw new UserError(
            'harvest.shape-changed',
            `Tensor ${t.harvest.tensor} has item shape [${itemDims.join(', ')}] at stimulus ${offset + item}, not the [${t.layout.itemDims.join(', ')}] the harvest records, so it cannot be recorded as one matrix.`,
          );
        }
        // #14: a float16 map's centre rows are read from its halves, without widening the whole map first.
        const halves = out.type === 'float16' && out.data instanceof Uint16Array ? out.data : null;
        if (!halves || !extractCentreFromHalves(t.layout, halves, n, t.buffer, (item - chunkStart) * t.layout.rowsPerItem)) {
          extractRows(t.layout, tensorToFloat32(out), n, t.buffer, (item - chunkStart) * t.layout.rowsPerItem);
        }
      }
      item += n;
      if (item - chunkStart >= chunkItems || item === items) await flush();
      const doneItems = item;
      ctx.progress(() => ({ fraction: doneItems / items, done: doneItems, total: items, unit: 'stimuli/s', message: `${doneItems.toLocaleString('en-US')} of ${items.toLocaleString('en-US')} stimuli` }));
      n = nextN;
    }
    stats = await writer.finish();
    // The last chunk is committed: what follows (the threads' exit, the session's release) is paid once per job.
    loopEnd = performance.now();
  } catch (err) {
    // Whatever was committed stays (the steps in flight commit or fail first); the harvest can resume from it.
    await writer.close();
    for (const t of targets) setHarvestStatus(db, t.harvest.id, ctx.cancelled ? 'cancelled' : 'failed');
    throw err;
  } finally {
    await blocks.close();
    await session.release();
  }
  await writer.close();
  const loopSeconds = (loopEnd - loopStart) / 1000;

  targets.forEach((t, k) => {
    saveUnitStats(db, t.harvest.id, stats[k]!);
    setHarvestStatus(db, t.harvest.id, 'done');
  });
  return {
    harvests: targets.map((t) => ({ id: t.harvest.id, tensor: t.harvest.tensor, rows: items * t.layout.rowsPerItem, dim: t.layout.dim })),
    resumedFromItem: itemsDone,
    loopSeconds,
    stimulusThreads: threads,
    stimulusBytes: byteStimuli !== null,
  };
}
