// Issue #8 item 3, as the app asks for it: models.get lists the tensors inside If branches with their path, and
// harvests.start records a conv map inside the branch that runs, at every position. The model is built here:
//   y = If(mode == 1, then: mean(relu(conv3×3(x))), else: mean(x))   with x [N, 1, 6, 6] and `mode` an int64 scalar.
// The reference is the same conv and relu built without the If and run by onnxruntime on the stored stimuli.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { createRouter } from '../../main/api/router';
import { attr, GraphBuilder } from '../../main/onnx/builder';
import { Lab } from '../../main/services/lab';
import { openNoiseSource } from '../../main/stimuli/noise';
import type { NoiseSpec } from '../../main/stimuli/types';
import { streamChunks } from '../../main/store/activations';
import { tempDir } from '../helpers/fixtures';

const W = Float32Array.from({ length: 2 * 9 }, (_, i) => Math.sin(1.3 * i + 0.2));

function convIfModel(): Uint8Array {
  const b = new GraphBuilder({ name: 'conv-if' });
  b.input('x', 'float32', ['N', 1, 6, 6]);
  b.input('mode', 'int64', []);
  const cond = b.op('Equal', ['mode', b.constant(BigInt64Array.of(1n), [], 'int64', 'one')], {}, { output: 'use_conv' });
  const then = new GraphBuilder({ name: 'conv', outerScope: ['x'] });
  const relu = then.op('Relu', [then.op('Conv', ['x', then.initializer('conv_w', W, [2, 1, 3, 3])], {}, { output: 'conv_out' })], {}, { output: 'conv_relu' });
  then.output(then.reduce('ReduceMean', relu, [2, 3], false, 'conv_mean'), 'float32', ['N', 2]);
  const other = new GraphBuilder({ name: 'plain', outerScope: ['x'] });
  other.output(other.op('Concat', [other.reduce('ReduceMean', 'x', [2, 3], false, 'x_mean'), 'x_mean'], { axis: 1 }, { output: 'x_twice' }), 'float32', ['N', 2]);
  b.output(b.op('If', [cond], { then_branch: attr.graph(then), else_branch: attr.graph(other) }, { output: 'y', name: 'conv_gate' }), 'float32', ['N', 2]);
  return b.toBytes();
}

/** relu(conv(x)) from a model without the If, run by onnxruntime: [n, 2, 4, 4]. */
async function reference(x: Float32Array, n: number): Promise<Float32Array> {
  const b = new GraphBuilder({ name: 'conv-only' });
  b.input('x', 'float32', ['N', 1, 6, 6]);
  b.output(b.relu(b.op('Conv', ['x', b.initializer('w', W, [2, 1, 3, 3])]), 'r'), 'float32', null);
  const session = await ort.InferenceSession.create(b.toBytes());
  const out = await session.run({ x: new ort.Tensor('float32', x, [n, 1, 6, 6]) });
  await session.release();
  return out.r!.data as Float32Array;
}

const dir = tempDir();
const modelPath = join(dir, 'conv-if.onnx');
writeFileSync(modelPath, convIfModel());
const lab = new Lab(() => undefined);
after(() => lab.shutdown());
lab.openProject({ path: join(dir, 'app.cajal'), create: true });
const router = createRouter(lab, 'direct');

test('models.get lists branch tensors with their path; harvests.start records one at every position', async () => {
  const model = await lab.openModel({ path: modelPath });
  const detail = lab.getModel(model.id);
  assert.deepEqual(
    (detail.subgraphTensors ?? []).filter((t) => t.op !== 'Constant').map((t) => [...t.path, t.name].join(' → ')),
    ['If conv_gate → then_branch → conv_out', 'If conv_gate → then_branch → conv_relu', 'If conv_gate → then_branch → conv_mean', 'If conv_gate → else_branch → x_mean', 'If conv_gate → else_branch → x_twice'],
  );
  const spec: NoiseSpec = { kind: 'noise', distribution: 'gaussian', count: 9, itemShape: [1, 6, 6], seed: 5, mean: 0, std: 1 };
  const set = await lab.createStimulusSet({ spec });
  const started = (await router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['conv_relu'], positions: 'all', batchSize: 4, inputs: { mode: '1' } })) as { jobId: number; harvestIds: number[] };
  const job = await lab.jobs.wait(started.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const h = lab.listHarvests().find((x) => x.id === started.harvestIds[0])!;
  assert.deepEqual([h.tensorShape, h.dim, h.rowsDone], [[2, 4, 4], 2, 9 * 16]);
  assert.deepEqual(h.branches, [{ node: 'conv_gate', branch: 'then_branch', cond: 'use_conv', value: true }]);

  // Rows are (stimulus, y, x) with the channels as units; the reference is [n, channel, y, x].
  // From the stored spec, which names the noise generator the set was made with.
  const want = await reference(await openNoiseSource(set.spec as NoiseSpec).batch(0, 9), 9);
  const got = Float32Array.from([...streamChunks(lab.database, h.id)].flatMap((c) => [...c.data]));
  assert.equal(got.length, want.length);
  for (let s = 0; s < 9; s++) {
    for (let p = 0; p < 16; p++) {
      for (let ch = 0; ch < 2; ch++) {
        const g = got[(s * 16 + p) * 2 + ch]!;
        const w = want[s * 32 + ch * 16 + p]!;
        assert.ok(Math.abs(g - w) < 1e-5, `stimulus ${s} position ${p} channel ${ch}: ${g} vs ${w}`);
      }
    }
  }

  // mode=0 runs the other branch: the conv map is never computed, said in one sentence before anything is written.
  const before = lab.listHarvests().length;
  await assert.rejects(
    router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['conv_relu'], positions: 'all', inputs: { mode: '0' } }),
    /Tensor conv_relu is in the then_branch of If conv_gate \(If conv_gate → then_branch → conv_relu\), which does not run for these inputs \(its condition use_conv is false\), so it is never computed\./,
  );
  assert.equal(lab.listHarvests().length, before);
});
