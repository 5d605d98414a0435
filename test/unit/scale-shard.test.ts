// Shard ranges (#14 item 3, room: scale): shard i of n covers a contiguous run of whole chunks, the shards together
// cover every stimulus once in order, and a split with more shards than chunks or a malformed --shard is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../main/errors';
import { parseShardFlag, shardRange } from '../../main/harvest/shard';

test('shards are contiguous runs of whole chunks that cover the stimuli once, in order', () => {
  for (const [items, chunkItems, n] of [[1000, 128, 2], [1000, 128, 8], [10, 3, 3], [50000, 4096, 7], [4096, 4096, 1], [12289, 4096, 4]] as const) {
    let next = 0;
    for (let i = 0; i < n; i++) {
      const r = shardRange(items, chunkItems, { index: i, count: n });
      assert.equal(r.start, next, `${items}/${chunkItems}/${n}: shard ${i} starts where the last ended`);
      assert.ok(r.end > r.start, 'no shard is empty');
      assert.equal(r.start % chunkItems, 0, 'starts on a chunk boundary');
      if (i < n - 1) assert.equal(r.end % chunkItems, 0, 'ends on a chunk boundary');
      next = r.end;
    }
    assert.equal(next, items, 'the last shard ends at the last stimulus');
  }
  // Whole chunks dealt as evenly as they go: 8 chunks over 3 shards → 2, 3, 3.
  assert.deepEqual([0, 1, 2].map((i) => shardRange(1000, 125, { index: i, count: 3 })).map((r) => [r.start, r.end]), [[0, 250], [250, 625], [625, 1000]]);
});

test('more shards than chunks, and malformed --shard values, are refused in one sentence', () => {
  assert.throws(() => shardRange(1000, 16384, { index: 0, count: 2 }, 1), (e: unknown) => e instanceof UserError && /make 1 chunk, too few for 2 shards .*--chunk-rows 500 or fewer\.$/.test(e.message));
  assert.throws(() => shardRange(100, 40, { index: 0, count: 4 }, 9), (e: unknown) => e instanceof UserError && /--chunk-rows 225 or fewer\.$/.test(e.message));
  for (const bad of ['2/2', '1', '-1/3', 'a/b', '0/0', '1/2/3']) {
    assert.throws(() => parseShardFlag(bad), (e: unknown) => e instanceof UserError && e.message.startsWith('--shard takes i/n'), bad);
  }
  assert.deepEqual(parseShardFlag('3/8'), { index: 3, count: 8 });
});
