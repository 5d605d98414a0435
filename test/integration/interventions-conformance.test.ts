// The Intervention conformance suite (#10; one interface per kind, as Basis has): every implementation, on a conv map
// (CIFAR CNN, 12 channels × 8 × 8) and on a dense layer (the bundled MLP), through the real fused lesion graph —
// describes itself as JSON that names its kind; gives the same parameters twice; gives a keep-mask of one stimulus's
// size and an additive term of one stimulus's size or N of them; in one batch with every other kind (terms per set
// and per stimulus mixed) equals its own run; and changes the output (the identity leaves it alone).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { basisFactory } from '../../main/bases/index';
import { memoryStream } from '../../main/bases/stream';
import { Clamp, MeanAblation, NoIntervention, ProjectOut, Steer, ZeroAblation } from '../../main/lesions/interventions';
import { BasisView, LatentEdit, ResampleUnits, Splice } from '../../main/lesions/latent';
import { LesionRunner, type Values } from '../../main/lesions/run';
import type { Intervention } from '../../main/lesions/types';
import { parseModel } from '../../main/onnx/model';
import { Rng } from '../../main/util/random';
import { fixture } from '../helpers/fixtures';

function stimuli(dims: number[], seed: number): Values {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.float()), dims };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const layers = [
  { name: 'CIFAR CNN conv map', file: fixture('models/cifar10-cnn.onnx'), input: 'modelInput', dims: [6, 3, 32, 32], tensor: '36' },
  { name: 'MLP dense layer', file: 'resources/models/mnist-mlp.onnx', input: 'pixels', dims: [6, 1, 28, 28], tensor: 'hidden1' },
];

for (const l of layers) {
  test(`every Intervention conforms on the ${l.name}`, { timeout: 120_000 }, async () => {
    const runner = await LesionRunner.open(parseModel(readFileSync(l.file), l.file), l.tensor);
    const { values, clean } = await runner.layerValues({ [l.input]: stimuli(l.dims, 3) });
    const n = values.dims[0]!;
    const unitShape = values.dims.slice(1);
    const c = unitShape[0]!;
    const size = values.data.length / n;
    const per = size / c;
    // A PCA of the layer's channel vectors (every position), fitted here, for the latent edits and splicing.
    const rows = new Float32Array(n * per * c);
    for (let i = 0; i < n; i++) for (let p = 0; p < per; p++) for (let u = 0; u < c; u++) rows[(i * per + p) * c + u] = values.data[i * size + u * per + p]!;
    const pca = basisFactory('pca').create({ nFeatures: Math.min(4, c) }, 0, c);
    await pca.fit(memoryStream(rows, c), { progress: () => undefined, throwIfCancelled: () => undefined });
    const view = await BasisView.open(pca, values, 'all', 'PCA');
    const mean = new Float32Array(size);
    for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) mean[j]! += values.data[i * size + j]! / n;
    // The most active units, so every unit lesion must change something (some units of the MLP are dead here).
    const activity = Array.from({ length: c }, (_, u) => {
      let sum = 0;
      for (let i = 0; i < n; i++) for (let p = 0; p < per; p++) sum += Math.abs(values.data[i * size + u * per + p]!);
      return sum;
    });
    const [u0, u1, u2, u3] = activity.map((a, u) => [a, u] as const).sort((x, y) => y[0] - x[0]).map(([, u]) => u) as [number, number, number, number];
    const dir = Float32Array.from({ length: c }, (_, i) => Math.sin(i + 1));
    const kinds: Intervention[] = [
      new NoIntervention(),
      new ZeroAblation([u0, u1]),
      new MeanAblation([u2], mean),
      new Clamp([u3], 5, 'centre'),
      new Steer(dir, 2),
      new ProjectOut([dir]),
      new ResampleUnits([u0, u1, u2, u3], 9),
      new LatentEdit(view, [0], { kind: 'zero' }),
      new LatentEdit(view, [1], { kind: 'clamp', value: 3 }),
      new LatentEdit(view, [0, 1], { kind: 'resample', seed: 4 }),
      new Splice(view),
    ];
    const layer = { unitShape };
    for (const k of kinds) {
      const d = k.describe();
      assert.equal(typeof d.kind, 'string');
      assert.deepEqual(JSON.parse(JSON.stringify(d)), d, `${k.kind}: describe() is plain JSON`);
      const a = await k.params(layer, values);
      const b = await k.params(layer, values);
      assert.deepEqual(a, b, `${k.kind}: deterministic`);
      assert.equal(a.keep.length, size, `${k.kind}: keep`);
      assert.ok(a.add.length === size || a.add.length === n * size, `${k.kind}: add has ${a.add.length}`);
      if (a.projector) assert.equal(a.projector.length, c * c);
    }
    const together = await runner.evaluateLesionSets(values, kinds);
    for (let i = 0; i < kinds.length; i++) {
      const [alone] = await runner.evaluateLesionSets(values, [kinds[i]!]);
      for (const name of runner.outputNames) {
        assert.ok(maxAbsDiff(together[i]!.outputs[name]!.data, alone!.outputs[name]!.data) <= 1e-4, `${kinds[i]!.kind} #${i}: batched ≠ alone on ${name}`);
      }
      const changed = maxAbsDiff(together[i]!.outputs[runner.outputNames[0]!]!.data, clean[runner.outputNames[0]!]!.data);
      // Splicing a 4-component PCA of a 4+-channel layer is the identity only where the PCA is complete.
      if (kinds[i]!.kind === 'none' || (kinds[i]!.kind === 'splice' && c <= 4)) assert.ok(changed <= 1e-4, `${kinds[i]!.kind}: ${changed}`);
      else assert.ok(changed > 1e-5, `${kinds[i]!.kind} #${i} should change the output`);
    }
  });
}
