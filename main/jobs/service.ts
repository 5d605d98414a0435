// Opens model files off the serving thread: one long-lived worker (started on first use, so opening several models
// pays the start-up once) does the reading, SHA-256, parsing and shape probe; the caller only awaits the result.
import type { Worker } from 'node:worker_threads';
import { UserError } from '../errors';
import type { ModelInspection } from '../onnx/inspect';
import { spawnWorker } from './spawn';

export interface OpenedModel {
  sha256: string;
  bytes: number;
  inspection: ModelInspection;
}

export interface OpenModelRequest {
  id: number;
  path: string;
}

export type OpenModelReply =
  | { id: number; ok: true; result: OpenedModel }
  | { id: number; ok: false; error: { code: string; message: string } | null; internal: string };

interface Pending {
  resolve(m: OpenedModel): void;
  reject(err: Error): void;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  worker = null; // the next request starts a fresh worker
}

function ensureWorker(): Worker {
  if (worker) return worker;
  const w = spawnWorker('open-model-worker', null);
  w.on('message', (reply: OpenModelReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    // An idle worker must not keep the process alive (the CLI exits when its work is done).
    if (pending.size === 0) w.unref();
    if (reply.ok) p.resolve(reply.result);
    else if (reply.error) p.reject(new UserError(reply.error.code, reply.error.message));
    else p.reject(new Error(`Opening the model failed inside its worker: ${reply.internal}`));
  });
  w.on('error', (err) => failAll(new Error(`The model-opening worker stopped unexpectedly (${err.message}).`)));
  w.on('exit', (code) => {
    if (worker === w) failAll(new Error(`The model-opening worker exited with code ${code}.`));
  });
  worker = w;
  return w;
}

/** Read, hash, parse and inspect the model at `path` in the worker thread. */
export function openModelOffThread(path: string): Promise<OpenedModel> {
  const w = ensureWorker();
  const id = nextId++;
  return new Promise<OpenedModel>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, path } satisfies OpenModelRequest);
  });
}
