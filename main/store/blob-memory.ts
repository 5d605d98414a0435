// Why a chunk writer first asks SQLite for one large block of memory (#14). SQLite copies every chunk BLOB it inserts
// twice (better-sqlite3 binds it as SQLITE_TRANSIENT, then the row's record is built), each time into a fresh block of
// the chunk's size. glibc's malloc serves a block at or above its mmap threshold (128 KiB at start) from new mmap'd
// pages and unmaps it on free, and a block below it from the heap, whose top it hands back to the kernel once more than
// the trim threshold is free. Either way each copy of a 4 MB chunk page-faulted ~1,000 fresh 4 KiB pages: most of a
// commit's CPU (bench harvest-write, 10 MB in 4 MB chunks: 67 → 32 ms of CPU on a quiet machine, 114 → 53 ms
// loaded). mallopt(3) documents the way out: freeing an mmap'd block raises the mmap threshold to its size and the
// trim threshold to twice that (up to 32 MiB on 64-bit), so afterwards the chunk copies come from the heap and stay
// resident between commits.
// Other allocators (macOS, Windows) ignore this; the statement is then a harmless allocation.
import type { Db } from './project';

/** glibc's ceiling on the dynamic mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit). */
const MAX_DYNAMIC_THRESHOLD = 32 * 1024 * 1024;

/**
 * Makes later BLOB copies of up to `blobBytes` reuse resident heap memory: SQLite allocates (and touches) one block a
 * little larger than that and frees it. Costs one such block's page faults once per thread's connection.
 */
export function keepBlobCopiesResident(db: Db, blobBytes: number): void {
  if (!(blobBytes > 0)) return;
  // 1.5× puts the threshold above the largest single copy (the row's record: data, metadata and header), so each copy
  // is a heap block, and the trim threshold (twice it) above what one insert frees at once (its bound data and its
  // record), so the heap keeps those pages.
  const bytes = Math.min(MAX_DYNAMIC_THRESHOLD, Math.ceil(1.5 * blobBytes) + 64 * 1024);
  // CAST to TEXT materialises the zero BLOB once (one malloc of `bytes`, zero-filled); length() stops at its first NUL.
  db.prepare('SELECT length(CAST(zeroblob(?) AS TEXT)) AS n').get(bytes);
}
