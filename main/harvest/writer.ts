// Where a harvest's chunks go once their rows are extracted. Pipelined (the default), a writer thread with its own
// SQLite connection commits them and folds them into the unit statistics while the job thread runs the next batches;
// the chunk buffers travel by transfer (no copy) and come back for reuse, and at most PIPELINE_DEPTH steps are in
// flight, so memory stays flat. With CAJAL_HARVEST_PIPELINE=0 the same WriterCore runs inline on the job thread —
// the reference the byte-identity test compares against.
import type { Worker } from 'node:worker_threads';
import { UserError } from '../errors';
import { spawnWorker } from '../jobs/spawn';
import type { Db } from '../store/project';
import type { UnitStats } from './types';
import { WriterCore, type ChunkStep, type WriterTarget } from './writer-core';

/** Steps handed over but not yet committed, at most: one committing while the next is filled and a third waits. */
export const PIPELINE_DEPTH = 2;

export interface ChunkWriter {
  /** Resolves once the writer can take steps (its thread started, a resumed harvest's statistics read back). */
  ready(): Promise<void>;
  /** A buffer of `size` floats to fill with target k's next chunk. */
  buffer(k: number, size: number): Float32Array;
  /** Hands a step over (its buffers are the writer's from then on); resolves once another step may be handed over. */
  write(step: ChunkStep): Promise<void>;
  /** Waits for every step to commit; the unit statistics of every target over all its committed rows. */
  finish(): Promise<UnitStats[][]>;
  /** Waits for the steps in flight to commit or fail, then lets go; safe after finish or a failure. */
  close(): Promise<void>;
}

export interface WriterInit {
  projectPath: string;
  nativeBinding?: string;
  targets: WriterTarget[];
  resume: boolean;
}

export type WriterRequest = { type: 'step'; step: ChunkStep } | { type: 'finish' } | { type: 'close' };
export type WriterReply =
  | { type: 'ready' }
  | { type: 'committed'; buffers: ArrayBuffer[] }
  | { type: 'stats'; stats: UnitStats[][] }
  | { type: 'error'; error: { message: string; code?: string; user: boolean } };

/** Whether harvests overlap their writes with inference (CAJAL_HARVEST_PIPELINE=0 turns it off). */
export function pipeliningEnabled(): boolean {
  return process.env.CAJAL_HARVEST_PIPELINE !== '0';
}

/** The writer thread's failure as the error the job would have thrown itself: a UserError, or one with its system code. */
export function revive(e: { message: string; code?: string; user: boolean }): Error {
  if (e.user && e.code) return new UserError(e.code, e.message);
  const err = new Error(e.message) as Error & { code?: string };
  if (e.code) err.code = e.code;
  return err;
}

export function inlineWriter(db: Db, targets: WriterTarget[], resume: boolean): ChunkWriter {
  const core = new WriterCore(db, targets, resume);
  const buffers: Float32Array[] = [];
  return {
    ready: async () => undefined,
    buffer: (k, size) => (buffers[k]?.length === size ? buffers[k]! : (buffers[k] = new Float32Array(size))),
    write: async (step) => core.write(step),
    finish: async () => core.result(),
    close: async () => undefined,
  };
}

export function threadedWriter(init: WriterInit): ChunkWriter {
  const worker: Worker = spawnWorker('harvest-writer', init);
  const pools: ArrayBuffer[][] = init.targets.map(() => []);
  let inFlight = 0;
  let failure: Error | null = null;
  let stats: UnitStats[][] | null = null;
  let started = false;
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => ((exited = true), resolve())));
  // Every message (or failure) wakes whoever waits for room, for the statistics or for the thread to settle.
  let wake: () => void = () => undefined;
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  const settle = () => wake();

  worker.on('message', (m: WriterReply) => {
    if (m.type === 'ready') started = true;
    else if (m.type === 'committed') {
      inFlight--;
      m.buffers.forEach((b, k) => pools[k]!.push(b));
    } else if (m.type === 'stats') stats = m.stats;
    else failure ??= revive(m.error);
    settle();
  });
  worker.on('error', (err) => {
    failure ??= err;
    settle();
  });
  void exit.then(() => {
    failure ??= stats ? null : new Error('the harvest writer thread stopped');
    settle();
  });

  const waitUntil = async (done: () => boolean): Promise<void> => {
    while (!done() && !failure) await changed();
    if (failure) throw failure;
  };

  return {
    ready: () => waitUntil(() => started),
    buffer(k, size) {
      const pooled = pools[k]!.pop();
      return pooled && pooled.byteLength === size * 4 ? new Float32Array(pooled) : new Float32Array(size);
    },
    async write(step) {
      if (failure) throw failure;
      const transfer = step.parts.flatMap((p) => [p.data.buffer as ArrayBuffer, p.meta.buffer as ArrayBuffer]);
      worker.postMessage({ type: 'step', step } satisfies WriterRequest, transfer);
      inFlight++;
      await waitUntil(() => inFlight < PIPELINE_DEPTH);
    },
    async finish() {
      worker.postMessage({ type: 'finish' } satisfies WriterRequest);
      await waitUntil(() => stats !== null);
      return stats!;
    },
    async close() {
      if (!exited) {
        // Steps in flight commit (or fail) before the thread lets go of its connection, so nothing is cut mid-write.
        worker.postMessage({ type: 'close' } satisfies WriterRequest);
        await exit;
      }
    },
  };
}
