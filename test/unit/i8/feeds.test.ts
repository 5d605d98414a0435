// Issue #8 item 2: how a harvest feeds a model with several inputs (main/harvest/feeds.ts), on real onnxruntime
// tensors: which input takes the stimuli, each other input's constant in its own dtype with the batch on whichever
// axis the model names it, a padded fixed batch, and one sentence for a value an input cannot take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchFeeds, FeedRing, planFeeds, type ModelInputInfo } from '../../../main/harvest/feeds';

const inputs: ModelInputInfo[] = [
  { name: 'mask', dtype: 'bool', shape: ['batch', 3] },
  { name: 'audio', dtype: 'float32', shape: ['batch', 'sequence'] },
  { name: 'k', dtype: 'int32', shape: [] },
  { name: 'state', dtype: 'float16', shape: [2, 'batch', 2] },
];

test('the first input without a value takes the stimuli; the others take their constants, batch on their own axis', () => {
  const plan = planFeeds(inputs, [5], { mask: 'true', k: '-7', state: '0.5' });
  assert.equal(plan.stimulusInput, 'audio');
  assert.deepEqual(plan.feedShape, [5]);
  const feeds = batchFeeds(plan, Float32Array.from({ length: 15 }, (_, i) => i), 3);
  assert.deepEqual(feeds.audio!.dims, [3, 5]);
  assert.deepEqual([...(feeds.audio!.data as Float32Array)].slice(0, 6), [0, 1, 2, 3, 4, 5]);
  assert.equal(feeds.mask!.type, 'bool');
  assert.deepEqual(feeds.mask!.dims, [3, 3]);
  assert.deepEqual([...(feeds.mask!.data as Uint8Array)], Array(9).fill(1));
  assert.equal(feeds.k!.type, 'int32');
  assert.deepEqual(feeds.k!.dims, []);
  assert.deepEqual([...(feeds.k!.data as Int32Array)], [-7]);
  assert.equal(feeds.state!.type, 'float16');
  assert.deepEqual(feeds.state!.dims, [2, 3, 2]);
  assert.deepEqual([...(feeds.state!.data as Uint16Array)], Array(12).fill(0x3800)); // 0.5 in half precision
});

test('a fixed batch is padded with zeros, and its extra inputs follow the padded size', () => {
  const plan = planFeeds([{ name: 'x', dtype: 'float32', shape: [4, 2] }, { name: 'y', dtype: 'int64', shape: [] }], [2], { y: '9007199254740991' });
  const feeds = batchFeeds(plan, Float32Array.of(1, 2), 1);
  assert.deepEqual(feeds.x!.dims, [4, 2]);
  assert.deepEqual([...(feeds.x!.data as Float32Array)], [1, 2, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...(feeds.y!.data as BigInt64Array)], [9007199254740991n], 'an int64 constant stays exact');
});

test('values an input cannot take, and dims Cajal cannot fill, are refused in one sentence', () => {
  const refuses = (values: Record<string, string>, message: RegExp, list = inputs) =>
    assert.throws(() => planFeeds(list, [5], values), (e: Error) => e.name === 'UserError' && message.test(e.message) && !e.message.includes('\n'));
  refuses({ mask: 'maybe', k: '1', state: 'zeros' }, /^The model input mask \(bool \[batch,3\]\) takes true, false or zeros, not "maybe"\.$/);
  refuses({ mask: 'true', k: '1.5', state: 'zeros' }, /^The model input k \(int32 scalar\) takes zeros or a whole number, not "1\.5"\.$/);
  refuses({ mask: 'true', k: '1', state: 'NaN' }, /^The model input state \(float16 \[2,batch,2\]\) takes zeros or a number, not "NaN"\.$/);
  refuses({ mask: 'true', audio: 'zeros', k: '1', state: 'zeros' }, /^Every model input \(mask, audio, k, state\) was given a value, so none is left for the stimuli\.$/);
  refuses({ h: 'zeros' }, /^The model input h \(float32 \[2,layers,4\]\) has a free dim layers besides its batch/, [
    { name: 'x', dtype: 'float32', shape: ['N', 5] },
    { name: 'h', dtype: 'float32', shape: [2, 'layers', 4] },
  ]);
});

test('a FeedRing (#14) gives batchFeeds\' tensors from two kept sets used in turn, padding each short batch with zeros', () => {
  const ring = new FeedRing(planFeeds([{ name: 'x', dtype: 'float16', shape: [3, 2] }, { name: 'k', dtype: 'int32', shape: [] }], [2], { k: '4' }));
  const batch = (...values: number[]) => Float32Array.from(values);
  const a = ring.feeds(batch(1, 2, 3, 4, 5, 6), 3);
  const b = ring.feeds(batch(0.5, -1, 7, 8), 2);
  assert.notEqual(a.x!.data, b.x!.data, 'batch k + 1 never overwrites batch k');
  assert.deepEqual(a.x!.data, batchFeeds(ringPlanF16(), batch(1, 2, 3, 4, 5, 6), 3).x!.data);
  assert.deepEqual(b.x!.data, batchFeeds(ringPlanF16(), batch(0.5, -1, 7, 8), 2).x!.data, 'the padding is zero after a full batch filled the buffer');
  assert.deepEqual([...(b.k!.data as Int32Array)], [4]);
  const c = ring.feeds(batch(9, 9), 1);
  assert.equal(c.x!.data, a.x!.data, 'the third batch reuses the first one\'s tensor');
  assert.deepEqual(c.x!.data, batchFeeds(ringPlanF16(), batch(9, 9), 1).x!.data);

  // float32 batches of a free batch size: their own tensor per size, the values as given
  const free = new FeedRing(planFeeds([{ name: 'x', dtype: 'float32', shape: ['N', 2] }], [2]));
  const d = free.feeds(batch(1, 2, 3, 4), 2);
  const e = free.feeds(batch(5, 6), 1);
  assert.deepEqual(d.x!.dims, [2, 2]);
  assert.deepEqual(e.x!.dims, [1, 2]);
  assert.deepEqual([...(d.x!.data as Float32Array)], [1, 2, 3, 4]);
  assert.deepEqual([...(e.x!.data as Float32Array)], [5, 6]);
});

function ringPlanF16() {
  return planFeeds([{ name: 'x', dtype: 'float16', shape: [3, 2] }, { name: 'k', dtype: 'int32', shape: [] }], [2], { k: '4' });
}
