// A training step in two halves: an ORT graph computes the loss, the metrics and the gradients (written into
// pre-allocated buffers), and adam-exact.ts updates parameters and moments in place in one fused pass each —
// the same numbers as Adam inside the graph (adam.ts), without ORT's twelve elementwise kernels per parameter.
// h14step: the pass runs as adam-simd.ts's WebAssembly SIMD kernel (adamExact's bits, about 4× less CPU time).
// Parameters whose rows are kept at unit norm (an SAE's dictionary) go through a second, tiny ORT graph with the
// very nodes the one-graph step uses (unitRowsNodes), so their renormalisation is bit for bit the same too.
// The state keeps the one-graph step's names (<p>, m_<p>, v_<p>): checkpoints are interchangeable.
//
// Graph contract: inputs are the parameters by name plus spec.inputs; outputs are grad_<p> for every parameter,
// adam_mScale and adam_epsHat (adamScalars' two scalars), plus spec.outputs (metrics).
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/builder';
import type { AdamConfig } from './adam';
import { adamConstants, adamExact } from './adam-exact';
import { adamSimd } from './adam-simd'; // h14step: adamExact's bits, four lanes at a time
import { sizeOf } from './autodiff';
import { createStepSession, type StepRunnerOptions, type StepRunnerSpec, type TensorSpec } from './session';
import { StateView } from './state-view';

export interface SplitParam {
  name: string;
  shape: readonly number[];
  /** Renormalise each row to unit L2 norm after the update (rank-2 parameters). */
  unitRows?: boolean;
}

/** x / max(‖row‖₂, 1e-12) row by row: the nodes shared by the one-graph step and the split step's renorm graph. */
export function unitRowsNodes(b: GraphBuilder, x: string, output?: string): string {
  const norm = b.reduce('ReduceL2', x, [1], true);
  return b.div(x, b.op('Max', [norm, b.scalar(1e-12)]), output);
}

function renormGraph(shape: readonly number[]): Uint8Array {
  const b = new GraphBuilder({ name: 'unit-rows', opset: 17 });
  b.input('raw', 'float32', [...shape]);
  unitRowsNodes(b, 'raw', 'unit');
  b.output('unit', 'float32', [...shape]);
  return b.toBytes();
}

type Buf = Float32Array | BigInt64Array;

interface ParamSlot {
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  g: Float32Array;
  /** unitRows: the updated, not yet renormalised parameter, and the session that renormalises it into p. */
  renorm?: { raw: Float32Array; session: ort.InferenceSession; feeds: Record<string, ort.Tensor>; fetches: Record<string, ort.Tensor> };
}

/**
 * A gradient graph of the split step, with its own intra-op thread count, and optionally a prelude: a graph run just
 * before it on the step's other thread count (opts.intraOpThreads), whose output `enc` (of `shape`) the graph reads as
 * an input. #12/#14: the sparse SAE graphs run on one thread (reproducible scatter-adds) after their dense encoder
 * product, which has no scatter, ran on all (bases/sae-sparse-encoder.ts).
 */
export interface SplitGraphOptions {
  bytes: Uint8Array;
  intraOpThreads?: number;
  prelude?: { bytes: Uint8Array; shape: readonly number[]; select?: PreludeSelect; outputs?: PreludeOutput[] };
  /**
   * The gradient step written in JS instead of `bytes` (#12/#14: bases/sae-pairs-step.ts), run after the prelude, which
   * it needs; no session is made from `bytes` (which may be empty).
   */
  kernel?: SplitKernel;
}

/** A further int64 output of a prelude (e.g. sae-topk's per-row TopK indices), handed to a JS step by name. */
export interface PreludeOutput {
  name: string;
  shape: readonly number[];
}

/** What a JS gradient step reads and writes: the graph contract's inputs and outputs by name, and the prelude's `enc`. */
export interface SplitKernelIO {
  enc: Float32Array;
  /** The prelude's further outputs (SplitGraphOptions.prelude.outputs) by name. */
  prelude: Record<string, BigInt64Array>;
  /** The parameters and the step's inputs (x, lr, t, coef, …). */
  feeds: Record<string, Float32Array>;
  /** grad_<p> for every parameter, adam_mScale, adam_epsHat and the metrics: every one written by the step. */
  fetches: Record<string, Float32Array>;
}

export interface SplitKernel {
  run(io: SplitKernelIO): void | Promise<void>;
  /** Frees what the step holds (e.g. a session of its own), when the runner is released. */
  release?(): Promise<void>;
}

/**
 * Work on the prelude's output in JS between the two graphs: `run` writes `size` int64 values (e.g. BatchTopK's
 * selected codes, bases/sae-sparse-encoder.ts) that the graph reads as its input `input`.
 */
export interface PreludeSelect {
  input: string;
  size: number;
  run(enc: Float32Array, out: BigInt64Array): void;
}

interface PreludeRun {
  session: ort.InferenceSession;
  feeds: Record<string, ort.Tensor>;
  fetches: Record<string, ort.Tensor>;
  enc: ort.Tensor;
  select: { spec: PreludeSelect; out: BigInt64Array; tensor: ort.Tensor } | null;
}

interface GraphRun {
  /** Null for a JS step (`kernel`). */
  session: ort.InferenceSession | null;
  prelude: PreludeRun | null;
  feeds: Record<string, ort.Tensor>;
  kernel: { step: SplitKernel; io: SplitKernelIO } | null;
}

export class SplitAdamStepRunner extends StateView {
  readonly spec: StepRunnerSpec;
  readonly inputs: Record<string, Buf> = {};
  readonly outputs: Record<string, Float32Array> = {};
  private readonly adam: AdamConfig;
  private readonly params: ParamSlot[];
  private readonly byName = new Map<string, Float32Array>();
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly fetches: Record<string, ort.Tensor> = {};
  private readonly scalars = { mScale: new Float32Array(1), epsHat: new Float32Array(1) };
  /** h14step: adamSimd, or adamExact's scalar pass (same bits) where the caller measures the difference. */
  private readonly pass: typeof adamExact;
  /**
   * #12/#14: a second gradient graph with the same contract (the same loss by another route, e.g. on the codes'
   * nonzero pairs), run instead of the first while `useAlternate` is set; the caller chooses per step.
   */
  private alternate: GraphRun | null = null;
  /** The first graph's run: its session, its prelude where it has one (see SplitGraphOptions), its feeds. */
  private primary!: GraphRun;
  useAlternate = false;

  private constructor(spec: StepRunnerSpec, params: ParamSlot[], defs: readonly SplitParam[], adam: AdamConfig, scalarAdam: boolean) {
    super();
    this.pass = scalarAdam ? adamExact : adamSimd;
    this.spec = spec;
    this.adam = adam;
    this.params = params;
    defs.forEach((def, i) => {
      const s = params[i]!;
      this.byName.set(def.name, s.p).set(`m_${def.name}`, s.m).set(`v_${def.name}`, s.v);
      this.feeds[def.name] = new ort.Tensor('float32', s.p, [...def.shape]);
      this.fetches[`grad_${def.name}`] = new ort.Tensor('float32', s.g, [...def.shape]);
    });
    for (const st of spec.state) if (!this.byName.has(st.input)) throw new Error(`Split step: state "${st.input}" is not a parameter or one of its Adam moments.`);
    for (const i of spec.inputs) {
      const n = sizeOf(i.shape);
      const data = i.dtype === 'int64' ? new BigInt64Array(n) : new Float32Array(n);
      this.inputs[i.name] = data;
      this.feeds[i.name] = new ort.Tensor(i.dtype === 'int64' ? 'int64' : 'float32', data, [...i.shape]);
    }
    for (const o of spec.outputs as TensorSpec[]) {
      const data = new Float32Array(sizeOf(o.shape));
      this.outputs[o.name] = data;
      this.fetches[o.name] = new ort.Tensor('float32', data, [...o.shape]);
    }
    this.fetches.adam_mScale = new ort.Tensor('float32', this.scalars.mScale, []);
    this.fetches.adam_epsHat = new ort.Tensor('float32', this.scalars.epsHat, []);
  }

  static async create(
    bytes: Uint8Array,
    spec: StepRunnerSpec,
    params: readonly SplitParam[],
    adam: AdamConfig,
    /**
     * scalarAdam: run adamExact's scalar JS pass instead of the SIMD kernel (bench/sae.ts measures the two).
     * primary: the first graph's own thread count and prelude; alternate: a second gradient graph with the same
     * inputs and outputs (see `useAlternate`), with its own. opts.intraOpThreads is every other session's.
     */
    opts: StepRunnerOptions & { scalarAdam?: boolean; primary?: Omit<SplitGraphOptions, 'bytes'>; alternate?: SplitGraphOptions } = {},
  ): Promise<SplitAdamStepRunner> {
    const sessions: ort.InferenceSession[] = [];
    const open = async (b: Uint8Array, threads: number | undefined) => {
      const session = await createStepSession(b, { ...opts, intraOpThreads: threads });
      sessions.push(session);
      return session;
    };
    const slots: ParamSlot[] = [];
    let session: ort.InferenceSession | null;
    let primaryPrelude: ort.InferenceSession | null = null;
    let alternate: { session: ort.InferenceSession | null; prelude: ort.InferenceSession | null } | null = null;
    try {
      if (opts.primary?.kernel && !opts.primary.prelude) throw new Error('Split step: a JS gradient step needs a prelude for its `enc`.');
      session = opts.primary?.kernel ? null : await open(bytes, opts.primary?.intraOpThreads ?? opts.intraOpThreads);
      if (opts.primary?.prelude) primaryPrelude = await open(opts.primary.prelude.bytes, opts.intraOpThreads);
      if (opts.alternate) {
        if (opts.alternate.kernel && !opts.alternate.prelude) throw new Error('Split step: a JS gradient step needs a prelude for its `enc`.');
        alternate = {
          session: opts.alternate.kernel ? null : await open(opts.alternate.bytes, opts.alternate.intraOpThreads ?? opts.intraOpThreads),
          prelude: opts.alternate.prelude ? await open(opts.alternate.prelude.bytes, opts.intraOpThreads) : null,
        };
      }
      for (const def of params) {
        const n = sizeOf(def.shape);
        const slot: ParamSlot = { p: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n), g: new Float32Array(n) };
        if (def.unitRows) {
          const raw = new Float32Array(n);
          const renorm = await createStepSession(renormGraph(def.shape), { ...opts, label: `the renormalisation of ${def.name}` });
          slot.renorm = { raw, session: renorm, feeds: { raw: new ort.Tensor('float32', raw, [...def.shape]) }, fetches: { unit: new ort.Tensor('float32', slot.p, [...def.shape]) } };
        }
        slots.push(slot);
      }
    } catch (err) {
      for (const open of sessions) await open.release();
      for (const s of slots) await s.renorm?.session.release();
      throw err;
    }
    const runner = new SplitAdamStepRunner(spec, slots, params, adam, opts.scalarAdam ?? false);
    runner.primary = runner.graphRun(session, primaryPrelude, opts.primary?.prelude, opts.primary?.kernel);
    if (alternate) runner.alternate = runner.graphRun(alternate.session, alternate.prelude, opts.alternate!.prelude, opts.alternate!.kernel);
    return runner;
  }

  /** A graph's run; with a prelude, the graph's feeds add the prelude's output `enc` (and its selection's, if any). */
  private graphRun(session: ort.InferenceSession | null, prelude: ort.InferenceSession | null, opts: SplitGraphOptions['prelude'], kernel?: SplitKernel): GraphRun {
    const run = prelude ? this.preludeRun(prelude, opts!.shape, opts!.select, opts!.outputs ?? []) : null;
    const feeds = run ? { ...this.feeds, enc: run.enc, ...(run.select ? { [run.select.spec.input]: run.select.tensor } : {}) } : this.feeds;
    const data = (tensors: Record<string, ort.Tensor>) => Object.fromEntries(Object.entries(tensors).flatMap(([k, t]) => (t.data instanceof Float32Array ? [[k, t.data]] : [])));
    const extra = run ? Object.fromEntries(Object.entries(run.fetches).flatMap(([k, t]) => (t.data instanceof BigInt64Array ? [[k, t.data]] : []))) : {};
    const io = kernel && run ? { enc: run.enc.data as Float32Array, prelude: extra, feeds: data(this.feeds), fetches: data(this.fetches) } : null;
    return { session, prelude: run, feeds, kernel: kernel && io ? { step: kernel, io } : null };
  }

  /** A prelude's run: its inputs taken from the step's own feeds, its output `enc` into one buffer the graph reads. */
  private preludeRun(session: ort.InferenceSession, shape: readonly number[], select: PreludeSelect | undefined, outputs: readonly PreludeOutput[]): PreludeRun {
    const enc = new ort.Tensor('float32', new Float32Array(sizeOf(shape)), [...shape]);
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const t = this.feeds[name];
      if (!t) throw new Error(`Split step: the prelude's input "${name}" is not one of the step's inputs.`);
      feeds[name] = t;
    }
    const out = select ? new BigInt64Array(select.size) : null;
    const chosen = select && out ? { spec: select, out, tensor: new ort.Tensor('int64', out, [select.size]) } : null;
    const fetches: Record<string, ort.Tensor> = { enc };
    for (const o of outputs) fetches[o.name] = new ort.Tensor('int64', new BigInt64Array(sizeOf(o.shape)), [...o.shape]);
    return { session, feeds, fetches, enc, select: chosen };
  }

  protected stateBuffer(input: string): Float32Array | undefined {
    return this.byName.get(input);
  }

  /** Gradients and metrics in ORT, then Adam (and renormalisation) per parameter. */
  async step(): Promise<void> {
    const g = this.useAlternate && this.alternate ? this.alternate : this.primary;
    if (g.prelude) {
      await g.prelude.session.run(g.prelude.feeds, g.prelude.fetches);
      g.prelude.select?.spec.run(g.prelude.enc.data as Float32Array, g.prelude.select.out);
    }
    if (g.kernel) await g.kernel.step.run(g.kernel.io);
    else await g.session!.run(g.feeds, this.fetches);
    const c = adamConstants(this.adam, this.scalars.mScale[0]!, this.scalars.epsHat[0]!);
    for (const s of this.params) {
      if (!s.renorm) {
        this.pass(s.p, s.m, s.v, s.g, c);
        continue;
      }
      this.pass(s.p, s.m, s.v, s.g, c, s.renorm.raw);
      await s.renorm.session.run(s.renorm.feeds, s.renorm.fetches);
    }
  }

  async release(): Promise<void> {
    for (const g of [this.primary, this.alternate]) {
      await g?.session?.release();
      await g?.kernel?.step.release?.();
      await g?.prelude?.session.release();
    }
    for (const s of this.params) await s.renorm?.session.release();
  }
}
