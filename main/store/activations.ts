// Activation rows live in chunks: float32 (or, chosen per harvest, float16) row-major BLOBs. Writers append a chunk
// together with its row metadata and the harvest's new row count in one transaction; readers stream chunk by chunk,
// so no fit or statistic ever needs the whole matrix in memory, and always get float32.
import { float16BitsToFloat32Array, float32ArrayToFloat16Bits } from '../onnx/dtypes';
import { roundToFloat16Simd } from './float16-simd';
import type { Db } from './project';
import { chunkRowMetaFinder, saveChunkRowMeta } from './scale'; // scale (#18)
import { healRowMeta, type ChunkMeta } from './backfill'; // h18ui: older projects get the copy on first read
import { decodeRowMeta, encodeRowMeta, rowMetaAt, type RowMeta } from './row-meta'; // h14meta: per-row or regular BLOBs

export type { RowMeta } from './row-meta';

export interface Chunk {
  index: number;
  firstRow: number;
  rowCount: number;
  dim: number;
  data: Float32Array;
}

export interface PendingChunk {
  harvestId: number;
  chunkIndex: number;
  firstRow: number;
  rowCount: number;
  data: Float32Array;
  /** Per row, or already packed with packRowMeta. */
  meta: RowMeta[] | Int32Array;
  /** float32 unless the harvest chose float16. */
  storage?: ActivationStorage;
  /** The activations already encoded for `storage` (encodeForStorage), so they are not encoded twice. */
  encoded?: Buffer;
}

/** Copy a BLOB into an aligned Float32Array (SQLite's buffers need not be 4-byte aligned). */
export function blobToFloat32(blob: Buffer): Float32Array {
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

export function float32ToBlob(data: Float32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** How a harvest's activations are stored: float32, or float16 at half the size (#14; chosen per harvest). */
export type ActivationStorage = 'float32' | 'float16';

/** Values as the store will give them back: float16 storage rounds them once, here, so statistics see what readers read. */
export function roundForStorage(data: Float32Array, storage: ActivationStorage): Float32Array {
  return storage === 'float16' ? float16BitsToFloat32Array(float32ArrayToFloat16Bits(data)) : data;
}

/** Buffers a float16 writer reuses chunk after chunk (#14): what encodeForStorage returns lives in them until its next call. */
export interface Float16Scratch {
  bits?: Uint16Array;
  rounded?: Float32Array;
}

/**
 * Values as the store will give them back and the BLOB that stores them, each computed once, in one pass (#14
 * pipelined harvest). With `scratch`, float16 results are written into its buffers (grown as needed), so use them
 * before the next call with the same scratch.
 */
export function encodeForStorage(data: Float32Array, storage: ActivationStorage, scratch?: Float16Scratch): { values: Float32Array; encoded: Buffer } {
  if (storage === 'float32') return { values: data, encoded: float32ToBlob(data) };
  if (scratch && (scratch.bits?.length ?? 0) < data.length) {
    scratch.bits = new Uint16Array(data.length);
    scratch.rounded = new Float32Array(data.length);
  }
  // roundToFloat16's bits, by the WebAssembly SIMD kernel (its JS where the runtime has no WebAssembly SIMD).
  const { bits, rounded } = roundToFloat16Simd(data, scratch?.bits, scratch?.rounded);
  return { values: rounded, encoded: Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength) };
}

function encodeActivations(data: Float32Array, storage: ActivationStorage): Buffer {
  if (storage === 'float32') return float32ToBlob(data);
  const bits = float32ArrayToFloat16Bits(data);
  return Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength);
}

/**
 * A chunk's activations as float32, whichever way they were stored: the BLOB's size says it (2 or 4 bytes per value
 * of rowCount × dim), so every reader is transparent to the storage and old projects read as before.
 */
export function decodeActivations(blob: Buffer, rowCount: number, dim: number): Float32Array {
  const values = rowCount * dim;
  if (blob.byteLength === values * 4) return blobToFloat32(blob);
  if (blob.byteLength === values * 2) {
    const bits = new Uint16Array(values);
    new Uint8Array(bits.buffer).set(blob);
    return float16BitsToFloat32Array(bits);
  }
  throw new Error(`an activation chunk of ${rowCount} × ${dim} values holds ${blob.byteLength} bytes`);
}

const META_FIELDS = 4;

/** Pack row metadata as int32 [stimulus, label, posY, posX] per row, -1 for absent values. */
export function packRowMeta(meta: RowMeta[]): Int32Array {
  const out = new Int32Array(meta.length * META_FIELDS);
  for (let i = 0; i < meta.length; i++) {
    const m = meta[i]!;
    out[i * 4] = m.stimulusIndex;
    out[i * 4 + 1] = m.label ?? -1;
    out[i * 4 + 2] = m.posY ?? -1;
    out[i * 4 + 3] = m.posX ?? -1;
  }
  return out;
}

/** Commit the chunks of one step of a harvest (one per tapped tensor) atomically with their row counts. */
export function commitChunks(db: Db, chunks: PendingChunk[]): void {
  const insertChunk = db.prepare(
    'INSERT INTO activation_chunks(harvest_id, chunk_index, first_row, row_count, data, row_meta) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const advance = db.prepare('UPDATE harvests SET rows_done = ? WHERE id = ? AND rows_done = ?');
  db.transaction(() => {
    for (const c of chunks) {
      const meta = c.meta instanceof Int32Array ? c.meta : packRowMeta(c.meta);
      if (meta.length !== c.rowCount * META_FIELDS) throw new Error(`chunk of ${c.rowCount} rows has metadata for ${meta.length / META_FIELDS}`);
      const metaBlob = encodeRowMeta(meta); // h14meta: a regular chunk's metadata in 16 + 4·stimuli + 8·rows per stimulus bytes
      insertChunk.run(c.harvestId, c.chunkIndex, c.firstRow, c.rowCount, c.encoded ?? encodeActivations(c.data, c.storage ?? 'float32'), metaBlob);
      saveChunkRowMeta(db, c.harvestId, c.chunkIndex, c.firstRow, c.rowCount, metaBlob); // scale (#18)
      const moved = advance.run(c.firstRow + c.rowCount, c.harvestId, c.firstRow);
      // Guards against two writers appending to the same harvest (e.g. the same job resumed twice at once).
      if (moved.changes !== 1) throw new Error(`harvest ${c.harvestId} was advanced by another writer`);
    }
  })();
}

/** How many chunks of a harvest are committed (a resumed harvest numbers its next chunk after them). */
export function chunkCount(db: Db, harvestId: number): number {
  return Number((db.prepare('SELECT count(*) AS n FROM activation_chunks WHERE harvest_id = ?').get(harvestId) as { n: number }).n);
}

export function harvestDim(db: Db, harvestId: number): number {
  const row = db.prepare('SELECT dim FROM harvests WHERE id = ?').get(harvestId) as { dim: number } | undefined;
  if (!row) throw new Error(`no harvest ${harvestId}`);
  return row.dim;
}

/** Stream a harvest's committed chunks in row order. */
export function* streamChunks(db: Db, harvestId: number): Generator<Chunk> {
  const dim = harvestDim(db, harvestId);
  // Fetch one chunk per query so the iterator never holds a cursor open across yields (writers may interleave).
  const stmt = db.prepare(
    'SELECT chunk_index, first_row, row_count, data FROM activation_chunks WHERE harvest_id = ? AND chunk_index = ?',
  );
  for (let index = 0; ; index++) {
    const row = stmt.get(harvestId, index) as
      | { chunk_index: number; first_row: number; row_count: number; data: Buffer }
      | undefined;
    if (!row) return;
    yield { index, firstRow: row.first_row, rowCount: row.row_count, dim, data: decodeActivations(row.data, row.row_count, dim) };
  }
}

/** Read specific rows (sorted or not) without loading the whole harvest: one chunk at a time. */
export function readRows(db: Db, harvestId: number, rows: number[]): Map<number, Float32Array> {
  const dim = harvestDim(db, harvestId);
  const find = db.prepare(
    'SELECT chunk_index, first_row, row_count, data FROM activation_chunks WHERE harvest_id = ? AND first_row <= ? ORDER BY first_row DESC LIMIT 1',
  );
  const out = new Map<number, Float32Array>();
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  let cached: { first: number; count: number; data: Float32Array } | null = null;
  for (const r of sorted) {
    if (!cached || r < cached.first || r >= cached.first + cached.count) {
      const row = find.get(harvestId, r) as { first_row: number; row_count: number; data: Buffer } | undefined;
      if (!row || r >= row.first_row + row.row_count) throw new Error(`row ${r} is not in harvest ${harvestId}`);
      cached = { first: row.first_row, count: row.row_count, data: decodeActivations(row.data, row.row_count, dim) };
    }
    const offset = (r - cached.first) * dim;
    out.set(r, cached.data.slice(offset, offset + dim));
  }
  return out;
}

export function readRowMeta(db: Db, harvestId: number, rows: number[]): Map<number, RowMeta> {
  const find = db.prepare(
    'SELECT chunk_index, first_row, row_count, row_meta FROM activation_chunks WHERE harvest_id = ? AND first_row <= ? ORDER BY first_row DESC LIMIT 1',
  );
  const fromCopy = chunkRowMetaFinder(db); // scale (#18): the copy apart from the activations, where the chunk has one
  const missing: ChunkMeta[] = []; // h18ui: chunks read the slow way, whose copies are stored afterwards
  const out = new Map<number, RowMeta>();
  let cached: { first: number; count: number; meta: Buffer } | null = null;
  for (const r of [...new Set(rows)].sort((a, b) => a - b)) {
    if (!cached || r < cached.first || r >= cached.first + cached.count) {
      let row: { first_row: number; row_count: number; row_meta: Buffer } | null | undefined = fromCopy(harvestId, r);
      if (!row) {
        const chunk = find.get(harvestId, r) as ChunkMeta | undefined;
        if (chunk && r < chunk.first_row + chunk.row_count) missing.push(chunk);
        row = chunk;
      }
      if (!row || r >= row.first_row + row.row_count) continue;
      cached = { first: row.first_row, count: row.row_count, meta: row.row_meta };
    }
    out.set(r, rowMetaAt(cached.meta, cached.count, r - cached.first));
  }
  healRowMeta(db, harvestId, missing);
  return out;
}

/** Every row's metadata in row order, streamed chunk by chunk (int32 [stimulus, label, posY, posX] per row). */
export function* streamRowMeta(db: Db, harvestId: number): Generator<{ firstRow: number; rowCount: number; meta: Int32Array }> {
  const stmt = db.prepare('SELECT first_row, row_count, row_meta FROM activation_chunks WHERE harvest_id = ? AND chunk_index = ?');
  for (let index = 0; ; index++) {
    const row = stmt.get(harvestId, index) as { first_row: number; row_count: number; row_meta: Buffer } | undefined;
    if (!row) return;
    yield { firstRow: row.first_row, rowCount: row.row_count, meta: decodeRowMeta(row.row_meta, row.row_count) };
  }
}

/** Rows start..start+rows−1 of a harvest (rows × dim), read chunk by chunk. */
export function readRowRange(db: Db, harvestId: number, start: number, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  const stmt = db.prepare('SELECT first_row, row_count, data FROM activation_chunks WHERE harvest_id = ? AND first_row < ? AND first_row + row_count > ? ORDER BY first_row');
  for (const c of stmt.all(harvestId, start + rows, start) as { first_row: number; row_count: number; data: Buffer }[]) {
    const data = decodeActivations(c.data, c.row_count, dim);
    const from = Math.max(start, c.first_row);
    const to = Math.min(start + rows, c.first_row + c.row_count);
    out.set(data.subarray((from - c.first_row) * dim, (to - c.first_row) * dim), (from - start) * dim);
  }
  return out;
}
