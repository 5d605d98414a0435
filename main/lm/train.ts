// Trains the lab's language model on the lab's engine: the one-graph training step of model.ts run by StepRunner
// (parameters and Adam moments stay in pre-allocated buffers), byte windows drawn at offsets that are a pure function
// of (seed, step) so a run resumed from a checkpoint sees exactly the batches an uninterrupted run would, a linear
// warm-up then cosine decay of the learning rate, and a checkpoint (parameters, moments, step) written atomically
// every few hundred steps.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { StepRunner } from '../train/session';
import { sizeOf } from '../train/autodiff';
import { Rng } from '../util/random';
import { IDS, LM_CONFIG, LOSS, LR, STEP, TARGETS, initWeights, paramSpecs, stateNames, trainingGraph, type LmWeights } from './model';

export interface LmTrainOptions {
  steps: number;
  batch: number;
  seed: number;
  lrMax: number;
  warmup: number;
  /** Final learning rate as a fraction of lrMax. */
  lrFloor: number;
  checkpointPath?: string;
  checkpointEvery: number;
  threads?: number;
  log?: (line: string) => void;
  /** Stops (after a checkpoint) when it returns true, e.g. on SIGTERM. */
  shouldStop?: () => boolean;
}

export const DEFAULT_TRAIN: LmTrainOptions = { steps: 5000, batch: 32, seed: 13, lrMax: 2e-3, warmup: 200, lrFloor: 0.1, checkpointEvery: 250 };

export function learningRate(step: number, o: LmTrainOptions): number {
  const warm = Math.min(1, (step + 1) / o.warmup);
  const cos = 0.5 * (1 + Math.cos((Math.PI * Math.min(step, o.steps)) / o.steps));
  return o.lrMax * warm * (o.lrFloor + (1 - o.lrFloor) * cos);
}

/** Fills ids / targets [B, L] with the windows of step `step`: bytes [o, o+L) and [o+1, o+L+1) at seeded offsets. */
export function fillBatch(train: Uint8Array, step: number, seed: number, batch: number, ids: BigInt64Array, targets: BigInt64Array, L = LM_CONFIG.context): void {
  const rng = Rng.stream(seed, 0xda7a, step);
  for (let r = 0; r < batch; r++) {
    const o = rng.int(0, train.length - L - 1);
    for (let j = 0; j < L; j++) {
      ids[r * L + j] = BigInt(train[o + j]!);
      targets[r * L + j] = BigInt(train[o + j + 1]!);
    }
  }
}

interface Checkpoint {
  step: number;
  lossEma: number;
  /** params, m and v of each parameter, in paramSpecs order. */
  state: Float32Array;
}

function saveCheckpoint(path: string, runner: StepRunner, step: number, lossEma: number): void {
  const names = paramSpecs().flatMap((s) => [s.name, stateNames(s.name).m, stateNames(s.name).v]);
  const parts = names.map((n) => runner.state(n));
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(`${path}.tmp`, Buffer.from(all.buffer));
  writeFileSync(`${path}.json.tmp`, JSON.stringify({ step, lossEma }));
  renameSync(`${path}.tmp`, path);
  renameSync(`${path}.json.tmp`, `${path}.json`);
}

export function loadCheckpoint(path: string): Checkpoint | null {
  if (!existsSync(path) || !existsSync(`${path}.json`)) return null;
  const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { step: number; lossEma: number };
  const buf = readFileSync(path);
  return { ...meta, state: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
}

/** The parameters held in a checkpoint's state. */
export function checkpointWeights(state: Float32Array): LmWeights {
  const w: LmWeights = {};
  let at = 0;
  for (const s of paramSpecs()) {
    const n = sizeOf(s.shape);
    w[s.name] = state.slice(at, at + n);
    at += 3 * n;
  }
  return w;
}

export interface LmTrainResult {
  weights: LmWeights;
  steps: number;
  /** Exponential moving average of the training loss, bits per byte. */
  trainBitsPerByte: number;
  tokensPerSecond: number;
}

export async function trainLm(train: Uint8Array, o: LmTrainOptions): Promise<LmTrainResult> {
  const L = LM_CONFIG.context;
  const specs = paramSpecs();
  const { bytes } = trainingGraph(o.batch);
  const runner = await StepRunner.create(
    bytes,
    {
      state: specs.flatMap((s) => {
        const n = stateNames(s.name);
        return [
          { input: s.name, output: n.next, shape: s.shape },
          { input: n.m, output: n.mNext, shape: s.shape },
          { input: n.v, output: n.vNext, shape: s.shape },
        ];
      }),
      inputs: [
        { name: IDS, shape: [o.batch, L], dtype: 'int64' },
        { name: TARGETS, shape: [o.batch, L], dtype: 'int64' },
        { name: LR, shape: [] },
        { name: STEP, shape: [] },
      ],
      outputs: [{ name: LOSS, shape: [] }],
    },
    { label: 'the language model training step', ...(o.threads ? { intraOpThreads: o.threads } : {}) },
  );
  const log = o.log ?? (() => {});
  let step = 0;
  let lossEma = NaN;
  const ckpt = o.checkpointPath ? loadCheckpoint(o.checkpointPath) : null;
  if (ckpt) {
    let at = 0;
    for (const s of specs) {
      const n = sizeOf(s.shape);
      for (const name of [s.name, stateNames(s.name).m, stateNames(s.name).v]) {
        runner.state(name).set(ckpt.state.subarray(at, at + n));
        at += n;
      }
    }
    step = ckpt.step;
    lossEma = ckpt.lossEma;
    log(`resumed from step ${step}`);
  } else {
    const init = initWeights(o.seed);
    for (const s of specs) runner.state(s.name).set(init[s.name]!);
  }
  const ids = runner.inputs[IDS] as BigInt64Array;
  const targets = runner.inputs[TARGETS] as BigInt64Array;
  const lr = runner.inputs[LR] as Float32Array;
  const t = runner.inputs[STEP] as Float32Array;
  const started = Date.now();
  const firstStep = step;
  let lastLog = started;
  while (step < o.steps) {
    fillBatch(train, step, o.seed, o.batch, ids, targets);
    lr[0] = learningRate(step, o);
    t[0] = step + 1;
    await runner.step();
    const loss = runner.outputs[LOSS]![0]! / Math.LN2;
    if (!Number.isFinite(loss)) throw new Error(`The training loss became ${loss} at step ${step}.`);
    lossEma = Number.isNaN(lossEma) ? loss : 0.98 * lossEma + 0.02 * loss;
    step++;
    const now = Date.now();
    if (now - lastLog > 30_000 || step === o.steps) {
      const rate = ((step - firstStep) * o.batch * L) / ((now - started) / 1000);
      log(`step ${step}/${o.steps}  train ${lossEma.toFixed(3)} bits/byte  lr ${lr[0]!.toExponential(2)}  ${rate.toFixed(0)} tokens/s`);
      lastLog = now;
    }
    const stop = o.shouldStop?.() ?? false;
    if (o.checkpointPath && (step % o.checkpointEvery === 0 || step === o.steps || stop)) saveCheckpoint(o.checkpointPath, runner, step, lossEma);
    if (stop) break;
  }
  const weights: LmWeights = {};
  for (const s of specs) weights[s.name] = Float32Array.from(runner.state(s.name));
  const seconds = (Date.now() - started) / 1000;
  await runner.release();
  return { weights, steps: step, trainBitsPerByte: lossEma, tokensPerSecond: ((step - firstStep) * o.batch * L) / Math.max(seconds, 1e-9) };
}
