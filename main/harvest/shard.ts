// Sharded harvests (#14 item 3, room: scale): shard i of n records a contiguous slice of the stimulus set, so n
// machines can record one harvest and `cajal merge` joins the slices by concatenation. Slices are whole chunks
// (the last shard takes the partial tail), and a harvest's batches never cross a chunk boundary (run.ts), so the
// merged harvest has the very chunks, batches and therefore bytes and statistics of one unsharded run.
import { z } from 'zod';
import { UserError } from '../errors';

export const shardRequestSchema = z.object({ index: z.number().int().min(0), count: z.number().int().min(1).max(100_000) }).strict();
export type ShardRequest = z.infer<typeof shardRequestSchema>;

/** What a shard harvest records with itself: which shard, and the stimulus range [start, end) it covers. */
export interface ShardRecord extends ShardRequest {
  start: number;
  end: number;
}

/** `--shard i/n` (0 ≤ i < n, as Slurm's array ids and Kubernetes' completion indices count) as a request. */
export function parseShardFlag(text: string): ShardRequest {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count || count > 100_000) {
    throw new UserError('cli.usage', `--shard takes i/n with 0 ≤ i < n (e.g. --shard 0/4 for the first of four shards), not ${text}.`);
  }
  return { index, count };
}

/**
 * The stimuli [start, end) of shard `index` of `count` over `items` stimuli stored `chunkItems` to a chunk: the
 * set's chunks dealt out in contiguous runs as even as whole chunks allow. A shard that would get no chunk is
 * refused, naming the chunk size that would give every shard one.
 */
export function shardRange(items: number, chunkItems: number, shard: ShardRequest, rowsPerItem = 1): ShardRecord {
  const chunks = Math.ceil(items / chunkItems);
  if (shard.count > chunks) {
    const fits = Math.max(1, Math.floor(items / shard.count)) * rowsPerItem;
    throw new UserError(
      'harvest.shard-empty',
      `${items.toLocaleString('en-US')} stimuli stored ${chunkItems.toLocaleString('en-US')} to a chunk make ${chunks} chunk${chunks === 1 ? '' : 's'}, too few for ${shard.count} shards (each records whole chunks); use at most ${chunks} shards or --chunk-rows ${fits} or fewer.`,
    );
  }
  const firstChunk = Math.floor((shard.index * chunks) / shard.count);
  const endChunk = Math.floor(((shard.index + 1) * chunks) / shard.count);
  return { ...shard, start: firstChunk * chunkItems, end: Math.min(items, endChunk * chunkItems) };
}

/** The shard a harvest's stored parameters record, or null for an ordinary harvest. */
export function shardOf(h: { params: Record<string, unknown> }): ShardRecord | null {
  const s = h.params.shard as Partial<ShardRecord> | undefined;
  if (!s || typeof s.start !== 'number' || typeof s.end !== 'number' || typeof s.index !== 'number' || typeof s.count !== 'number') return null;
  return { index: s.index, count: s.count, start: s.start, end: s.end };
}
