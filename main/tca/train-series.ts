// A checkpoint series from the lab's own training engine (#15): a small MLP (784 → hidden ReLU → 10) trained on MNIST
// digits by one ONNX training graph per step (forward, softmax cross-entropy, autodiff backward, Adam — main/train),
// with a snapshot written as an inference ONNX file at evenly spaced steps. Every snapshot has the same architecture
// and tensor names, so a checkpoint series harvest can run the same tensor and stimuli through all of them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../onnx/builder';
import { adamScalars, adamUpdate } from '../train/adam';
import { Tape } from '../train/autodiff';
import { StepRunner, type StepRunnerSpec } from '../train/session';
import { loadMnistDigits } from '../stimuli/mnist';
import { Rng } from '../util/random';

export interface TrainSeriesOptions {
  outDir: string;
  hidden?: number;
  steps?: number;
  snapshots?: number;
  batch?: number;
  lr?: number;
  seed?: number;
}

export interface SeriesSnapshot {
  path: string;
  step: number;
  /** Mean cross-entropy of the last 20 steps before the snapshot. */
  loss: number;
}

const PIXELS = 784;
const PARAMS = ['W1', 'b1', 'W2', 'b2'] as const;

function shapes(h: number): Record<(typeof PARAMS)[number], number[]> {
  return { W1: [PIXELS, h], b1: [h], W2: [h, 10], b2: [10] };
}

function stepGraph(h: number, batch: number): { bytes: Uint8Array; spec: StepRunnerSpec } {
  const b = new GraphBuilder({ name: 'mlp-train-step', opset: 17 });
  const tape = new Tape(b, 'float32');
  const sh = shapes(h);
  for (const n of PARAMS) b.input(n, 'float32', sh[n]);
  for (const n of PARAMS) {
    b.input(`m_${n}`, 'float32', sh[n]);
    b.input(`v_${n}`, 'float32', sh[n]);
  }
  const x = tape.input('x', [batch, PIXELS]);
  const y = tape.input('y', [batch, 10]);
  b.input('lr', 'float32', []);
  b.input('t', 'float32', []);
  const p = Object.fromEntries(PARAMS.map((n) => [n, { name: n, shape: sh[n], requiresGrad: true }])) as Record<(typeof PARAMS)[number], { name: string; shape: number[]; requiresGrad: boolean }>;
  const hidden = tape.relu(tape.add(tape.matmul(x, p.W1), p.b1));
  const logits = tape.add(tape.matmul(hidden, p.W2), p.b2);
  const loss = tape.softmaxCrossEntropy(logits, y);
  const grads = tape.grad(loss, PARAMS.map((n) => p[n]));
  const s = adamScalars(b, 'lr', 't');
  PARAMS.forEach((n, i) => adamUpdate(b, s, { param: n, grad: grads[i]!, m: `m_${n}`, v: `v_${n}` }, {}, 'float32', { param: `${n}_next`, m: `m_${n}_next`, v: `v_${n}_next` }));
  b.op('Identity', [loss.name], {}, { output: 'loss' });
  const state = PARAMS.flatMap((n) => [
    { input: n, output: `${n}_next`, shape: sh[n] },
    { input: `m_${n}`, output: `m_${n}_next`, shape: sh[n] },
    { input: `v_${n}`, output: `v_${n}_next`, shape: sh[n] },
  ]);
  for (const st of state) b.output(st.output, 'float32', st.shape);
  b.output('loss', 'float32', []);
  return { bytes: b.toBytes(), spec: { state, inputs: [{ name: 'x', shape: [batch, PIXELS] }, { name: 'y', shape: [batch, 10] }, { name: 'lr', shape: [] }, { name: 't', shape: [] }], outputs: [{ name: 'loss', shape: [] }] } };
}

/** The inference model of a snapshot: image [N,1,28,28] (pixels 0..1) → hidden [N,h] (ReLU) → logits [N,10]. */
export function snapshotModel(h: number, weights: Record<(typeof PARAMS)[number], Float32Array>): Uint8Array {
  const b = new GraphBuilder({ name: 'mnist-mlp-snapshot', opset: 17 });
  const sh = shapes(h);
  for (const n of PARAMS) b.initializer(n, weights[n], sh[n]);
  b.input('image', 'float32', ['N', 1, 28, 28]);
  const flat = b.reshape('image', [-1, PIXELS]);
  b.relu(b.add(b.matmul(flat, 'W1'), 'b1'), 'hidden');
  b.add(b.matmul('hidden', 'W2'), 'b2', 'logits');
  b.output('logits', 'float32', ['N', 10]);
  return b.toBytes();
}

export async function trainSeries(o: TrainSeriesOptions): Promise<SeriesSnapshot[]> {
  const h = o.hidden ?? 32;
  const steps = o.steps ?? 300;
  const count = o.snapshots ?? 3;
  const batch = o.batch ?? 64;
  const rng = Rng.stream(o.seed ?? 0, 0x7ca);
  const { bytes, spec } = stepGraph(h, batch);
  const runner = await StepRunner.create(bytes, spec, { label: 'the MLP training step' });
  // He initialisation; biases and Adam moments at 0.
  const w1 = runner.state('W1');
  for (let i = 0; i < w1.length; i++) w1[i] = rng.normal(0, Math.sqrt(2 / PIXELS));
  const w2 = runner.state('W2');
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal(0, Math.sqrt(2 / h));
  const { pixels, labels } = await loadMnistDigits();
  const total = labels.length;
  const x = runner.inputs.x as Float32Array;
  const y = runner.inputs.y as Float32Array;
  (runner.inputs.lr as Float32Array)[0] = o.lr ?? 1e-3;
  const at = new Set(Array.from({ length: count }, (_, k) => Math.round(((k + 1) * steps) / count)));
  mkdirSync(o.outDir, { recursive: true });
  const out: SeriesSnapshot[] = [];
  const recent: number[] = [];
  for (let step = 1; step <= steps; step++) {
    y.fill(0);
    for (let r = 0; r < batch; r++) {
      const i = rng.int(0, total);
      for (let j = 0; j < PIXELS; j++) x[r * PIXELS + j] = pixels[i * PIXELS + j]! / 255;
      y[r * 10 + labels[i]!] = 1;
    }
    (runner.inputs.t as Float32Array)[0] = step;
    await runner.step();
    recent.push((runner.outputs.loss as Float32Array)[0]!);
    if (recent.length > 20) recent.shift();
    if (at.has(step)) {
      const weights = Object.fromEntries(PARAMS.map((n) => [n, Float32Array.from(runner.state(n))])) as Record<(typeof PARAMS)[number], Float32Array>;
      const path = join(o.outDir, `mnist-mlp-step${String(step).padStart(5, '0')}.onnx`);
      writeFileSync(path, snapshotModel(h, weights));
      out.push({ path, step, loss: recent.reduce((a, v) => a + v, 0) / recent.length });
    }
  }
  return out;
}
