// The cut run reproduces the model (no intervention), several lesion sets batched in one run equal their own runs,
// and bad cuts / bad parameters are refused with one sentence.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Clamp, MeanAblation, NoIntervention, ProjectOut, Steer, ZeroAblation } from '../../main/lesions/interventions';
import { LesionRunner, type Values } from '../../main/lesions/run';
import { parseModel } from '../../main/onnx/model';
import { fixture } from '../helpers/fixtures';

const fixtures = fixture('models');

function randomStimuli(dims: number[], seed: number): Values {
  let s = seed >>> 0;
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
  return { data, dims };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases = [
  { file: `${fixtures}/mnist-8.onnx`, input: 'Input3', dims: [3, 1, 28, 28], tensor: 'ReLU32_Output_0' },
  { file: `${fixtures}/cifar10-cnn.onnx`, input: 'modelInput', dims: [3, 3, 32, 32], tensor: '36' },
  { file: `${fixtures}/squeezenet1.1-fp16.onnx`, input: 'data_0', dims: [2, 3, 224, 224], tensor: 'fire5/concat_1' },
  { file: 'resources/models/mnist-mlp.onnx', input: 'pixels', dims: [4, 1, 28, 28], tensor: 'hidden1' },
];

for (const c of cases) {
  test(`identity: the cut run equals the uncut model on ${c.file.split('/').pop()}`, async () => {
    const runner = await LesionRunner.open(parseModel(readFileSync(c.file), c.file), c.tensor);
    const { values, clean } = await runner.layerValues({ [c.input]: randomStimuli(c.dims, 7) });
    const direct = await runner.runSuffix(values);
    const [viaEdit] = await runner.evaluateLesionSets(values, [new NoIntervention()]);
    for (const name of runner.outputNames) {
      assert.ok(maxAbsDiff(direct[name]!.data, clean[name]!.data) <= 1e-5, `${name}: suffix differs`);
      assert.ok(maxAbsDiff(viaEdit!.outputs[name]!.data, clean[name]!.data) <= 1e-5, `${name}: edited run differs`);
    }
  });
}

test('several lesion sets batched in one run equal their unbatched runs (conv map and dense layer)', async () => {
  for (const c of [cases[1]!, cases[3]!]) {
    const runner = await LesionRunner.open(parseModel(readFileSync(c.file), c.file), c.tensor);
    const { values, clean: ref } = await runner.layerValues({ [c.input]: randomStimuli(c.dims, 11) });
    const units = values.dims[1]!;
    const size = values.data.length / values.dims[0]!;
    // Lesion the most active units, so each set must change something.
    const per = size / units;
    const activity = Array.from({ length: units }, (_, u) => {
      let sum = 0;
      for (let i = 0; i < values.data.length; i++) if (Math.floor((i % size) / per) === u) sum += Math.abs(values.data[i]!);
      return sum;
    });
    const top = activity.map((a, u) => [a, u] as const).sort((a, b) => b[0] - a[0]).map(([, u]) => u);
    const mean = new Float32Array(size).fill(0.25);
    const dir = new Float32Array(units).map((_, i) => Math.sin(i + 1));
    const sets = [
      new ZeroAblation([top[0]!, top[1]!]),
      new MeanAblation([top[2]!], mean),
      new Clamp([top[3]!], 25, 'centre'),
      new Steer(dir, 1.5),
      new ProjectOut([dir, new Float32Array(units).map((_, i) => Math.cos(i))]),
      new NoIntervention(),
    ];
    const batched = await runner.evaluateLesionSets(values, sets);
    for (let i = 0; i < sets.length; i++) {
      const [alone] = await runner.evaluateLesionSets(values, [sets[i]!]);
      for (const name of runner.outputNames) {
        assert.ok(maxAbsDiff(batched[i]!.outputs[name]!.data, alone!.outputs[name]!.data) <= 1e-5, `set ${i} ${name}`);
      }
      const changed = maxAbsDiff(batched[i]!.outputs[runner.outputNames[0]!]!.data, ref[runner.outputNames[0]!]!.data);
      if (sets[i]!.kind === 'none') assert.ok(changed <= 1e-5);
      else assert.ok(changed > 1e-4, `set ${i} (${sets[i]!.kind}) should change the output`);
    }
  }
});

test('bad input: a graph input, an initializer, an unknown tensor, a wrong-sized steering vector', async () => {
  const file = 'resources/models/mnist-mlp.onnx';
  const model = parseModel(readFileSync(file), file);
  await assert.rejects(LesionRunner.open(model, 'pixels'), /already an input/);
  const init = model.graph!.initializer![0]!.name!;
  await assert.rejects(LesionRunner.open(model, init), /stored weight/);
  await assert.rejects(LesionRunner.open(model, 'hiden1'), /hiden1/);
  const runner = await LesionRunner.open(model, 'hidden1');
  const { values } = await runner.layerValues({ pixels: randomStimuli([2, 1, 28, 28], 3) });
  await assert.rejects(runner.evaluateLesionSets(values, [new Steer(new Float32Array(3), 1)]), /steering vector has 3 values but the layer has \d+ units/);
  await assert.rejects(runner.evaluateLesionSets(values, [new ZeroAblation([100000])]), /Unit 100000 does not exist/);
});
