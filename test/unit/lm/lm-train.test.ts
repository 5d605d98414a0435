// The language model's training loop (main/lm/train.ts) on the lab's engine: it learns (a periodic text ends up
// predicted better than by its own unigram statistics), and a run stopped at a checkpoint and resumed ends with the
// same weights, bit for bit, as a run that never stopped (batches and the schedule depend only on seed and step).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { byteCounts, unigramBitsPerByte } from '../../../main/lm/corpus';
import { evalBitsPerByte } from '../../../main/lm/evaluate';
import { inferenceModel } from '../../../main/lm/model';
import { DEFAULT_TRAIN, learningRate, trainLm, type LmTrainOptions } from '../../../main/lm/train';

const dir = mkdtempSync(join(tmpdir(), 'cajal-lm-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const text = Buffer.from('the cat sat on the mat; the dog sat on the log. '.repeat(120));
const base: LmTrainOptions = { ...DEFAULT_TRAIN, steps: 6, batch: 2, warmup: 1, lrMax: 1e-2, checkpointEvery: 100 };

test('training lowers the loss below the unigram model of the text it learns', async () => {
  const r = await trainLm(text, { ...base, steps: 40, batch: 4 });
  const session = await ort.InferenceSession.create(inferenceModel(r.weights));
  const { bitsPerByte } = await evalBitsPerByte(session, text.subarray(0, 2048), 128);
  await session.release();
  const unigram = unigramBitsPerByte(byteCounts(text), text.subarray(0, 2048));
  console.log(`after 40 steps: ${bitsPerByte.toFixed(3)} bits/byte (unigram ${unigram.toFixed(3)}; untrained ≈ 8)`);
  assert.ok(bitsPerByte < unigram - 0.5, `${bitsPerByte} vs unigram ${unigram}`);
});

test('a run stopped at a checkpoint and resumed matches an uninterrupted run exactly', async () => {
  const straight = await trainLm(text, { ...base, checkpointPath: join(dir, 'a.ckpt') });
  let steps = 0;
  const stopped = await trainLm(text, { ...base, checkpointPath: join(dir, 'b.ckpt'), shouldStop: () => ++steps === 3 });
  assert.equal(stopped.steps, 3);
  const lines: string[] = [];
  const resumed = await trainLm(text, { ...base, checkpointPath: join(dir, 'b.ckpt'), log: (l) => lines.push(l) });
  assert.ok(lines.includes('resumed from step 3'), lines.join('\n'));
  assert.equal(resumed.steps, 6);
  for (const [name, w] of Object.entries(straight.weights)) assert.deepEqual(resumed.weights[name], w, name);
  assert.notDeepEqual(stopped.weights.w1, straight.weights.w1);
});

test('the learning rate warms up linearly, then decays by a cosine to its floor', () => {
  const o = { ...DEFAULT_TRAIN, steps: 1000, warmup: 100, lrMax: 1, lrFloor: 0.1 };
  assert.ok(Math.abs(learningRate(0, o) - 0.01) < 1e-3);
  assert.ok(learningRate(99, o) > 0.97);
  assert.ok(Math.abs(learningRate(500, o) - 0.55) < 1e-9);
  assert.ok(Math.abs(learningRate(1000, o) - 0.1) < 1e-12);
});
