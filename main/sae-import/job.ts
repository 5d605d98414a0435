// The import-sae job (#18 item 4): copies an SAELens file's matrices into the store a block of rows at a time
// (memory flat: one block, sized from CAJAL_MEMORY_CAP_MB, whatever the dictionary's size), reporting MB done with
// rate and ETA. Each block commits on its own, so a cancelled or killed import resumes at the first block it lacks;
// the basis stays 'importing' (listed nowhere) until the last transaction writes its vectors and marks it imported.
import { closeSync, openSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors';
import { readTensorRows, rowBuffersFor, rowLength, type RowBuffers, type SafetensorsHeader } from '../io/safetensors-stream';
import type { JobContext } from '../jobs/types';
import { declareBlockedTensor, storedBlocks, writeTensorBlock, writeWholeTensor } from '../store/basis-blocks';
import { getBasis, setBasisStatus } from '../store/bases';
import type { Db } from '../store/project';
import { memoryCapBytes } from '../util/memory';
import { StreamingFold } from './fold';
import type { SaeImportJobParams, SaeImportJobResult } from './types';

/**
 * Rows of a matrix per stored block: 1/64 of the memory cap, at most 8 MB (a 131,072 × 512 matrix in 32 blocks).
 * Writing a block costs about three times its size at once (the read buffer, and SQLite's copy of the bound BLOB and
 * of the record it builds): with 32 MB blocks the import of a 131,072-feature SAE peaked at 359–395 MB, with 8 MB at
 * 266–273 MB (process high-water mark, bench/feature-scale.ts).
 */
export function blockRowsFor(shape: number[]): number {
  const bytes = Math.max(4096, Math.min(8 * 2 ** 20, Math.floor(memoryCapBytes() / 64)));
  return Math.max(1, Math.floor(bytes / (4 * Math.max(1, rowLength(shape)))));
}

/** Matrices are stored in blocks; vectors (at most m values) are written whole in the last transaction. */
const isMatrix = (shape: number[]) => shape.length >= 2;

export async function runSaeImportJob(raw: unknown, ctx: JobContext): Promise<SaeImportJobResult> {
  const p = raw as SaeImportJobParams;
  const { db } = ctx;
  const rec = getBasis(db, p.basisId);
  const totalBytes = p.tensors.reduce((a, t) => a + t.entry.shape.reduce((x, y) => x * y, 1) * 4, 0);
  if (rec.status === 'imported') return { basisId: p.basisId, bytes: totalBytes };
  if (rec.status !== 'importing') throw new UserError('sae.import-state', `Basis ${p.basisId} is ${rec.status}, not an import under way.`);
  let st;
  try {
    st = statSync(p.file);
  } catch {
    throw new UserError('sae.missing', `${p.file} is gone; the import cannot go on without it.`);
  }
  if (st.size !== p.fileBytes || st.mtimeMs !== p.mtimeMs) {
    throw new UserError('sae.changed', `${basename(p.file)} changed after its import began; import it again as a new basis.`);
  }
  const header: SafetensorsHeader = { dataStart: p.dataStart, fileBytes: p.fileBytes, tensors: {} };
  const mb = (b: number) => b / 2 ** 20;
  let done = 0;
  const fd = openSync(p.file, 'r');
  // One pair of buffers for every block of every matrix, the fold's reads included: nothing per block is left for
  // the garbage collector (see readTensorRows).
  const matrices = p.tensors.filter((x) => isMatrix(x.entry.shape));
  const buffers = rowBuffersFor(matrices.map((t) => ({ entry: t.entry, rows: t.blockRows })));
  try {
    for (const t of matrices) {
      const rows = t.entry.shape[0]!;
      const bytesPerRow = rowLength(t.entry.shape) * 4;
      const blocks = Math.ceil(rows / t.blockRows);
      const have = storedBlocks(db, p.basisId, t.name);
      if (have.size === 0) declareBlockedTensor(db, p.basisId, t.name, t.entry.shape);
      for (let b = 0; b < blocks; b++) {
        const first = b * t.blockRows;
        const n = Math.min(t.blockRows, rows - first);
        done += n * bytesPerRow;
        // Blocks a resumed import already has count as done but are not reported: the rate is this run's copying.
        if (have.has(b)) continue;
        ctx.throwIfCancelled();
        writeTensorBlock(db, p.basisId, t.name, b, readTensorRows(fd, header, t.entry, first, n, buffers));
        ctx.progress(() => ({ fraction: (0.98 * done) / totalBytes, done: mb(done), total: mb(totalBytes), unit: 'MB/s', message: `${t.name}: block ${b + 1} of ${blocks}` }));
      }
    }
    ctx.throwIfCancelled();
    const vectors = new Map<string, Float32Array>();
    for (const t of p.tensors.filter((x) => !isMatrix(x.entry.shape))) vectors.set(t.name, readTensorRows(fd, header, t.entry, 0, t.entry.shape[0] ?? 1));
    ctx.progress({ fraction: 0.98, message: p.fold === 'none' ? 'Finishing' : 'Folding b_dec into the encoder biases' });
    foldBiases(fd, header, buffers, p, vectors);
    finish(db, p, vectors);
  } finally {
    closeSync(fd);
  }
  ctx.progress({ fraction: 1, done: mb(totalBytes), total: mb(totalBytes), unit: 'MB/s', message: 'Imported' });
  return { basisId: p.basisId, bytes: totalBytes };
}

/**
 * apply_b_dec_to_input = false: the encoder biases take b_dec·W_enc, W_enc read again from the file block by block
 * into the copy's buffers (the file is the one checked at the start, and reads convert as the copy did, so these
 * are the stored values). Reading it back from the store instead left two 32 MB arrays per block to the collector.
 */
function foldBiases(fd: number, header: SafetensorsHeader, buffers: RowBuffers, p: SaeImportJobParams, vectors: Map<string, Float32Array>): void {
  if (p.fold === 'none') return;
  const bDec = vectors.get('b_dec')!;
  const wEnc = p.tensors.find((t) => t.name === 'W_enc')!;
  const [d, m] = wEnc.entry.shape as [number, number];
  const fold = new StreamingFold(bDec, p.fold === 'b_enc' ? vectors.get('b_enc')! : new Float32Array(m));
  for (let first = 0; first < d; first += wEnc.blockRows) fold.add(readTensorRows(fd, header, wEnc.entry, first, Math.min(wEnc.blockRows, d - first), buffers));
  const c = fold.result();
  if (p.fold === 'b_enc') {
    vectors.set('b_enc', c);
    return;
  }
  // Gated (as services/saelens.ts foldedArchState): b_gate + c, and b_mag + c·exp(r_mag), each rounded to float32.
  const rMag = vectors.get('r_mag')!;
  vectors.set('b_gate', vectors.get('b_gate')!.map((b, j) => b + c[j]!));
  vectors.set('b_mag', vectors.get('b_mag')!.map((b, j) => b + c[j]! * Math.exp(rMag[j]!)));
}

/** The vectors, and the basis marked imported, in one transaction: before it nothing of the import is listed. */
function finish(db: Db, p: SaeImportJobParams, vectors: Map<string, Float32Array>): void {
  db.transaction(() => {
    for (const t of p.tensors.filter((x) => !isMatrix(x.entry.shape))) writeWholeTensor(db, p.basisId, t.name, t.entry.shape, vectors.get(t.name)!);
    if (p.normScale) writeWholeTensor(db, p.basisId, 'norm_scale', [1], Float32Array.of(1));
    setBasisStatus(db, p.basisId, 'imported');
  })();
}
