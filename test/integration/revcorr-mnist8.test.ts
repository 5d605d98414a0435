// Acceptance (#11) on a real network: the first conv layer of mnist-8 is linear up to its ReLU, so the receptive
// field of each channel at the centre position is its 5×5 kernel, placed where the graph's geometry (kernel,
// padding) puts it in the 28×28 input. The STA of every channel over white noise must correlate with that
// placed kernel at r ≥ 0.9, over the whole 28×28 image (so noise off the field counts against it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cropBox, tensorGeometry } from '../../main/analyses/receptive-field';
import { createRouter } from '../../main/api/router';
import { parseModel } from '../../main/onnx/model';
import { tensorProtoDims, tensorProtoToFloat32 } from '../../main/onnx/tensor-proto';
import type { GraphProto, NodeProto } from '../../main/onnx/proto';
import { Lab } from '../../main/services/lab';
import { fixture, tempDir } from '../helpers/fixtures';
import { corr, harvest, revcorr } from './revcorr-helpers';

const dir = tempDir('cajal-revcorr-mnist8-');
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const modelPath = fixture('models/mnist-8.onnx');
let harvestId = 0;

before(async () => {
  lab.openProject({ path: join(dir, 'mnist8.cajal'), create: true });
  const noise = { kind: 'noise', distribution: 'gaussian', count: 20000, itemShape: [1, 28, 28], seed: 3, mean: 0, std: 1 };
  [harvestId] = await harvest(lab, router, modelPath, ['ReLU32_Output_0'], noise, 'centre');
});
after(() => lab.shutdown());

test('mnist-8 first conv layer: the STA of every channel (centre position, white noise) is its kernel, r ≥ 0.9', async () => {
  const model = parseModel(readFileSync(modelPath), 'mnist-8');
  const graph = model.graph as GraphProto;
  const conv = (graph.node ?? []).find((n: NodeProto) => n.output?.[0] === 'Convolution28_Output_0')!;
  const w = (graph.initializer ?? []).find((t) => t.name === conv.input![1])!;
  assert.deepEqual(tensorProtoDims(w), [8, 1, 5, 5]);
  const kernels = tensorProtoToFloat32(w);
  const geom = tensorGeometry(model, 'Convolution28_Output_0', [28, 28]);
  const [y0, x0, y1, x1] = cropBox(geom, [28, 28], [28, 28], 14, 14);
  assert.deepEqual([y1 - y0, x1 - x0], [5, 5], 'the centre field lies inside the image');
  const got = await revcorr(lab, router, { harvestId, units: [0, 1, 2, 3, 4, 5, 6, 7], estimator: 'sta', transform: { kind: 'rectified' }, nulls: 0 });
  const rs: number[] = [];
  for (let c = 0; c < 8; c++) {
    const placed = new Float32Array(784);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) placed[(y0 + i) * 28 + (x0 + j)] = kernels[c * 25 + i * 5 + j]!;
    rs.push(corr(got.results[c]!.filter, placed));
  }
  console.log(`mnist-8 conv1 STA vs kernel r per channel: ${rs.map((r) => r.toFixed(3)).join(' ')}`);
  assert.ok(rs.every((r) => r >= 0.9), `r = ${rs}`);
});
