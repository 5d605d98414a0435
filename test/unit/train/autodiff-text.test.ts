// The transformer rules of main/train/autodiff.ts (#13): embedding lookup, causal softmax and multi-head causal
// attention, layer norm and token cross-entropy, each against central finite differences in float64 graphs run by
// onnxruntime (the gradcheck of test/unit/train/autodiff.test.ts), plus forward values against JS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../main/onnx/builder';
import { Tape, type T } from '../../../main/train/autodiff';
import { gradCheck, type GradCheckInput } from '../../../main/train/gradcheck';
import { Rng } from '../../../main/util/random';

let seedCounter = 100;
function rand(shape: number[], std = 1): GradCheckInput {
  const rng = new Rng(seedCounter++);
  return { data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, std)), shape };
}
const fixed = (shape: number[]): GradCheckInput => ({ ...rand(shape), wrt: false });
const weighted = (tape: Tape, y: T, r: T): T => tape.sumAll(tape.mul(y, r));
const int64 = (tape: Tape, values: number[], dims: number[]) => tape.b.constant(BigInt64Array.from(values, (v) => BigInt(v)), dims, 'int64');

async function check(name: string, inputs: Record<string, GradCheckInput>, build: (tape: Tape, t: Record<string, T>) => T): Promise<void> {
  const results = await gradCheck(inputs, build);
  assert.ok(results.length > 0);
  for (const r of results) {
    assert.ok(r.relError < 1e-6 && r.maxRelError < 1e-5, `${name}: d/d${r.name} relative error ${r.relError.toExponential(2)} (max ${r.maxRelError.toExponential(2)})`);
    assert.ok(r.numeric.some((v) => Math.abs(v) > 1e-6), `${name}: gradient of ${r.name} is trivially zero`);
  }
}

/** Runs a float64 tape graph forward and returns its output `y`. */
async function forward(inputs: Record<string, GradCheckInput>, build: (tape: Tape, t: Record<string, T>) => T): Promise<Float64Array> {
  const b = new GraphBuilder({ name: 'forward', opset: 17 });
  const tape = new Tape(b, 'float64');
  const ts: Record<string, T> = {};
  for (const [name, inp] of Object.entries(inputs)) ts[name] = tape.input(name, inp.shape);
  b.output(b.op('Identity', [build(tape, ts).name], {}, { output: 'y' }), 'float64', null);
  const session = await ort.InferenceSession.create(b.toBytes());
  const feeds = Object.fromEntries(Object.entries(inputs).map(([n, i]) => [n, new ort.Tensor('float64', i.data, [...i.shape])]));
  const out = (await session.run(feeds)).y!.data as Float64Array;
  await session.release();
  return Float64Array.from(out);
}

test('embedding lookup (Gather): gradient scatters onto the looked-up rows, repeated ids summed', async () => {
  const ids = [3, 0, 3, 5, 1, 3, 6, 0];
  await check('embedding', { table: rand([7, 3]), r: fixed([2, 4, 3]) }, (tp, t) => weighted(tp, tp.embedding(t.table!, int64(tp, ids, [2, 4]), [2, 4]), t.r!));
  const table = rand([7, 3]);
  const y = await forward({ table }, (tp, t) => tp.embedding(t.table!, int64(tp, ids, [2, 4]), [2, 4]));
  ids.forEach((id, i) => assert.deepEqual(Array.from(y.subarray(i * 3, i * 3 + 3)), Array.from(table.data.subarray(id * 3, id * 3 + 3))));
  const results = await gradCheck({ table: rand([7, 3]), r: fixed([2, 4, 3]) }, (tp, t) => weighted(tp, tp.embedding(t.table!, int64(tp, ids, [2, 4]), [2, 4]), t.r!));
  // Rows 2 and 4 are never looked up: exactly zero gradient.
  for (const row of [2, 4]) for (let c = 0; c < 3; c++) assert.equal(results[0]!.analytic[row * 3 + c], 0);
});

test('causal softmax: rows sum to 1 over j ≤ i, masked entries 0, gradient matches finite differences', async () => {
  const x = rand([2, 4, 4]);
  const y = await forward({ x }, (tp, t) => tp.causalSoftmax(t.x!));
  for (let m = 0; m < 2; m++) {
    for (let i = 0; i < 4; i++) {
      let sum = 0;
      let z = 0;
      for (let j = 0; j <= i; j++) z += Math.exp(x.data[m * 16 + i * 4 + j]!);
      for (let j = 0; j < 4; j++) {
        const v = y[m * 16 + i * 4 + j]!;
        sum += v;
        if (j > i) assert.equal(v, 0);
        else assert.ok(Math.abs(v - Math.exp(x.data[m * 16 + i * 4 + j]!) / z) < 1e-12);
      }
      assert.ok(Math.abs(sum - 1) < 1e-12);
    }
  }
  await check('causalSoftmax', { x: rand([2, 4, 4]), r: fixed([2, 4, 4]) }, (tp, t) => weighted(tp, tp.causalSoftmax(t.x!), t.r!));
});

test('multi-head causal attention: finite differences, and no gradient from the future', async () => {
  await check('causalAttention', { q: rand([2, 4, 6]), k: rand([2, 4, 6]), v: rand([2, 4, 6]), r: fixed([2, 4, 6]) }, (tp, t) =>
    weighted(tp, tp.causalAttention(t.q!, t.k!, t.v!, 2), t.r!),
  );
  // The output at position 1 reads keys and values at positions 0 and 1 only.
  const results = await gradCheck({ q: rand([1, 4, 6]), k: rand([1, 4, 6]), v: rand([1, 4, 6]), r: fixed([1, 1, 6]) }, (tp, t) => {
    const out = tp.causalAttention(t.q!, t.k!, t.v!, 3);
    const early = tp.reshape(tp.matmul(tp.leaf(tp.b.constant(Float64Array.of(0, 1, 0, 0), [1, 1, 4], 'float64'), [1, 1, 4]), out), [1, 1, 6]);
    return weighted(tp, early, t.r!);
  });
  for (const r of results.filter((x) => x.name === 'k' || x.name === 'v')) {
    for (let i = 12; i < 24; i++) assert.equal(r.analytic[i], 0, `d/d${r.name}[${i}] from a later position`);
    assert.ok(r.analytic.slice(0, 12).some((v) => Math.abs(v) > 1e-6));
  }
});

test('layer norm: normalised rows, and gradients of x, γ and β', async () => {
  const x = rand([3, 5], 2);
  const ones = { data: new Float64Array(5).fill(1), shape: [5] };
  const zeros = { data: new Float64Array(5), shape: [5] };
  const y = await forward({ x, g: ones, b: zeros }, (tp, t) => tp.layerNorm(t.x!, t.g!, t.b!, 1e-5));
  for (let r = 0; r < 3; r++) {
    const row = Array.from(x.data.subarray(r * 5, r * 5 + 5));
    const mu = row.reduce((a, b) => a + b, 0) / 5;
    const sd = Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / 5 + 1e-5);
    row.forEach((v, c) => assert.ok(Math.abs(y[r * 5 + c]! - (v - mu) / sd) < 1e-12));
  }
  await check('layerNorm 2-D', { x: rand([3, 5], 2), g: rand([5]), b: rand([5]), r: fixed([3, 5]) }, (tp, t) => weighted(tp, tp.layerNorm(t.x!, t.g!, t.b!), t.r!));
  await check('layerNorm 3-D', { x: rand([2, 3, 4]), g: rand([4]), b: rand([4]), r: fixed([2, 3, 4]) }, (tp, t) => weighted(tp, tp.layerNorm(t.x!, t.g!, t.b!), t.r!));
});

test('token cross-entropy over a vocabulary: value against JS, gradients with and without a padding mask', async () => {
  const targets = [4, 0, 2, 2, 1, 3];
  const logits = rand([2, 3, 5]);
  const weights = [1, 1, 0, 1, 1, 0];
  const loss = await forward({ logits }, (tp, t) => tp.tokenCrossEntropy(t.logits!, int64(tp, targets, [2, 3]), tp.b.constant(Float64Array.from(weights), [2, 3], 'float64')));
  let expected = 0;
  targets.forEach((tgt, i) => {
    const row = Array.from(logits.data.subarray(i * 5, i * 5 + 5));
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    expected += weights[i]! * (lse - row[tgt]!);
  });
  expected /= weights.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(loss[0]! - expected) < 1e-12, `${loss[0]} vs ${expected}`);
  await check('tokenCrossEntropy', { logits: rand([2, 3, 5]) }, (tp, t) => tp.tokenCrossEntropy(t.logits!, int64(tp, targets, [2, 3])));
  await check('tokenCrossEntropy masked', { logits: rand([2, 3, 5]) }, (tp, t) =>
    tp.tokenCrossEntropy(t.logits!, int64(tp, targets, [2, 3]), tp.b.constant(Float64Array.from(weights), [2, 3], 'float64')),
  );
});

test('a one-layer transformer end to end: embedding → layer norm → attention → MLP → cross-entropy', async () => {
  const ids = [1, 4, 2, 0, 3, 3, 1, 4];
  const next = [4, 2, 0, 3, 3, 1, 4, 0];
  await check(
    'transformer',
    { E: rand([5, 4], 0.5), g: rand([4]), b: rand([4]), Wq: rand([4, 4], 0.5), Wk: rand([4, 4], 0.5), Wv: rand([4, 4], 0.5), W1: rand([4, 6], 0.5), W2: rand([6, 4], 0.5), U: rand([4, 5], 0.5) },
    (tp, t) => {
      const x = tp.embedding(t.E!, int64(tp, ids, [2, 4]), [2, 4]);
      const h = tp.layerNorm(x, t.g!, t.b!);
      const a = tp.add(x, tp.causalAttention(tp.matmul(h, t.Wq!), tp.matmul(h, t.Wk!), tp.matmul(h, t.Wv!), 2));
      const m = tp.add(a, tp.matmul(tp.tanh(tp.matmul(a, t.W1!)), t.W2!));
      return tp.tokenCrossEntropy(tp.matmul(m, t.U!), int64(tp, next, [2, 4]));
    },
  );
});
