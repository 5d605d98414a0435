// Sharded harvests (#14 item 3, room: scale): `cajal merge` joins the shards recorded by `cajal harvest … --shard i/n`
// into one harvest. Every shard must come from the same model file (by content), tensors, recipe and stimulus set,
// and together they must be each shard of one split exactly once; anything else is refused in one sentence before
// the target is opened, so nothing is written. The joined rows are the shards' chunks in shard order, and the unit
// statistics are recomputed over them in that order, chunk by chunk, as the recording itself computes them: the
// result equals an unsharded harvest's, statistic for statistic.
import { existsSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UserError } from '../errors';
import { openProjectDb, type Db } from '../store/project';
import { openShardFile, readShardParts, writeMergedHarvests, type MergedHarvest, type ShardPart } from '../store/merge';
import { storageOf } from './run';
import { UnitStatsAccumulator } from './unit-stats';

const named = (p: ShardPart) => `shard ${p.shard.index}/${p.shard.count} (${basename(p.file)})`;
const sentenceStart = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const sortedJson = (v: Record<string, string> | undefined) => JSON.stringify(Object.entries(v ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/** JSON with object keys sorted, so two specs that differ only in key order compare equal. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

/** The first field in which two stimulus specs differ, as 'seed 1, and 2', or null when they are the same. */
function specDifference(a: Record<string, unknown>, b: Record<string, unknown>): string | null {
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    const [x, y] = [canonicalJson(a[key] ?? null), canonicalJson(b[key] ?? null)];
    if (x !== y) return `${key} ${x}, and ${y}`;
  }
  return null;
}

/** What must agree between shards, as [what it is called, its value], beyond the model, tensors and stimuli. */
function recipeOf(p: ShardPart): [string, string][] {
  const h = p.harvests[0]!;
  const request = h.params as { inputs?: Record<string, string>; limit?: number };
  return [
    ['positions', h.positions],
    ['storage', storageOf(h)],
    ['input values', sortedJson(request.inputs)],
    ['stimulus item shape', `[${p.set.itemShape.join(', ')}]`],
    ['tensor shapes', p.harvests.map((x) => `[${x.tensorShape.join(', ')}]`).join(' ')],
    ['chunk size', `${h.chunkRows} rows`],
    ['stimulus count', String(request.limit ?? p.set.count)],
  ];
}

/** The shards in order, or the one sentence that says why they do not make one harvest. */
export function checkShardsAgree(parts: ShardPart[]): ShardPart[] {
  const ref = parts[0]!;
  for (const p of parts) {
    for (const h of p.harvests) {
      if (h.status !== 'done' || h.rowsDone !== h.rowsExpected) {
        throw new UserError('merge.unfinished', `${sentenceStart(named(p))} is not finished (${h.rowsDone.toLocaleString('en-US')} of ${h.rowsExpected.toLocaleString('en-US')} rows of ${h.tensor}, ${h.status}); run its harvest command again to resume it, then merge.`);
      }
    }
  }
  for (const p of parts.slice(1)) {
    const pair = `${named(ref)} and ${named(p)}`;
    if (p.model.sha256 !== ref.model.sha256) {
      throw new UserError('merge.model', `${sentenceStart(pair)} were recorded from different models (${basename(ref.model.path)}, SHA-256 ${ref.model.sha256.slice(0, 12)}…, and ${basename(p.model.path)}, SHA-256 ${p.model.sha256.slice(0, 12)}…); merge shards of one model.`);
    }
    const tensors = (x: ShardPart) => x.harvests.map((h) => h.tensor).join(', ');
    if (tensors(p) !== tensors(ref)) {
      throw new UserError('merge.tensors', `${sentenceStart(pair)} recorded different tensors (${tensors(ref)}, and ${tensors(p)}); merge shards of the same tensors.`);
    }
    const differs = specDifference(ref.set.spec as unknown as Record<string, unknown>, p.set.spec as unknown as Record<string, unknown>);
    if (differs) {
      throw new UserError('merge.stimuli', `${sentenceStart(pair)} were recorded over different stimulus sets (${differs}); merge shards of one stimulus set.`);
    }
    if (p.itemsDigest !== ref.itemsDigest) {
      throw new UserError('merge.stimuli', `${sentenceStart(pair)} list different items (names or labels) in their stimulus set ${ref.set.name}, so the source changed between them; record every shard over the same stimuli.`);
    }
    const a = recipeOf(ref);
    const b = recipeOf(p);
    const k = a.findIndex(([, v], i) => v !== b[i]![1]);
    if (k >= 0) {
      throw new UserError('merge.recipe', `${sentenceStart(pair)} were recorded with different recipes (${a[k]![0]} ${a[k]![1]}, and ${b[k]![1]}); merge shards recorded with one recipe.`);
    }
    if (p.shard.count !== ref.shard.count) {
      throw new UserError('merge.split', `${sentenceStart(pair)} belong to different splits (of ${ref.shard.count} and of ${p.shard.count}); merge the shards of one split.`);
    }
  }
  const byIndex = new Map<number, ShardPart>();
  for (const p of parts) {
    const twin = byIndex.get(p.shard.index);
    if (twin) throw new UserError('merge.duplicate', `Shard ${p.shard.index}/${p.shard.count} is given twice (${basename(twin.file)} and ${basename(p.file)}); name each shard once.`);
    byIndex.set(p.shard.index, p);
  }
  const n = ref.shard.count;
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const list = missing.length > 8 ? `${missing.slice(0, 8).join(', ')} and ${missing.length - 8} more` : missing.join(', ');
    throw new UserError('merge.missing', `Shard${missing.length > 1 ? 's' : ''} ${list} of ${n} ${missing.length > 1 ? 'are' : 'is'} missing; add ${missing.length > 1 ? 'their files' : 'its file'} (recorded with --shard ${missing[0]}/${n}${missing.length > 1 ? ' …' : ''}).`);
  }
  const ordered = Array.from({ length: n }, (_, i) => byIndex.get(i)!);
  ordered.forEach((p, i) => {
    const expectStart = i === 0 ? 0 : ordered[i - 1]!.shard.end;
    if (p.shard.start !== expectStart) {
      throw new UserError('merge.split', `${sentenceStart(named(p))} starts at stimulus ${p.shard.start} but the shard before it ends at ${expectStart}, so they do not join; record the shards with one command.`);
    }
  });
  return ordered;
}

const canonical = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));

/** Merges the shard files into the project at `intoPath` (made if absent): one new harvest per tensor. */
export function mergeShardFiles(intoPath: string, files: string[], onRows?: (done: number, total: number) => void): { project: string; shards: number; harvests: MergedHarvest[] } {
  if (files.length === 0) throw new UserError('cli.usage', 'Name the shard files to merge: cajal merge --into FILE shard-*.cajal.');
  const paths = files.map((f) => resolve(f));
  const seen = new Map<string, string>();
  for (const p of paths) {
    const key = canonical(p);
    if (seen.has(key)) throw new UserError('merge.duplicate', `${p} is named twice; name each shard file once.`);
    seen.set(key, p);
  }
  if (seen.has(canonical(resolve(intoPath)))) throw new UserError('merge.into-shard', `${resolve(intoPath)} is one of the shard files; merge into another project file.`);
  const sources = new Map<string, Db>();
  try {
    for (const p of paths) sources.set(p, openShardFile(p));
    const parts = paths.flatMap((p) => {
      const found = readShardParts(sources.get(p)!, p);
      if (found.length === 0) throw new UserError('merge.no-shard', `${p} holds no shard harvest; record one there with cajal harvest … --shard i/n.`);
      return found;
    });
    const ordered = checkShardsAgree(parts);
    const into = openProjectDb(resolve(intoPath), { create: true });
    try {
      const harvests = writeMergedHarvests(into, ordered, sources, (dim) => new UnitStatsAccumulator(dim), onRows);
      return { project: resolve(intoPath), shards: ordered.length, harvests };
    } finally {
      into.close();
    }
  } finally {
    for (const db of sources.values()) db.close();
  }
}
