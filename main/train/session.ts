// A step runner for training graphs: parameters and optimiser state live in JS-owned Float32Arrays wrapped once as
// ort.Tensors, fed as inputs, and the graph's updated copies are written by ORT straight into a second,
// pre-allocated set (ORT's CPU provider accepts user-allocated output tensors: no per-step allocation, no copy
// out of ORT's arena). After each step the two sets swap roles (ping-pong). Per-step JS work is independent of
// the parameter count: a few scalar writes and one `run` call.
//
// Measured (bench/sae.ts, "prealloc vs fresh"): see the report; fresh output allocation costs an extra copy of
// every state tensor per step.
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { ModelFormatError } from '../onnx/errors';
import { sizeOf } from './autodiff';
import { checkTrainingProvider, executionProviders, type TrainingProvider } from './provider'; // room: scale (#14 item 4)
import { StateView } from './state-view';

export interface StateSpec {
  /** Graph input that reads the current value. */
  input: string;
  /** Graph output that holds the updated value. */
  output: string;
  shape: readonly number[];
}

export interface TensorSpec {
  name: string;
  shape: readonly number[];
  dtype?: 'float32' | 'int64';
}

export interface StepRunnerSpec {
  state: readonly StateSpec[];
  /** Per-step inputs the caller fills in place (data batches, lr, t, coefficients, masks). */
  inputs: readonly TensorSpec[];
  /** Per-step outputs read after each step (metrics); written into pre-allocated buffers. */
  outputs: readonly TensorSpec[];
}

export interface StepRunnerOptions {
  intraOpThreads?: number;
  /**
   * Whether ORT's intra-op threads spin while waiting for work (ORT's default) or sleep. Default: off, unless the
   * environment sets CAJAL_ORT_SPIN=1 (as for main/linalg/ort.ts). Measured on the 2-core bench machine
   * (bench/sae.ts, interleaved bursts): spinning gains 3–7% on an idle machine and loses 15–40% when other
   * processes compete for the cores, and a desktop app's UI is always such a process.
   */
  spinning?: boolean;
  /** Allocate fresh outputs every step instead of ping-pong buffers (for measuring the difference). */
  freshOutputs?: boolean;
  label?: string;
  /** room: scale (#14 item 4) — the execution provider (provider.ts); the CPU when absent. */
  provider?: TrainingProvider;
}

type Buf = Float32Array | BigInt64Array;

function alloc(spec: TensorSpec): { data: Buf; tensor: ort.Tensor } {
  const n = sizeOf(spec.shape);
  if (spec.dtype === 'int64') {
    const data = new BigInt64Array(n);
    return { data, tensor: new ort.Tensor('int64', data, [...spec.shape]) };
  }
  const data = new Float32Array(n);
  return { data, tensor: new ort.Tensor('float32', data, [...spec.shape]) };
}

export class StepRunner extends StateView {
  readonly session: ort.InferenceSession;
  readonly spec: StepRunnerSpec;
  private readonly opts: StepRunnerOptions;
  private cur: Float32Array[];
  private next: Float32Array[];
  private curT: ort.Tensor[];
  private nextT: ort.Tensor[];
  /** Inputs by name: fill `.data` in place before `step()`. */
  readonly inputs: Record<string, Buf> = {};
  /** Outputs by name, valid after `step()` until the next one. */
  readonly outputs: Record<string, Float32Array> = {};
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly fetches: Record<string, ort.Tensor> = {};
  private readonly outTensors: Record<string, ort.Tensor> = {};

  private constructor(session: ort.InferenceSession, spec: StepRunnerSpec, opts: StepRunnerOptions) {
    super();
    this.session = session;
    this.spec = spec;
    this.opts = opts;
    const a = spec.state.map((s) => alloc({ name: s.input, shape: s.shape }));
    const b = spec.state.map((s) => alloc({ name: s.output, shape: s.shape }));
    this.cur = a.map((x) => x.data as Float32Array);
    this.curT = a.map((x) => x.tensor);
    this.next = b.map((x) => x.data as Float32Array);
    this.nextT = b.map((x) => x.tensor);
    for (const i of spec.inputs) {
      const { data, tensor } = alloc(i);
      this.inputs[i.name] = data;
      this.feeds[i.name] = tensor;
    }
    for (const o of spec.outputs) {
      const { data, tensor } = alloc(o);
      this.outputs[o.name] = data as Float32Array;
      this.outTensors[o.name] = tensor;
    }
  }

  static async create(bytes: Uint8Array, spec: StepRunnerSpec, opts: StepRunnerOptions = {}): Promise<StepRunner> {
    return new StepRunner(await createStepSession(bytes, opts), spec, opts);
  }

  protected stateBuffer(input: string): Float32Array | undefined {
    const i = this.spec.state.findIndex((s) => s.input === input);
    return i < 0 ? undefined : this.cur[i];
  }

  /** Runs one step: state ← graph(state, inputs); metrics land in `outputs`. */
  async step(): Promise<void> {
    const { state } = this.spec;
    for (let i = 0; i < state.length; i++) this.feeds[state[i]!.input] = this.curT[i]!;
    if (this.opts.freshOutputs) {
      const names = [...state.map((s) => s.output), ...this.spec.outputs.map((o) => o.name)];
      const out = await this.session.run(this.feeds, names);
      for (let i = 0; i < state.length; i++) {
        const data = out[state[i]!.output]!.data as Float32Array;
        this.next[i] = data;
        this.nextT[i] = new ort.Tensor('float32', data, [...state[i]!.shape]);
      }
      for (const o of this.spec.outputs) this.outputs[o.name] = out[o.name]!.data as Float32Array;
    } else {
      for (let i = 0; i < state.length; i++) this.fetches[state[i]!.output] = this.nextT[i]!;
      for (const o of this.spec.outputs) this.fetches[o.name] = this.outTensors[o.name]!;
      await this.session.run(this.feeds, this.fetches);
    }
    [this.cur, this.next] = [this.next, this.cur];
    [this.curT, this.nextT] = [this.nextT, this.curT];
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The ORT session of a training graph: threads, spinning and execution provider as StepRunnerOptions say. */
export async function createStepSession(bytes: Uint8Array, opts: StepRunnerOptions = {}): Promise<ort.InferenceSession> {
  const spinning = opts.spinning ?? process.env.CAJAL_ORT_SPIN === '1';
  const provider = opts.provider === undefined ? 'cpu' : checkTrainingProvider(opts.provider); // room: scale
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders(provider),
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  };
  if (opts.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = opts.intraOpThreads;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
    // room: scale — CUDA's files can be present while the GPU or its driver is not
    if (provider === 'cuda') throw new UserError('train.provider', `onnxruntime-node could not start CUDA for ${opts.label ?? 'the training step'} (${reason.replace(/[.\s]+$/, '')}); use --provider cpu.`);
    throw new ModelFormatError('model.load-failed', `ONNX Runtime could not load ${opts.label ?? 'the training step'}: ${reason}`);
  }
  return session;
}
