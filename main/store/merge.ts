// Sharded harvests (#14 item 3, room: scale): the SQL of `cajal merge`. It reads what each shard file recorded (read
// only, so a refused merge writes nothing anywhere) and writes the joined harvest into the target project in one
// transaction: the shards' chunks copied byte for byte in stimulus order, renumbered so the chunk layout is the one
// an unsharded run writes, and every reader (fits, features, exports) sees an ordinary harvest.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { UserError } from '../errors';
import { shardOf, type ShardRecord } from '../harvest/shard';
import type { UnitStats } from '../harvest/types';
import { decodeActivations } from './activations';
import { keepBlobCopiesResident } from './blob-memory';
import type { Db } from './project';
import { getHarvest, getModel, getStimulusSet, insertHarvest, insertStimulusSet, insertModel, saveUnitStats, setHarvestStatus, stimulusLabels, stimulusNames, type HarvestRecord } from './repo';
import { APP_ID, SCHEMA_VERSION } from './schema';
import type { StimulusSetInfo } from './types';
import { saveChunkRowMeta } from './scale'; // scale (#18)

/** One shard as a file recorded it: a harvest job of one or more tensors over a slice of the stimuli. */
export interface ShardPart {
  file: string;
  jobId: number;
  shard: ShardRecord;
  /** One per tensor, in the order the harvest request named them. */
  harvests: HarvestRecord[];
  model: ReturnType<typeof getModel>;
  set: StimulusSetInfo;
  /** SHA-256 over the set's item names and labels: a folder listed differently on another machine differs here. */
  itemsDigest: string;
}

/** A shard file opened read only, after checking it is a Cajal project of this schema. */
export function openShardFile(path: string): Db {
  if (!existsSync(path)) throw new UserError('merge.missing-file', `There is no shard file at ${path}.`);
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('user_version', { simple: true });
  } catch {
    throw new UserError('merge.not-project', `${path} is not a Cajal project, so it cannot be merged.`);
  }
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").get();
  const app = hasMeta ? (db.prepare("SELECT value FROM meta WHERE key='app'").get() as { value: string } | undefined) : undefined;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (app?.value !== APP_ID) {
    db.close();
    throw new UserError('merge.not-project', `${path} is not a Cajal project, so it cannot be merged.`);
  }
  if (version !== SCHEMA_VERSION) {
    db.close();
    throw new UserError('merge.schema', `${path} has project schema ${version} and this Cajal writes schema ${SCHEMA_VERSION}; record every shard and merge them with one Cajal version.`);
  }
  return db;
}

function itemsDigest(db: Db, setId: number): string {
  return createHash('sha256').update(JSON.stringify([stimulusNames(db, setId), stimulusLabels(db, setId)])).digest('hex');
}

/** Every shard a file holds (usually one), a harvest job's tensors together. */
export function readShardParts(db: Db, file: string): ShardPart[] {
  const rows = db.prepare("SELECT id, job_id FROM harvests WHERE params_json LIKE '%\"shard\"%' ORDER BY id").all() as { id: number; job_id: number | null }[];
  const byJob = new Map<number, HarvestRecord[]>();
  for (const r of rows) {
    const h = getHarvest(db, r.id);
    if (!shardOf(h) || r.job_id === null) continue;
    byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), h]);
  }
  return [...byJob].map(([jobId, harvests]) => {
    const tensors = (harvests[0]!.params.tensors as string[] | undefined) ?? harvests.map((h) => h.tensor);
    harvests.sort((a, b) => tensors.indexOf(a.tensor) - tensors.indexOf(b.tensor));
    const first = harvests[0]!;
    return { file, jobId, shard: shardOf(first)!, harvests, model: getModel(db, first.modelId), set: getStimulusSet(db, first.stimulusSetId), itemsDigest: itemsDigest(db, first.stimulusSetId) };
  });
}

/** The target project's copy of the shards' model (matched by content) and stimulus set (matched by spec), made if absent. */
function modelAndSetIn(into: Db, part: ShardPart, sources: Map<string, Db>): { modelId: number; setId: number } {
  const m = part.model;
  const found = into.prepare('SELECT id FROM models WHERE sha256 = ? ORDER BY id LIMIT 1').get(m.sha256) as { id: number } | undefined;
  const modelId = found?.id ?? insertModel(into, { name: m.name, path: m.path, sha256: m.sha256, bytes: m.bytes, inspection: m.inspection });
  const specJson = JSON.stringify(part.set.spec);
  const existing = into.prepare('SELECT id FROM stimulus_sets WHERE spec_json = ? ORDER BY id').all(specJson) as { id: number }[];
  const same = existing.find((s) => itemsDigest(into, s.id) === part.itemsDigest);
  if (same) return { modelId, setId: same.id };
  // Items (labels, names, thumbnails where any shard drew one) from the shard files.
  const stored = new Map<number, { label: number | null; name: string; thumbnail: Buffer | null }>();
  for (const db of sources.values()) {
    const setId = (db.prepare('SELECT id FROM stimulus_sets WHERE spec_json = ? ORDER BY id LIMIT 1').get(specJson) as { id: number } | undefined)?.id;
    if (setId === undefined) continue;
    for (const it of db.prepare('SELECT idx, label, name, thumbnail FROM stimulus_items WHERE set_id = ? ORDER BY idx').iterate(setId) as Iterable<{ idx: number; label: number | null; name: string; thumbnail: Buffer | null }>) {
      const had = stored.get(it.idx);
      if (!had || (had.thumbnail === null && it.thumbnail !== null)) stored.set(it.idx, { label: it.label, name: it.name, thumbnail: it.thumbnail });
    }
  }
  const items = Array.from({ length: part.set.count }, (_, i) => stored.get(i)!);
  const setId = insertStimulusSet(into, { name: part.set.name, spec: part.set.spec, count: part.set.count, itemShape: part.set.itemShape, labelNames: part.set.labelNames }, items);
  return { modelId, setId };
}

/**
 * The largest chunk row (activations and row metadata) the merge copies. A shard is a run of whole chunks, so its
 * first chunk is a full one (or its only one): one lookup per shard and tensor.
 */
function largestChunkBytes(parts: ShardPart[], sources: Map<string, Db>): number {
  let most = 0;
  for (const part of parts) {
    const first = sources.get(part.file)!.prepare('SELECT length(data) + length(row_meta) AS n FROM activation_chunks WHERE harvest_id = ? ORDER BY chunk_index LIMIT 1');
    for (const h of part.harvests) most = Math.max(most, (first.get(h.id) as { n: number } | undefined)?.n ?? 0);
  }
  return most;
}

export interface MergedHarvest {
  id: number;
  tensor: string;
  rows: number;
  dim: number;
  chunks: number;
}

/**
 * Writes the joined harvest (one per tensor) into `into`, in one transaction: nothing is left half-merged. `parts` are
 * checked and in shard order; `statsOf` sees every chunk's values in row order and gives the unit statistics.
 */
export function writeMergedHarvests(
  into: Db,
  parts: ShardPart[],
  sources: Map<string, Db>,
  statsOf: (dim: number) => { add(data: Float32Array, rows: number): void; result(): UnitStats[] },
  onRows?: (done: number, total: number) => void,
): MergedHarvest[] {
  const first = parts[0]!;
  const total = parts.reduce((a, p) => a + p.harvests[0]!.rowsDone, 0);
  // Shards are contiguous and checked to cover the set, so the last one ends at the harvest's last stimulus.
  const items = parts[parts.length - 1]!.shard.end;
  // #14: SQLite's copies of the chunks inserted below reuse resident heap memory, as the harvest writer's do.
  keepBlobCopiesResident(into, largestChunkBytes(parts, sources));
  return into.transaction(() => {
    const { modelId, setId } = modelAndSetIn(into, first, sources);
    const insertChunk = into.prepare('INSERT INTO activation_chunks(harvest_id, chunk_index, first_row, row_count, data, row_meta) VALUES (?, ?, ?, ?, ?, ?)');
    const merged: MergedHarvest[] = [];
    let copied = 0;
    first.harvests.forEach((h0, k) => {
      const { shard: _shard, ...request } = h0.params;
      const id = insertHarvest(into, {
        modelId,
        stimulusSetId: setId,
        jobId: null,
        source: 'model',
        tensor: h0.tensor,
        tensorShape: h0.tensorShape,
        positions: h0.positions,
        dim: h0.dim,
        rowsPerItem: h0.rowsPerItem,
        itemsExpected: items,
        chunkRows: h0.chunkRows,
        params: { ...request, modelId, stimulusSetId: setId, merged: { shards: first.shard.count, files: parts.map((p) => p.file) } },
      });
      const stats = statsOf(h0.dim);
      let chunkIndex = 0;
      let rows = 0;
      for (const part of parts) {
        const src = sources.get(part.file)!;
        const h = part.harvests[k]!;
        const read = src.prepare('SELECT first_row, row_count, data, row_meta FROM activation_chunks WHERE harvest_id = ? ORDER BY chunk_index');
        for (const c of read.iterate(h.id) as Iterable<{ first_row: number; row_count: number; data: Buffer; row_meta: Buffer }>) {
          saveChunkRowMeta(into, id, chunkIndex, rows, c.row_count, c.row_meta); // scale (#18): the cards' copy of the metadata
          insertChunk.run(id, chunkIndex++, rows, c.row_count, c.data, c.row_meta);
          stats.add(decodeActivations(c.data, c.row_count, h0.dim), c.row_count);
          rows += c.row_count;
          copied += c.row_count;
          onRows?.(copied, total * first.harvests.length);
        }
      }
      into.prepare('UPDATE harvests SET rows_done = ? WHERE id = ?').run(rows, id);
      saveUnitStats(into, id, stats.result());
      setHarvestStatus(into, id, 'done');
      merged.push({ id, tensor: h0.tensor, rows, dim: h0.dim, chunks: chunkIndex });
    });
    return merged;
  })();
}
