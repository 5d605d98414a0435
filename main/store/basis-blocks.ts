// Basis tensors stored in blocks (#18 item 4): a 131,072 × 512 float32 matrix is 256 MB, too much to hold (twice,
// with its BLOB copy) just to write or read it. A blocked tensor keeps its row in basis_tensors (name and shape) with
// an empty BLOB, and its values in basis_tensor_blocks: block b holds a run of leading-axis rows, in order. Readers
// either reassemble the tensor (loadBasisTensors) or stream it block by block (streamTensorBlocks).
import type { NamedTensor } from '../bases/types';
import { blobToFloat32, float32ToBlob } from './activations';
import type { Db } from './project';

/** A stored tensor row that names a shape with values but holds no bytes is blocked. */
export function isBlocked(shape: number[], data: Buffer): boolean {
  return data.byteLength === 0 && shape.reduce((a, b) => a * b, 1) > 0;
}

/** The tensor's row in basis_tensors, marking it as blocked (replacing an earlier row of that name). */
export function declareBlockedTensor(db: Db, basisId: number, name: string, shape: number[]): void {
  db.prepare('INSERT OR REPLACE INTO basis_tensors(basis_id, name, shape_json, data) VALUES (?, ?, ?, ?)').run(basisId, name, JSON.stringify(shape), Buffer.alloc(0));
}

/** A tensor written whole, as saveBasisTensors writes it (small ones: an import's vectors). */
export function writeWholeTensor(db: Db, basisId: number, name: string, shape: number[], data: Float32Array): void {
  db.prepare('INSERT OR REPLACE INTO basis_tensors(basis_id, name, shape_json, data) VALUES (?, ?, ?, ?)').run(basisId, name, JSON.stringify(shape), float32ToBlob(data));
}

/** Writes one block (committed on its own, so an interrupted import keeps what it wrote). */
export function writeTensorBlock(db: Db, basisId: number, name: string, block: number, data: Float32Array): void {
  db.prepare('INSERT OR REPLACE INTO basis_tensor_blocks(basis_id, name, block, data) VALUES (?, ?, ?, ?)').run(basisId, name, block, float32ToBlob(data));
}

/** The block numbers of a tensor already stored. */
export function storedBlocks(db: Db, basisId: number, name: string): Set<number> {
  const rows = db.prepare('SELECT block FROM basis_tensor_blocks WHERE basis_id = ? AND name = ?').pluck().all(basisId, name) as number[];
  return new Set(rows);
}

/** A blocked tensor's blocks in order, one at a time. */
export function* streamTensorBlocks(db: Db, basisId: number, name: string): Generator<Float32Array> {
  const it = db.prepare('SELECT data FROM basis_tensor_blocks WHERE basis_id = ? AND name = ? ORDER BY block').pluck().iterate(basisId, name) as IterableIterator<Buffer>;
  for (const blob of it) yield blobToFloat32(blob);
}

/** A blocked tensor reassembled (its blocks copied once into one array). */
export function readBlockedTensor(db: Db, basisId: number, name: string, shape: number[]): NamedTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let at = 0;
  const it = db.prepare('SELECT data FROM basis_tensor_blocks WHERE basis_id = ? AND name = ? ORDER BY block').pluck().iterate(basisId, name) as IterableIterator<Buffer>;
  for (const blob of it) {
    if (at + blob.byteLength / 4 > data.length) throw new Error(`Basis ${basisId}'s ${name} has more stored values than its shape holds.`);
    new Uint8Array(data.buffer, at * 4, blob.byteLength).set(blob);
    at += blob.byteLength / 4;
  }
  if (at !== data.length) throw new Error(`Basis ${basisId}'s ${name} holds ${at} of its ${data.length} values; its import did not finish.`);
  return { shape, data };
}

/** Drops the blocks of tensors named with `prefix` (all but checkpoints when the prefix is empty), as saveBasisTensors replaces them. */
export function deleteTensorBlocks(db: Db, basisId: number, prefix: string): void {
  if (prefix) db.prepare('DELETE FROM basis_tensor_blocks WHERE basis_id = ? AND substr(name, 1, ?) = ?').run(basisId, prefix.length, prefix);
  else db.prepare("DELETE FROM basis_tensor_blocks WHERE basis_id = ? AND name NOT LIKE 'ckpt/%'").run(basisId);
}

/**
 * One stored tensor read without a second copy (#18: the statistics job's encoder): a blocked tensor's blocks copied
 * once into one array, a whole BLOB viewed where better-sqlite3 put it. Null when the basis has no such tensor.
 */
export function readTensorOnce(db: Db, basisId: number, name: string): NamedTensor | null {
  const r = db.prepare('SELECT shape_json, data FROM basis_tensors WHERE basis_id = ? AND name = ?').get(basisId, name) as { shape_json: string; data: Buffer } | undefined;
  if (!r) return null;
  const shape = JSON.parse(r.shape_json) as number[];
  if (isBlocked(shape, r.data)) return readBlockedTensor(db, basisId, name, shape);
  return { shape, data: r.data.byteOffset % 4 === 0 ? new Float32Array(r.data.buffer, r.data.byteOffset, r.data.byteLength / 4) : blobToFloat32(r.data) };
}

/**
 * A stored tensor's values a run of leading-axis rows at a time: a blocked tensor's blocks, or the whole one. Each
 * block is its own query (not one open iterator), so the caller may write to the project between blocks.
 */
export function* tensorRowRuns(db: Db, basisId: number, name: string): Generator<Float32Array> {
  const r = db.prepare('SELECT shape_json, length(data) AS bytes FROM basis_tensors WHERE basis_id = ? AND name = ?').get(basisId, name) as { shape_json: string; bytes: number } | undefined;
  if (!r) throw new Error(`Basis ${basisId} has no stored ${name}.`);
  if (!(r.bytes === 0 && (JSON.parse(r.shape_json) as number[]).reduce((a, b) => a * b, 1) > 0)) {
    yield readTensorOnce(db, basisId, name)!.data;
    return;
  }
  const get = db.prepare('SELECT data FROM basis_tensor_blocks WHERE basis_id = ? AND name = ? AND block = ?').pluck();
  const blocks = db.prepare('SELECT block FROM basis_tensor_blocks WHERE basis_id = ? AND name = ? ORDER BY block').pluck().all(basisId, name) as number[];
  for (const b of blocks) yield blobToFloat32(get.get(basisId, name, b) as Buffer);
}
