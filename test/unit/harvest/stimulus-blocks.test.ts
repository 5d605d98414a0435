// Blocks of stimuli (#14, harvest/stimulus-blocks.ts) cut into batches must give exactly the batches the harvest
// loop always ran — full batches from each chunk's start, the last one of a chunk (and of the harvest) short — or
// a model's outputs (and so the stored rows) could change with the block size; and no block may cross a chunk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockItemsFor, blockSchedule } from '../../../main/harvest/stimulus-blocks';

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
