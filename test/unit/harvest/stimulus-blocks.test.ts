// Blocks of stimuli (#14, harvest/stimulus-blocks.ts) cut into batches must give exactly the batches the harvest
// loop always ran — full batches from each chunk's start, the last one of a chunk (and of the harvest) short — or
// a model's outputs (and so the stored rows) could change with the block size; and no block may cross a chunk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockItemsFor, blockSchedule, inlineBlocks } from '../../../main/harvest/stimulus-blocks';
import { openStimulusSource } from '../../../main/stimuli/open';

/** The harvest loop's own batch sequence (run.ts before blocks): `done`..`items` in chunks of chunkItems. */
function loopBatches(done: number, items: number, chunkItems: number, batch: number): [number, number][] {
  const out: [number, number][] = [];
  let chunkStart = done;
  let item = done;
  let n = Math.min(batch, items - item, chunkStart + chunkItems - item);
  while (item < items) {
    out.push([item, n]);
    const after = item + n;
    const nextN = after < items ? Math.min(batch, items - after, (after - chunkStart >= chunkItems ? after : chunkStart) + chunkItems - after) : 0;
    item = after;
    if (item - chunkStart >= chunkItems || item === items) chunkStart = item;
    n = nextN;
  }
  return out;
}

function blockBatches(done: number, items: number, chunkItems: number, batch: number, blockItems: number): [number, number][] {
  const out: [number, number][] = [];
  for (const b of blockSchedule(done, items, chunkItems, batch, blockItems)) {
    const chunkOf = (i: number) => Math.floor((i - done) / chunkItems);
    assert.equal(chunkOf(b.start), chunkOf(b.start + b.count - 1), `block ${b.start}+${b.count} stays inside one chunk`);
    assert.ok(b.count <= Math.max(batch, blockItems));
    for (let at = b.start; at < b.start + b.count; at += batch) out.push([at, Math.min(batch, b.start + b.count - at)]);
  }
  return out;
}

test('cutting blocks into batches gives the loop’s batches, for resumed starts, uneven chunks and every block size', () => {
  const cases = [
    { done: 0, items: 1000, chunkItems: 100, batch: 32 },
    { done: 300, items: 1001, chunkItems: 100, batch: 32 },
    { done: 0, items: 97, chunkItems: 1000, batch: 7 },
    { done: 5, items: 64, chunkItems: 3, batch: 1 },
    { done: 0, items: 513, chunkItems: 28, batch: 64 },
  ];
  for (const c of cases) {
    const expected = loopBatches(c.done, c.items, c.chunkItems, c.batch);
    assert.equal(expected.reduce((s, [, n]) => s + n, 0), c.items - c.done);
    for (const blockItems of [1, c.batch, c.batch + 1, 3 * c.batch, 100, 10_000]) {
      assert.deepEqual(blockBatches(c.done, c.items, c.chunkItems, c.batch, blockItems), expected, `${JSON.stringify(c)}, blocks of ${blockItems}`);
    }
  }
});

test('a block holds about 2^20 values and at least one batch', () => {
  assert.equal(blockItemsFor(784, 64), Math.floor(2 ** 20 / 784));
  assert.equal(blockItemsFor(3 * 224 * 224, 1), 6);
  assert.equal(blockItemsFor(2 ** 22, 4), 4);
});

test('inline blocks reuse two buffers in turn: each block holds its stimuli until the one after next is prepared', async () => {
  // The harvest asks for block k+1 while block k's last batch may still run on onnxruntime, which reads it in place.
  const source = await openStimulusSource({ kind: 'noise', distribution: 'gaussian', count: 23, itemShape: [3, 4, 4], seed: 3, mean: 0, std: 1 });
  const size = 48;
  const whole = await source.batch(0, 23);
  const feed = inlineBlocks(source, 2, blockSchedule(0, 21, 10, 3, 6)); // a shard's offset of 2: items 2..22
  const got: { start: number; count: number; data: Float32Array }[] = [];
  for (let b = await feed.next(); b; b = await feed.next()) {
    const prev = got.at(-1);
    if (prev) assert.deepEqual(prev.data, whole.subarray((2 + prev.start) * size, (2 + prev.start + prev.count) * size), `block ${prev.start} intact after the next one`);
    got.push({ ...b.block, data: b.data });
    assert.deepEqual(b.data, whole.subarray((2 + b.block.start) * size, (2 + b.block.start + b.block.count) * size), `block ${b.block.start}`);
  }
  assert.deepEqual(got.map((b) => [b.start, b.count]), [[0, 6], [6, 4], [10, 6], [16, 4], [20, 1]]);
  assert.equal(got[2]!.data.buffer, got[0]!.data.buffer, 'block 2 reuses block 0’s buffer');
  assert.notEqual(got[1]!.data.buffer, got[0]!.data.buffer);
});
