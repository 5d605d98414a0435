// Stimuli of a harvest, prepared ahead of the model in blocks (#14). Preparation (decoding photos, resampling,
// generating noise) can cost as much as the model itself, and onnxruntime-node runs a session on the job thread, so
// preparing on that thread serialises the two. Here blocks are prepared by a small pool of stimulus threads (the
// same source code over the same stored spec, so the values are the same bits) while the job thread runs the model;
// at most `depth` blocks are requested ahead, so memory stays flat. With no threads, blocks are prepared inline.
import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { spawnWorker } from '../jobs/spawn';
import type { StimulusSource, StimulusSpec } from '../stimuli/types';
import { revive } from './writer';

export interface Block {
  /** First item of the block, counted from the harvest's start (a shard's offset is added when preparing). */
  start: number;
  count: number;
}

/**
 * The blocks of items done..items−1: never across a chunk boundary (chunks start at `done` + k·chunkItems), each at
 * most `blockItems` items, a multiple of the batch — so cutting blocks into batches gives exactly the batches the
 * harvest always ran (full batches from each chunk's start, the last one of a chunk short).
 */
export function* blockSchedule(done: number, items: number, chunkItems: number, batch: number, blockItems: number): Generator<Block> {
  const per = Math.max(batch, Math.floor(blockItems / batch) * batch);
  for (let chunk = done; chunk < items; chunk += chunkItems) {
    const end = Math.min(items, chunk + chunkItems);
    for (let start = chunk; start < end; start += per) yield { start, count: Math.min(per, end - start) };
  }
}

/** Values per block handed over by a stimulus thread (4 MiB): few enough messages per harvest. */
export const THREAD_BLOCK_VALUES = 1 << 20;
/**
 * Values per block prepared inline (256 KiB): no message to amortise, and each job starts with fresh memory, which
 * costs a page fault per 4 KiB on first touch (2 × 4 MiB blocks: about 1,000 faults per harvest of the bundled MLP).
 */
export const INLINE_BLOCK_VALUES = 1 << 16;

/** Items per block: about `values` values, at least one batch. */
export function blockItemsFor(itemSize: number, batch: number, values = THREAD_BLOCK_VALUES): number {
  return Math.max(batch, Math.floor(values / Math.max(1, itemSize)));
}

/**
 * Stimulus threads a harvest uses: CAJAL_HARVEST_STIMULUS_THREADS, else half the cores (at most 8) from 4 cores up;
 * 0 prepares inline. Below 4 cores the default is inline: on 2 cores one stimulus thread beside onnxruntime's and the
 * writer's made mnist-8 slower (0.64× a bare loop against 0.93× inline, same run; #14 bench).
 */
export function stimulusThreads(): number {
  const given = process.env.CAJAL_HARVEST_STIMULUS_THREADS;
  if (given !== undefined && given !== '' && Number.isInteger(Number(given)) && Number(given) >= 0) return Number(given);
  const cores = availableParallelism();
  return cores >= 4 ? Math.min(8, cores >> 1) : 0;
}

export interface BlockFeed {
  /** Resolves once the threads have opened their sources (a fixed cost of the job, like the writer's start). */
  ready(): Promise<void>;
  /** The next block of the schedule, in order, with its values. */
  next(): Promise<{ block: Block; data: Float32Array } | null>;
  /** Stops the threads; blocks in flight are dropped. */
  close(): Promise<void>;
}

export type StimulusRequest = { id: number; start: number; count: number };
export type StimulusReply =
  | { type: 'ready' }
  | { type: 'block'; id: number; data: Float32Array }
  | { type: 'error'; id: number; error: { message: string; code?: string; user: boolean } };

/**
 * Blocks prepared on the job thread, one at a time (CAJAL_HARVEST_STIMULUS_THREADS=0), into two buffers used in
 * turn: fresh memory costs a page fault per 4 KiB on first touch (see StimulusSource.batch), and the job asks for
 * block k+1 while the last batch of block k may still be running on onnxruntime, which reads its input in place —
 * so block k+1 never overwrites block k, and block k−1's runs have all finished by then.
 */
export function inlineBlocks(source: StimulusSource, offset: number, schedule: Iterator<Block>): BlockFeed {
  const itemSize = source.itemShape.reduce((a, b) => a * b, 1);
  const buffers: Float32Array[] = [];
  let turn = 0;
  return {
    ready: async () => undefined,
    async next() {
      const step = schedule.next();
      if (step.done) return null;
      const size = step.value.count * itemSize;
      const k = turn++ & 1;
      if ((buffers[k]?.length ?? 0) < size) buffers[k] = new Float32Array(size);
      return { block: step.value, data: await source.batch(offset + step.value.start, step.value.count, buffers[k]) };
    },
    close: async () => undefined,
  };
}

/** Blocks prepared by `threads` stimulus threads, requested round-robin, at most `depth` ahead, handed out in order. */
export function threadedBlocks(spec: StimulusSpec, offset: number, schedule: Iterator<Block>, threads: number, depth = 2 * threads): BlockFeed {
  const workers: Worker[] = Array.from({ length: threads }, () => spawnWorker('harvest-stimuli', { spec, offset }));
  const waiting = new Map<number, { block: Block; resolve: (data: Float32Array) => void; reject: (err: Error) => void }>();
  const queue: { block: Block; data: Promise<Float32Array> }[] = [];
  let issued = 0;
  let started = 0;
  let failure: Error | null = null; // the threads themselves failed: every block fails with it
  let stopped = false; // a block failed: no further blocks are requested
  let wakeReady: () => void = () => undefined;
  const readyOrFailed = new Promise<void>((resolve) => (wakeReady = resolve));
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
    wakeReady();
  };
  for (const w of workers) {
    w.on('message', (m: StimulusReply) => {
      if (m.type === 'ready') {
        if (++started === threads) wakeReady();
        return;
      }
      if (m.type === 'block') {
        waiting.get(m.id)?.resolve(m.data);
        waiting.delete(m.id);
      } else {
        // Only this block fails: the blocks before it still come out in order (their chunks commit, as inline), and
        // no block past it is requested; the job stops when it reaches this one.
        stopped = true;
        waiting.get(m.id)?.reject(revive(m.error));
        waiting.delete(m.id);
      }
    });
    w.on('error', fail);
    w.on('exit', () => {
      if (started < threads || waiting.size > 0) fail(new Error('a harvest stimulus thread stopped'));
    });
  }
  const refill = () => {
    while (!failure && !stopped && queue.length < depth) {
      const step = schedule.next();
      if (step.done) return;
      const id = issued++;
      const block = step.value;
      const data = new Promise<Float32Array>((resolve, reject) => waiting.set(id, { block, resolve, reject }));
      data.catch(() => undefined); // a block dropped at close is never awaited
      workers[id % threads]!.postMessage({ id, start: block.start, count: block.count } satisfies StimulusRequest);
      queue.push({ block, data });
    }
  };
  return {
    async ready() {
      await readyOrFailed;
      if (failure) throw failure;
      refill();
    },
    async next() {
      refill();
      const head = queue.shift();
      if (!head) {
        if (failure) throw failure;
        return null;
      }
      const data = await head.data;
      refill();
      return { block: head.block, data };
    },
    async close() {
      waiting.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
