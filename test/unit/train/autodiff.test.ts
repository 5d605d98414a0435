// Every gradient rule of main/train/autodiff.ts against central finite differences in float64 graphs run by ORT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { gradCheck, type GradCheckInput } from '../../../main/train/gradcheck';
import type { Tape, T } from '../../../main/train/autodiff';
import { Tape as TapeClass } from '../../../main/train/autodiff';
import { GraphBuilder } from '../../../main/onnx/builder';
import { adamScalars, adamUpdate } from '../../../main/train/adam';
import { Rng } from '../../../main/util/random';

let seedCounter = 1;
/** Random values in ±[lo, hi] (away from 0, so kinks of relu/abs are never within ε). */
function rand(shape: number[], lo = 0.1, hi = 1, positive = false): GradCheckInput {
  const rng = new Rng(seedCounter++);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mag = rng.uniform(lo, hi);
    data[i] = positive || rng.bernoulli() ? mag : -mag;
  }
  return { data, shape };
}
const fixed = (shape: number[], positive = false): GradCheckInput => ({ ...rand(shape, 0.1, 1, positive), wrt: false });

/** loss = Σ y ⊙ R with a fixed random R, so every output element's gradient matters. */
function weighted(tape: Tape, y: T, r: T): T {
  return tape.sumAll(tape.mul(y, r));
}

async function check(name: string, inputs: Record<string, GradCheckInput>, build: (tape: Tape, t: Record<string, T>) => T): Promise<void> {
  const results = await gradCheck(inputs, build);
  assert.ok(results.length > 0);
  for (const r of results) {
    assert.ok(r.relError < 1e-3 && r.maxRelError < 1e-3, `${name}: d/d${r.name} relative error ${r.relError.toExponential(2)} (max ${r.maxRelError.toExponential(2)})`);
    assert.ok(r.numeric.some((v) => Math.abs(v) > 1e-6), `${name}: gradient of ${r.name} is trivially zero`);
  }
}

test('binary ops with broadcasting: Add, Sub, Mul, Div (bias rows, columns, scalars)', async () => {
  for (const [bs, cs] of [
    [[3, 4], [3, 4]],
    [[3, 4], [4]],
    [[3, 4], [3, 1]],
    [[3, 4], []],
    [[2, 3, 4], [1, 3, 1]],
  ] as [number[], number[]][]) {
    const out = bs.length >= cs.length ? bs : cs;
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      await check(`${op} [${bs}]∘[${cs}]`, { a: rand(bs), c: op === 'div' ? rand(cs, 0.5, 1.5) : rand(cs), r: fixed(out) }, (tp, t) =>
        weighted(tp, tp[op](t.a!, t.c!), t.r!),
      );
    }
  }
});

test('unary ops: Neg, Relu, Abs, Square, Sqrt, Exp, Log, Tanh, Sigmoid, scale', async () => {
  const shape = [3, 5];
  const cases: [string, (tp: Tape, x: T) => T, boolean][] = [
    ['neg', (tp, x) => tp.neg(x), false],
    ['relu', (tp, x) => tp.relu(x), false],
    ['abs', (tp, x) => tp.abs(x), false],
    ['square', (tp, x) => tp.square(x), false],
    ['sqrt', (tp, x) => tp.sqrt(x), true],
    ['exp', (tp, x) => tp.exp(x), false],
    ['log', (tp, x) => tp.log(x), true],
    ['tanh', (tp, x) => tp.tanh(x), false],
    ['sigmoid', (tp, x) => tp.sigmoid(x), false],
    ['scale', (tp, x) => tp.scale(x, -2.5), false],
  ];
  for (const [name, f, positive] of cases) {
    await check(name, { x: rand(shape, 0.1, 1, positive), r: fixed(shape) }, (tp, t) => weighted(tp, f(tp, t.x!), t.r!));
  }
});

test('reductions and shape ops: ReduceSum/ReduceMean (keepdims or not), sumAll, meanAll, Reshape, Transpose', async () => {
  await check('reduceSum axis 1', { x: rand([3, 4, 2]), r: fixed([3, 2]) }, (tp, t) => weighted(tp, tp.reduceSum(t.x!, [1]), t.r!));
  await check('reduceSum keepdims', { x: rand([3, 4, 2]), r: fixed([1, 4, 1]) }, (tp, t) => weighted(tp, tp.reduceSum(t.x!, [0, 2], true), t.r!));
  await check('reduceMean axis -1', { x: rand([3, 4]), r: fixed([3]) }, (tp, t) => weighted(tp, tp.reduceMean(t.x!, [-1]), t.r!));
  await check('sumAll of square', { x: rand([3, 4]) }, (tp, t) => tp.sumAll(tp.square(t.x!)));
  await check('meanAll of cube', { x: rand([3, 4]) }, (tp, t) => tp.meanAll(tp.mul(tp.square(t.x!), t.x!)));
  await check('reshape', { x: rand([3, 4]), r: fixed([2, 6]) }, (tp, t) => weighted(tp, tp.reshape(t.x!, [2, 6]), t.r!));
  await check('transpose', { x: rand([2, 3, 4]), r: fixed([4, 2, 3]) }, (tp, t) => weighted(tp, tp.transpose(t.x!, [2, 0, 1]), t.r!));
});

test('MatMul: 2-D × 2-D, N-D × shared 2-D weight, batched N-D × N-D', async () => {
  await check('2d', { a: rand([3, 4]), w: rand([4, 5]), r: fixed([3, 5]) }, (tp, t) => weighted(tp, tp.matmul(t.a!, t.w!), t.r!));
  await check('3d×2d', { a: rand([2, 3, 4]), w: rand([4, 5]), r: fixed([2, 3, 5]) }, (tp, t) => weighted(tp, tp.matmul(t.a!, t.w!), t.r!));
  await check('3d×3d', { a: rand([2, 3, 4]), w: rand([2, 4, 5]), r: fixed([2, 3, 5]) }, (tp, t) => weighted(tp, tp.matmul(t.a!, t.w!), t.r!));
  // A tensor used twice (x @ W then x * y): gradients must be summed.
  await check('reuse', { x: rand([3, 3]), w: rand([3, 3]) }, (tp, t) => tp.sumAll(tp.mul(tp.matmul(t.x!, t.w!), t.x!)));
});

test('TopK mask, MSE, L1, log-softmax cross-entropy, stopGradient', async () => {
  // Distinct magnitudes so the top-k set is stable under ±ε.
  const x = rand([4, 6]);
  await check('topk', { x, r: fixed([4, 6]) }, (tp, t) => weighted(tp, tp.topk(t.x!, 2), t.r!));
  await check('relu∘topk', { x: rand([4, 6]), r: fixed([4, 6]) }, (tp, t) => weighted(tp, tp.relu(tp.topk(t.x!, 3)), t.r!));
  await check('mse', { a: rand([4, 5]), c: rand([4, 5]) }, (tp, t) => tp.mse(t.a!, t.c!));
  await check('l1', { a: rand([4, 5]) }, (tp, t) => tp.scale(tp.reduceMean(tp.reduceSum(tp.abs(t.a!), [1]), [0]), 0.3));
  const onehot: GradCheckInput = { data: new Float64Array([1, 0, 0, 0, 0, 1, 0, 1, 0]), shape: [3, 3], wrt: false };
  await check('softmax CE', { z: rand([3, 3], 0.1, 2), y: onehot }, (tp, t) => tp.softmaxCrossEntropy(t.z!, t.y!));
  const res = await gradCheck({ a: rand([2, 2]), c: rand([2, 2]) }, (tp, t) => tp.sumAll(tp.mul(t.a!, tp.stopGradient(t.c!))));
  const gc = res.find((r) => r.name === 'c')!;
  assert.ok(gc.analytic.every((v) => v === 0), 'stopGradient blocks the gradient');
  assert.ok(gc.numeric.some((v) => Math.abs(v) > 1e-3), 'while the function does depend on c');
});

test('Adam update graph matches the reference arithmetic (torch.optim.Adam formula) over three steps', async () => {
  const b = new GraphBuilder({ opset: 17 });
  const dims = [5];
  for (const n of ['p', 'g', 'm', 'v']) b.input(n, 'float64', dims);
  b.input('lr', 'float64', []);
  b.input('t', 'float64', []);
  const s = adamScalars(b, 'lr', 't', {}, 'float64');
  const out = adamUpdate(b, s, { param: 'p', grad: 'g', m: 'm', v: 'v' }, { weightDecay: 0.01 }, 'float64', { param: 'p2', m: 'm2', v: 'v2' });
  b.output(out.param, 'float64', dims);
  b.output(out.m, 'float64', dims);
  b.output(out.v, 'float64', dims);
  const session = await ort.InferenceSession.create(b.toBytes());
  const rng = new Rng(7);
  let p: Float64Array<ArrayBufferLike> = Float64Array.from({ length: 5 }, () => rng.normal());
  let m: Float64Array<ArrayBufferLike> = new Float64Array(5);
  let v: Float64Array<ArrayBufferLike> = new Float64Array(5);
  const rp = Float64Array.from(p);
  const rm = new Float64Array(5);
  const rv = new Float64Array(5);
  for (let t = 1; t <= 3; t++) {
    const g = Float64Array.from({ length: 5 }, () => rng.normal());
    const lr = 0.01 * t;
    const res = await session.run({
      p: new ort.Tensor('float64', p, dims),
      g: new ort.Tensor('float64', g, dims),
      m: new ort.Tensor('float64', m, dims),
      v: new ort.Tensor('float64', v, dims),
      lr: new ort.Tensor('float64', Float64Array.of(lr), []),
      t: new ort.Tensor('float64', Float64Array.of(t), []),
    });
    p = res.p2!.data as Float64Array;
    m = res.m2!.data as Float64Array;
    v = res.v2!.data as Float64Array;
    for (let i = 0; i < 5; i++) {
      rp[i] = rp[i]! * (1 - lr * 0.01);
      rm[i] = 0.9 * rm[i]! + 0.1 * g[i]!;
      rv[i] = 0.999 * rv[i]! + 0.001 * g[i]! * g[i]!;
      const denom = Math.sqrt(rv[i]!) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
      rp[i] = rp[i]! - (lr / (1 - 0.9 ** t)) * (rm[i]! / denom);
    }
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(p[i]! - rp[i]!) < 1e-12, `step ${t} p[${i}] ${p[i]} vs ${rp[i]}`);
  }
});

test('grad of an unused parameter is zero; a non-scalar loss is refused', async () => {
  const res = await gradCheck({ a: rand([2]), u: rand([3]) }, (tp, t) => tp.sumAll(tp.square(t.a!)));
  assert.ok(res.find((r) => r.name === 'u')!.analytic.every((v) => v === 0));
  const tp = new TapeClass(new GraphBuilder(), 'float64');
  const x = tp.param('x', [2]);
  assert.throws(() => tp.grad(x, [x]), /scalar loss/);
});

test('Slice along an axis (its VJP pads the gradient back with zeros), alone and as the groups of a split product', async () => {
  for (const [axis, start, end] of [[0, 1, 3], [1, 0, 2], [1, 2, 5]] as [number, number, number][]) {
    const sliced = axis === 0 ? [end - start, 5] : [4, end - start];
    await check(`slice axis ${axis} [${start}, ${end})`, { x: rand([4, 5]), r: fixed(sliced) }, (tp, t) => weighted(tp, tp.slice(t.x!, axis, start, end), t.r!));
  }
  // Matryoshka's grouped decode: f[:, 0:2]·W[0:2] + f[:, 2:5]·W[2:5], with every entry of f and W reached.
  await check('grouped product', { f: rand([3, 5]), w: rand([5, 4]), r: fixed([3, 4]) }, (tp, t) =>
    weighted(tp, tp.add(tp.matmul(tp.slice(t.f!, 1, 0, 2), tp.slice(t.w!, 0, 0, 2)), tp.matmul(tp.slice(t.f!, 1, 2, 5), tp.slice(t.w!, 0, 2, 5))), t.r!),
  );
});
