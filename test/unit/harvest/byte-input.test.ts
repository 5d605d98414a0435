// Stimuli fed as bytes (#14, harvest/byte-input.ts): the graph's Cast gives the model the very float32 values a float
// feed gives it, so every tensor — the input layer itself included — comes out bit for bit the same; only sources whose
// table is the identity (pixels 0..255) offer it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ByteFeedRing, byteInputGraph, byteInputName, isIdentityTable, usesByteInput } from '../../../main/harvest/byte-input';
import { batchFeeds, planFeeds } from '../../../main/harvest/feeds';
import { parseModel, serializeModel } from '../../../main/onnx/model';
import { inspectModel } from '../../../main/onnx/inspect';
import { createSession } from '../../../main/onnx/session';
import { tapModel } from '../../../main/onnx/tap';
import { openMnistSource } from '../../../main/stimuli/mnist';
import { defaultRecipeForInput } from '../../../main/stimuli/recipe';
import { fixtureModels, repoRoot } from '../../helpers/fixtures';

const MLP = join(repoRoot, 'resources/models/mnist-mlp.onnx');

async function sameOutputs(modelPath: string, taps: string[], batch: number, count: number): Promise<void> {
  const bytes = readFileSync(modelPath);
  const info = await inspectModel(bytes);
  const input = info.inputs[0]!;
  const recipe = { ...defaultRecipeForInput(input.shape ?? [], 'float32', input.name), scale: 1 };
  const source = await openMnistSource({ kind: 'mnist', offset: 100, count, recipe });
  assert.ok(source.byteStimuli && isIdentityTable(source.byteStimuli.table), 'MNIST at pixels 0..255 offers its bytes');
  const plan = planFeeds(info.inputs, source.itemShape);
  assert.ok(usesByteInput({ stimulusBytes: true }, source, plan));
  assert.ok(!usesByteInput({}, source, plan), 'a harvest begun before byte feeds keeps float feeds');
  const tapped = tapModel(parseModel(bytes, modelPath), taps);
  const floatSession = await createSession(serializeModel(tapped));
  const byteSession = await createSession(serializeModel(byteInputGraph(tapped, plan.stimulusInput)));
  assert.deepEqual(byteSession.inputNames, [byteInputName(plan.stimulusInput)]);
  const ring = new ByteFeedRing(plan, source.byteStimuli);
  const n = plan.fixedBatch ?? batch;
  for (let at = 0; at < count; at += n) {
    const k = Math.min(n, count - at);
    const floats = await floatSession.run(batchFeeds(plan, await source.batch(at, k), k), taps);
    const fed = ring.feeds(at, k);
    assert.equal((fed[byteInputName(plan.stimulusInput)] as ort.Tensor).type, 'uint8');
    const viaBytes = await byteSession.run(fed, taps);
    for (const t of taps) {
      assert.deepEqual(viaBytes[t]!.dims, floats[t]!.dims);
      // deepEqual on Float32Arrays compares every value exactly (NaN-safe, no tolerance).
      assert.deepEqual(viaBytes[t]!.data, floats[t]!.data, `${t} at items ${at}..${at + k - 1}`);
    }
  }
  await floatSession.release();
  await byteSession.release();
}

test('the bundled MLP fed bytes gives the float feed\'s input layer, hidden layers and logits bit for bit, batch after batch', async () => {
  // 50 digits in batches of 16: the last batch short, both rings' slots used in turn.
  await sameOutputs(MLP, ['pixels', 'hidden1', 'hidden2', 'logits'], 16, 50);
});

test('mnist-8 (batch fixed at 1) fed bytes gives the float feed\'s tensors bit for bit', async () => {
  await sameOutputs(fixtureModels.mnist8(), ['Input3', 'ReLU114_Output_0', 'Plus214_Output_0'], 1, 6);
});

test('only the identity table is fed as bytes: pixels 0..1, a mean or an RGB recipe keep float feeds', async () => {
  const info = await inspectModel(readFileSync(MLP));
  const grey = defaultRecipeForInput(info.inputs[0]!.shape ?? [], 'float32', 'pixels');
  const unit = await openMnistSource({ kind: 'mnist', offset: 0, count: 4, recipe: grey }); // scale 1/255
  assert.ok(unit.byteStimuli, 'a grey 28×28 recipe reads a table');
  assert.ok(!isIdentityTable(unit.byteStimuli.table));
  assert.ok(!usesByteInput({ stimulusBytes: true }, unit, planFeeds(info.inputs, unit.itemShape)));
  const centred = await openMnistSource({ kind: 'mnist', offset: 0, count: 4, recipe: { ...grey, scale: 1, mean: [0.5] } });
  assert.ok(!isIdentityTable(centred.byteStimuli!.table));
  const rgb = await openMnistSource({ kind: 'mnist', offset: 0, count: 4, recipe: { ...grey, scale: 1, channels: 3, mean: [0, 0, 0], std: [1, 1, 1] } });
  assert.equal(rgb.byteStimuli, undefined, 'three tables (one per channel) are not one byte per value');
  const resized = await openMnistSource({ kind: 'mnist', offset: 0, count: 4, recipe: { ...grey, scale: 1, width: 32, height: 32 } });
  assert.equal(resized.byteStimuli, undefined, 'a resampled digit is not its bytes');
  // The bytes are the digits in the source's order: through the identity table they are batch()'s values.
  const raw = await openMnistSource({ kind: 'mnist', offset: 7, count: 4, recipe: { ...grey, scale: 1 } });
  assert.deepEqual(Float32Array.from(raw.byteStimuli!.bytes(1, 3)), await raw.batch(1, 3));
  assert.throws(() => raw.byteStimuli!.bytes(2, 3), /range|items|outside|beyond/i);
});
