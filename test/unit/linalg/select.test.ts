// linalg/select.ts: BatchTopK's selection of the K largest of B·m codes, against a reference that sorts every value
// (greatest first, the lower index first among equals, as ONNX TopK keeps them) and against onnxruntime's own TopK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { topKFlatIndices } from '../../../main/linalg/select';
import { GraphBuilder } from '../../../main/onnx/builder';
import { Rng } from '../../../main/util/random';

function reference(values: Float32Array, K: number): number[] {
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b);
  return order.slice(0, K).sort((a, b) => a - b);
}

function select(values: Float32Array, K: number): number[] {
  const out = new BigInt64Array(K);
  topKFlatIndices(values, K, out);
  return Array.from(out, Number);
}

test('the K largest, ascending, for Gaussian codes of many sizes and K', () => {
  const rng = new Rng(5);
  for (const [n, K] of [[1, 1], [7, 3], [300, 1], [8192, 256], [40000, 1000], [65536, 65536], [100003, 4096]] as const) {
    const v = new Float32Array(n);
    rng.fillNormal(v);
    assert.deepEqual(select(v, K), reference(v, K), `n = ${n}, K = ${K}`);
  }
});

test('ties at the cut go to the lower indices; negatives, zeros of both signs and a negative cut are ordered as floats', () => {
  const rng = new Rng(6);
  const v = new Float32Array(20000).map(() => Math.round(rng.normal() * 2) / 2); // a few levels, many ties
  for (const K of [1, 17, 5000, 12345, 19999]) assert.deepEqual(select(v, K), reference(v, K), `K = ${K}`);
  const zeros = Float32Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -1));
  assert.deepEqual(select(zeros, 700), reference(zeros, 700));
  const negative = new Float32Array(5000).map(() => -1 - rng.float());
  assert.deepEqual(select(negative, 2500), reference(negative, 2500));
});

test('a sample that misses the largest values lowers its threshold until K pass', () => {
  // Every 251st value (the strided sample) is the largest, so the first threshold lets too few through.
  const v = Float32Array.from({ length: 50200 }, (_, i) => (i % 251 === 0 ? 10 : (i % 97) / 97));
  for (const K of [150, 2000, 30000]) assert.deepEqual(select(v, K), reference(v, K), `K = ${K}`);
});

test('NaN is never kept; too few numbers to keep K is refused in one sentence', () => {
  const v = new Float32Array(1000).fill(1);
  v[10] = NaN;
  v[600] = 2;
  assert.deepEqual(select(v, 999), Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 10));
  assert.deepEqual(select(v, 1), [600]);
  assert.throws(() => select(v, 1000), /only 999 of the 1000 values are numbers/);
});

test('the same set as onnxruntime TopK over one row of B·m codes', async () => {
  const n = 64 * 512;
  const K = 8 * 64;
  const b = new GraphBuilder({ name: 'topk', opset: 17 });
  b.input('x', 'float32', [1, n]);
  const [, idx] = b.node('TopK', ['x', b.int64s([K])], 2, { axis: 1, largest: 1, sorted: 0 });
  b.op('Identity', [idx!], {}, { output: 'idx' });
  b.output('idx', 'int64', [1, K]);
  const session = await ort.InferenceSession.create(b.toBytes(), { intraOpNumThreads: 1 });
  try {
    const v = new Float32Array(n);
    new Rng(7).fillNormal(v);
    const out = await session.run({ x: new ort.Tensor('float32', v, [1, n]) });
    const ortSet = Array.from(out.idx!.data as BigInt64Array, Number).sort((a, c) => a - c);
    assert.deepEqual(select(v, K), ortSet);
  } finally {
    await session.release();
  }
});
