// Self-healing reads for projects older than #18's copies (h18ui): feature_column_blocks (a basis' statistics and
// metrics as whole float64 columns) and activation_row_meta (each chunk's row metadata apart from its activations).
// A project made before them has neither, and every read fell back to the slow path (m rows; the chunks' overflow
// pages) forever. Now a read that falls back stores what it computed, so the next read is fast. It writes only when
// that is safe and cheap: outside any transaction of the caller, on a writable file, without waiting for another
// writer (busy_timeout 0 for the write), in one transaction, and only if what was read is still what is stored — every
// writer of those rows writes the copy in the same transaction, so a copy that is still missing, with the same
// statistics run (or metric run, or chunk), means the rows are the ones read. Otherwise the read is simply returned.
import type { Db } from './project';

/** Runs `write` (which returns whether it wrote) in its own transaction if the project takes a write now. */
export function tryWrite(db: Db, write: () => boolean): boolean {
  if (db.readonly || db.inTransaction) return false;
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return db.transaction(write)();
  } catch (err) {
    // A read-only file or another writer at work: the copy waits for a later read.
    const code = String((err as { code?: unknown }).code ?? '');
    if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return false;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${wait}`);
  }
}

export interface ChunkMeta {
  chunk_index: number;
  first_row: number;
  row_count: number;
  row_meta: Buffer;
}

/** Stores the row-metadata copies of chunks read from activation_chunks, each only if its chunk is still there as read. */
export function healRowMeta(db: Db, harvestId: number, chunks: ChunkMeta[]): void {
  if (!chunks.length) return;
  const ins = db.prepare(
    `INSERT OR IGNORE INTO activation_row_meta(harvest_id, chunk_index, first_row, row_count, row_meta)
     SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM activation_chunks WHERE harvest_id = ? AND chunk_index = ? AND first_row = ? AND row_count = ?)`,
  );
  tryWrite(db, () => {
    for (const c of chunks) ins.run(harvestId, c.chunk_index, c.first_row, c.row_count, c.row_meta, harvestId, c.chunk_index, c.first_row, c.row_count);
    return true;
  });
}
