// Issue #8 item 1: a tensor whose shape follows a free input dim. The model is a small text recogniser built here:
// images [N, 1, 8, W] (W free) → Conv 8×3 (4 channels, no padding) → [N, 4, 1, W−2] → Squeeze → Transpose → a
// sequence [N, W−2, 4] whose length follows the image width. The inspection cannot know that shape (its probe on
// W = 1 fails inside the Conv), so harvests.start used to refuse; now the shape is measured on the first batch of
// the stimuli, stored with the harvest, and every position is recorded exactly as onnxruntime computes it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { createRouter } from '../../main/api/router';
import { GraphBuilder } from '../../main/onnx/builder';
import { Lab } from '../../main/services/lab';
import { openNoiseSource } from '../../main/stimuli/noise';
import type { NoiseSpec } from '../../main/stimuli/types';
import { streamChunks } from '../../main/store/activations';
import { runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const C = 4;

function recogniser(seqAsOutput: boolean): Uint8Array {
  const b = new GraphBuilder({ name: 'dynamic-width' });
  const x = b.input('image', 'float32', ['N', 1, 8, 'W']);
  const w = Float32Array.from({ length: C * 8 * 3 }, (_, i) => Math.sin(1.7 * i + 0.3));
  const conv = b.op('Conv', [x, b.initializer('conv_w', w, [C, 1, 8, 3]), b.initializer('conv_b', Float32Array.of(0.1, -0.2, 0.3, 0), [C])], {}, { output: 'conv' });
  const squeezed = b.op('Squeeze', [conv, b.constant(BigInt64Array.of(2n), [1], 'int64')], {}, { output: 'squeezed' });
  const seq = b.transpose(b.relu(squeezed, 'relu'), [0, 2, 1], 'seq');
  const logits = b.reduce('ReduceMean', seq, [1], false, 'logits');
  b.output(logits, 'float32', ['N', C]);
  if (seqAsOutput) b.output(seq, 'float32', null);
  return b.toBytes();
}

const dir = tempDir();
const modelPath = join(dir, 'recogniser.onnx');
writeFileSync(modelPath, recogniser(false));
const lab = new Lab(() => undefined);
after(() => lab.shutdown());
lab.openProject({ path: join(dir, 'dyn.cajal'), create: true });
const router = createRouter(lab, 'direct');

const spec = (width: number, count: number): NoiseSpec => ({ kind: 'noise', distribution: 'gaussian', count, itemShape: [1, 8, width], seed: 3, mean: 0, std: 1 });

/** The sequence as onnxruntime computes it, from the same model with `seq` declared as an output. */
async function reference(s: NoiseSpec): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(recogniser(true));
  const stimuli = await openNoiseSource(s).batch(0, s.count);
  const out = await session.run({ image: new ort.Tensor('float32', stimuli, [s.count, ...s.itemShape]) }, ['seq']);
  await session.release();
  return { data: out.seq!.data as Float32Array, dims: [...out.seq!.dims] };
}

function recorded(harvestId: number): Float32Array {
  const parts = [...streamChunks(lab.database, harvestId)].map((c) => c.data);
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

test('the inspection cannot know the sequence shape', async () => {
  const model = await lab.openModel({ path: modelPath });
  const seq = model.tensors.find((t) => t.name === 'seq')!;
  assert.notEqual(seq.shapeSource, 'declared');
  assert.ok(seq.shape === null || !seq.shape.slice(1).every((d) => typeof d === 'number'), JSON.stringify(seq.shape));
});

test('harvests.start measures [W−2, 4] on the stimuli and records every position, the centre and the mean', async () => {
  const model = await lab.openModel({ path: modelPath });
  const s = spec(21, 10);
  const set = await lab.createStimulusSet({ spec: s });
  // The stored spec (it names the noise generator the set was made with) is what the harvest regenerates.
  const ref = await reference(set.spec as NoiseSpec);
  assert.deepEqual(ref.dims, [10, 19, C]);
  for (const positions of ['all', 'centre', 'mean'] as const) {
    const started = (await router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['seq'], positions, batchSize: 4 })) as { jobId: number; harvestIds: number[] };
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'done', job.error ?? '');
    const h = lab.listHarvests().find((x) => x.id === started.harvestIds[0])!;
    assert.deepEqual(h.tensorShape, [19, C], 'the measured shape is stored with the harvest');
    assert.equal(h.dim, C);
    const rows = recorded(h.id);
    if (positions === 'all') {
      assert.equal(h.rowsDone, 10 * 19);
      assert.deepEqual(rows, ref.data);
    } else {
      assert.equal(h.rowsDone, 10);
      for (let n = 0; n < 10; n++) {
        for (let c = 0; c < C; c++) {
          const at = (t: number) => ref.data[(n * 19 + t) * C + c]!;
          let mean = 0;
          for (let t = 0; t < 19; t++) mean += at(t) / 19;
          const want = positions === 'centre' ? at(9) : mean;
          assert.ok(Math.abs(rows[n * C + c]! - want) < 1e-5, `${positions} item ${n} channel ${c}: ${rows[n * C + c]} vs ${want}`);
        }
      }
    }
  }
});

test('another width gives another stored shape', async () => {
  const model = await lab.openModel({ path: modelPath });
  const s = spec(7, 3);
  const set = await lab.createStimulusSet({ spec: s });
  const started = (await router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['seq'], positions: 'all' })) as { jobId: number; harvestIds: number[] };
  assert.equal((await lab.jobs.wait(started.jobId)).status, 'done');
  const h = lab.listHarvests().find((x) => x.id === started.harvestIds[0])!;
  assert.deepEqual(h.tensorShape, [5, C]);
  assert.deepEqual(recorded(h.id), (await reference(set.spec as NoiseSpec)).data);
});

test('a width the Conv cannot take is refused in one sentence, and no harvest is written', async () => {
  const model = await lab.openModel({ path: modelPath });
  const set = await lab.createStimulusSet({ spec: spec(2, 3) });
  const before = lab.listHarvests().length;
  await assert.rejects(
    router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['seq'], positions: 'all' }),
    (e: Error) => {
      assert.match(e.message, /^The shape of tensor seq is not known from the model, and running it on the first 3 stimuli failed \([^()]+\), so it cannot be recorded\.$/);
      assert.doesNotMatch(e.message, /\n|\.cc:|ONNXRuntimeError/);
      return true;
    },
  );
  assert.equal(lab.listHarvests().length, before);
});

test('cajal harvest records it too, with noise of the width given by --item-shape', async () => {
  const project = join(dir, 'cli.cajal');
  // In this process (the same command as `cajal harvest`): a success read from its JSON.
  const r = await runCliInProcess(['harvest', '--project', project, '--model', modelPath, '--tensor', 'seq', '--stimuli', 'noise:white:6', '--item-shape', '1,8,12', '--positions', 'all', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const h = (JSON.parse(r.stdout) as { harvests: { rows: number; dim: number; tensorShape: number[] }[] }).harvests[0]!;
  assert.deepEqual([h.rows, h.dim, h.tensorShape], [6 * 10, C, [10, C]]);
});
