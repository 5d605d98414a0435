// Request/response work that must not run on the thread that serves the UI but is not a job (nothing to cancel,
// resume or list): opening a model (reading, SHA-256, parsing, the shape probe) and computing a basis comparison
// (bootstrap intervals, Mann–Whitney tests and the match matrix: about a second for seven bases of 256 features),
// drawing stimulus thumbnails (loading MNIST or decoding a folder's photos, then PNG encoding), and a unit's
// histogram or extreme rows (a scan of every chunk of the harvest, which may be gigabytes), and importing a .npy
// matrix as a harvest (read and written a chunk at a time).
// One long-lived worker thread, started on first use, answers requests in order; see service-worker.ts.
import type { Worker } from 'node:worker_threads';
import type { Comparison } from '../analyses/types';
import type { HarvestInfo, Histogram } from '../harvest/types';
import type { ImportNpyRequest } from '../harvest/import-npy';
import { UserError } from '../errors';
import type { ModelInspection } from '../onnx/inspect';
import { spawnWorker } from './spawn';
// room: export
import type { ExportRequest, ExportResult } from '../export/types';
// room: i8 (dynamic shapes)
import type { ShapeProbeRequest, ShapeProbeResult } from '../harvest/probe';
// room: text (#13)
import type { TextContexts } from '../text/types';
import type { TextEffects } from '../lesions/token-effects-types'; // room: text (#13 output effects)

/** Where the project file is: the worker reads it through its own connection. */
export interface ProjectRef {
  projectPath: string;
  /** better-sqlite3 built for Electron's ABI, when the desktop shell runs. */
  nativeBinding?: string;
}

export interface OpenedModel {
  sha256: string;
  bytes: number;
  inspection: ModelInspection;
}

export interface CompareRequest extends ProjectRef {
  harvestId: number;
  bootstrap: number;
  seed: number;
}


export type ServiceTask =
  | { task: 'open-model'; path: string }
  | ({ task: 'compare' } & CompareRequest)
  | { task: 'thumbnails'; spec: unknown; indices: number[] }
  | ({ task: 'unit-histogram'; harvestId: number; unit: number; bins: number } & ProjectRef)
  | ({ task: 'extreme-rows'; harvestId: number; unit: number; k: number; order: 'top' | 'bottom' } & ProjectRef)
  | ({ task: 'import-npy'; params: ImportNpyRequest } & ProjectRef)
  | ({ task: 'export'; request: ExportRequest } & ProjectRef)
  | { task: 'probe-shapes'; request: ShapeProbeRequest } // room: i8 (dynamic shapes)
  | ({ task: 'text-contexts'; params: TextContextsRequest } & ProjectRef) // room: text (#13)
  | ({ task: 'text-effects'; params: TextEffectsRequest } & ProjectRef) // room: text (#13 output effects)
  | { task: 'release-project'; projectPath: string };
export type ServiceRequest = ServiceTask & { id: number };

export type ServiceReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } | null; internal: string };

interface Pending {
  resolve(result: unknown): void;
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
  const w = spawnWorker('service-worker', null);
  w.on('message', (reply: ServiceReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    // An idle worker must not keep the process alive (the CLI exits when its work is done).
    if (pending.size === 0) w.unref();
    if (reply.ok) p.resolve(reply.result);
    else if (reply.error) p.reject(new UserError(reply.error.code, reply.error.message));
    else p.reject(new Error(`The engine's service worker failed: ${reply.internal}`));
  });
  w.on('error', (err) => failAll(new Error(`The engine's service worker stopped unexpectedly (${err.message}).`)));
  w.on('exit', (code) => {
    if (worker === w) failAll(new Error(`The engine's service worker exited with code ${code}.`));
  });
  worker = w;
  return w;
}

function request<T>(task: ServiceTask): Promise<T> {
  const w = ensureWorker();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    w.ref();
    w.postMessage({ ...task, id } satisfies ServiceRequest);
  });
}

/**
 * Closes the worker's connection to the project at `projectPath`, if it holds one, after the requests before it. The
 * Lab calls it before closing the project: SQLite moves the WAL into the project file only on the last connection's
 * close, and this thread (unreferenced while idle) would otherwise hold its connection until the process ends.
 */
export function releaseProjectOffThread(projectPath: string): Promise<void> {
  if (!worker) return Promise.resolve();
  return request<void>({ task: 'release-project', projectPath });
}

/** Read, hash, parse and inspect the model at `path` in the worker thread. */
export function openModelOffThread(path: string): Promise<OpenedModel> {
  return request<OpenedModel>({ task: 'open-model', path });
}

/** The comparison of a harvest's bases, computed in the worker thread from its own connection to the project. */
export function compareOffThread(r: CompareRequest): Promise<Comparison> {
  return request<Comparison>({ task: 'compare', ...r });
}

/** PNG thumbnails of the given items of a stimulus set (by its stored spec), drawn in the worker thread. */
export function thumbnailsOffThread(spec: unknown, indices: number[]): Promise<Uint8Array[]> {
  return request<Uint8Array[]>({ task: 'thumbnails', spec, indices });
}

/** One unit's activation histogram over a harvest, scanned in the worker thread. */
export function unitHistogramOffThread(where: ProjectRef, harvestId: number, unit: number, bins: number): Promise<Histogram> {
  return request<Histogram>({ task: 'unit-histogram', ...where, harvestId, unit, bins });
}

/** The rows where a unit is largest (top) or smallest (bottom), scanned in the worker thread. */
export function extremeRowsOffThread(where: ProjectRef, harvestId: number, unit: number, k: number, order: 'top' | 'bottom'): Promise<{ row: number; value: number }[]> {
  return request<{ row: number; value: number }[]>({ task: 'extreme-rows', ...where, harvestId, unit, k, order });
}

/** A harvest made from a .npy matrix, read and written by the worker thread through its own connection. */
export function importNpyOffThread(where: ProjectRef, params: ImportNpyRequest): Promise<HarvestInfo> {
  return request<HarvestInfo>({ task: 'import-npy', ...where, params });
}

// room: export
/** A matrix export (.npy streamed chunk by chunk; feature activations encoded on the way), written by the worker. */
export function exportOffThread(where: ProjectRef, what: ExportRequest): Promise<ExportResult> {
  return request<ExportResult>({ task: 'export', ...where, request: what });
}

// room: i8 (dynamic shapes)
/** Item dims of tensors whose shape follows the stimuli (and If branches inlined), measured on the first batch in the worker thread. */
export function probeShapesOffThread(r: ShapeProbeRequest): Promise<ShapeProbeResult> {
  return request<ShapeProbeResult>({ task: 'probe-shapes', request: r });
}

// room: text (#13)
export interface TextContextsRequest {
  basisId: number;
  feature: number;
  k: number;
}

/**
 * A text feature's top contexts (text.contexts) in the worker thread: it reads and tokenises the whole stimulus text
 * again to find the contexts (seconds for megabytes), loads the basis and re-runs the model, none of which may hold
 * up the thread that serves the UI.
 */
export function textContextsOffThread(where: ProjectRef, params: TextContextsRequest): Promise<TextContexts> {
  return request<TextContexts>({ task: 'text-contexts', ...where, params });
}

// room: text (#13 output effects)
export interface TextEffectsRequest {
  basisId: number;
  feature: number;
  k: number;
  alpha: number;
  top: number;
}

/** A text feature's output effects (text.effects): tokenising, the basis and three runs per batch of contexts. */
export function textEffectsOffThread(where: ProjectRef, params: TextEffectsRequest): Promise<TextEffects> {
  return request<TextEffects>({ task: 'text-effects', ...where, params });
}

/**
 * Ends the service worker, closing its project connection (the next request starts a fresh one). For callers that run
 * several CLI commands in one process and need each command to leave its project file as the command's own process
 * would at exit: the write-ahead log folded into the file (the tests' in-process CLI).
 */
export async function stopServiceWorker(): Promise<void> {
  const w = worker;
  if (!w || pending.size > 0) return;
  worker = null;
  await w.terminate();
}
