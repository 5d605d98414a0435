// sae-topk's sparse training step as ORT + one fused JS pass (#18 item 5). The ORT graph (sae-topk-sparse.ts)
// does the dense encoder product and the sparse decoder forward and gradients; the optimiser runs here.
// Why not Adam in the graph, as the dense step does: once the products are sparse, the step's cost is Adam's
// elementwise passes over W_enc and W_dec (2·m·d values each). ORT runs each of Adam's ~12 ops as its own pass over
// memory (measured at m = 131,072 under load: Add/Mul/Sub/Div ≈ 2× the encoder's GEMM, Transpose of ∂W_enc 0.3×);
// one fused loop reads p, m, v, g once and writes p, m, v once, and reads ∂W_enc in the [m, d] layout the scatter
// wrote (no transpose). The decoder's gradient projection and renormalisation ride in the same per-row loop.
// The arithmetic is adam.ts's (torch.optim.Adam's), so the weights equal the dense path's to float tolerance
// (test/integration/sae-topk-sparse.test.ts). Parameters, moments and gradients live in JS-owned buffers that ORT
// reads and writes in place (no per-step allocation).
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/builder';
import { ModelFormatError } from '../onnx/errors';
import { adamConstants, type AdamConstants } from '../train/adam-exact';
import { Tape } from '../train/autodiff';
import type { StateSpec, StepRunner, StepRunnerSpec } from '../train/session';
import { StateView } from '../train/state-view';
import type { SaeShape } from './sae-graph';
import { saeTopkSparseLossAndGrads } from './sae-topk-sparse';

const PARAMS = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const;
type Param = (typeof PARAMS)[number];

export interface SparseTopkOptions extends SaeShape {
  batch: number;
  adam: { beta1: number; beta2: number; eps: number };
}

/** The graph: params, x, coef, dead → gradients (∂W_encᵀ [m, d]) and the step's metrics. */
export function buildSaeTopkSparseGradGraph(o: SparseTopkOptions): Uint8Array {
  const { d, m, batch } = o;
  const b = new GraphBuilder({ name: 'sae-topk-sparse-grad', opset: 17 });
  const tape = new Tape(b, 'float32');
  const shapes: Record<Param, number[]> = { W_enc: [d, m], b_enc: [m], W_dec: [m, d], b_dec: [d] };
  for (const p of PARAMS) b.input(p, 'float32', shapes[p]);
  const x = tape.input('x', [batch, d]);
  const coef = tape.input('coef', []);
  b.input('dead', 'float32', [m]);
  const lg = saeTopkSparseLossAndGrads(tape, o, x, coef, 'dead', true);
  const id = (from: string, to: string) => b.op('Identity', [from], {}, { output: to });
  id(lg.grads.W_enc, 'g_W_encT');
  id(lg.grads.b_enc, 'g_b_enc');
  id(lg.grads.W_dec, 'g_W_dec');
  id(lg.grads.b_dec, 'g_b_dec');
  id(lg.loss, 'loss');
  id(lg.mse, 'mse');
  id(lg.l1, 'l1');
  id(lg.aux!, 'aux');
  const fired = id(lg.fired!, 'fired');
  b.mul(b.reduce('ReduceSum', fired, [0], false), tape.scalar(1 / batch), 'l0');
  const total = b.reduce('ReduceSumSquare', b.sub(x.name, b.reduce('ReduceMean', x.name, [0], true)), [0, 1], false);
  b.sub(tape.scalar(1), b.div(lg.sqErrSum, b.op('Max', [total, tape.scalar(1e-30)])), 'ev');
  b.output('g_W_encT', 'float32', [m, d]);
  b.output('g_b_enc', 'float32', [m]);
  b.output('g_W_dec', 'float32', [m, d]);
  b.output('g_b_dec', 'float32', [d]);
  for (const n of METRICS) b.output(n, 'float32', []);
  b.output('fired', 'float32', [m]);
  return b.toBytes();
}

const METRICS = ['loss', 'mse', 'l1', 'aux', 'l0', 'ev'] as const;

/** The StepRunner surface sae.ts trains through (state by name, inputs filled in place, outputs after each step). */
export class SparseTopkStepRunner extends StateView {
  readonly spec: StepRunnerSpec;
  readonly inputs: Record<string, Float32Array> = {};
  readonly outputs: Record<string, Float32Array> = {};
  private readonly session: ort.InferenceSession;
  private readonly o: SparseTopkOptions;
  private readonly values = new Map<string, Float32Array>();
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly fetches: Record<string, ort.Tensor> = {};
  private readonly grads: Record<Param, Float32Array>;

  private constructor(session: ort.InferenceSession, o: SparseTopkOptions) {
    super();
    this.session = session;
    this.o = o;
    const { d, m, batch } = o;
    const shapes: Record<Param, number[]> = { W_enc: [d, m], b_enc: [m], W_dec: [m, d], b_dec: [d] };
    const state: StateSpec[] = [];
    for (const prefix of ['', 'm_', 'v_']) for (const p of PARAMS) state.push({ input: `${prefix}${p}`, output: `${prefix}${p}_next`, shape: shapes[p] });
    for (const s of state) this.values.set(s.input, new Float32Array(s.shape.reduce((a, c) => a * c, 1)));
    const inputs = [
      { name: 'x', shape: [batch, d] },
      { name: 'lr', shape: [] },
      { name: 't', shape: [] },
      { name: 'coef', shape: [] },
      { name: 'dead', shape: [m] },
    ];
    const outputs = [...METRICS.map((n) => ({ name: n, shape: [] as number[] })), { name: 'fired', shape: [m] }];
    this.spec = { state, inputs, outputs };
    for (const i of inputs) this.inputs[i.name] = new Float32Array(Math.max(1, i.shape.reduce((a, c) => a * c, 1)));
    for (const i of inputs) if (i.name !== 'lr' && i.name !== 't') this.feeds[i.name] = new ort.Tensor('float32', this.inputs[i.name]!, i.shape);
    for (const p of PARAMS) this.feeds[p] = new ort.Tensor('float32', this.values.get(p)!, shapes[p]);
    for (const out of outputs) {
      this.outputs[out.name] = new Float32Array(Math.max(1, out.shape.reduce((a, c) => a * c, 1)));
      this.fetches[out.name] = new ort.Tensor('float32', this.outputs[out.name]!, out.shape);
    }
    const gShapes: Record<Param, number[]> = { W_enc: [m, d], b_enc: [m], W_dec: [m, d], b_dec: [d] };
    this.grads = {} as Record<Param, Float32Array>;
    for (const p of PARAMS) {
      this.grads[p] = new Float32Array(gShapes[p].reduce((a, c) => a * c, 1));
      this.fetches[p === 'W_enc' ? 'g_W_encT' : `g_${p}`] = new ort.Tensor('float32', this.grads[p], gShapes[p]);
    }
  }

  static async create(o: SparseTopkOptions, opts: { intraOpThreads?: number; label?: string } = {}): Promise<SparseTopkStepRunner> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // As StepRunner: no spinning unless CAJAL_ORT_SPIN=1 (see main/train/session.ts for the measurement).
      extra: { session: { intra_op: { allow_spinning: process.env.CAJAL_ORT_SPIN === '1' ? '1' : '0' } } },
    };
    if (opts.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = opts.intraOpThreads;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(buildSaeTopkSparseGradGraph(o), sessionOptions);
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
      throw new ModelFormatError('model.load-failed', `ONNX Runtime could not load ${opts.label ?? 'the sparse TopK training step'}: ${reason}`);
    }
    return new SparseTopkStepRunner(session, o);
  }

  protected stateBuffer(input: string): Float32Array | undefined {
    return this.values.get(input);
  }

  async step(): Promise<void> {
    await this.session.run(this.feeds, this.fetches);
    const { beta1, beta2, eps } = this.o.adam;
    const t = this.inputs.t![0]!;
    const lr = this.inputs.lr![0]!;
    // adam.ts: p ← p − m·(lr·√(1−β2^t)/(1−β1^t)) / (√v + ε·√(1−β2^t)), the scalars rounded to float32 as there.
    const sqrtBc2 = Math.fround(Math.sqrt(Math.fround(1 - Math.fround(beta2 ** t))));
    const c = adamConstants(this.o.adam, Math.fround(Math.fround(lr / Math.fround(1 - Math.fround(beta1 ** t))) * sqrtBc2), Math.fround(Math.fround(eps) * sqrtBc2));
    const v = (n: string) => this.values.get(n)!;
    adamDense(v('b_enc'), v('m_b_enc'), v('v_b_enc'), this.grads.b_enc, c);
    adamDense(v('b_dec'), v('m_b_dec'), v('v_b_dec'), this.grads.b_dec, c);
    adamEncoder(v('W_enc'), v('m_W_enc'), v('v_W_enc'), this.grads.W_enc, this.o.d, this.o.m, c);
    adamDecoder(v('W_dec'), v('m_W_dec'), v('v_W_dec'), this.grads.W_dec, this.o.m, this.o.d, c);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function adamDense(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, c: AdamConstants): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = (m[i] = m[i]! * c.b1 + gi * c.a1);
    const vi = (v[i] = v[i]! * c.b2 + gi * gi * c.a2);
    p[i] = p[i]! - (mi * c.mScale) / (Math.sqrt(vi) + c.epsHat);
  }
}

/** W_enc [d, m] with its gradient as ∂W_encᵀ [m, d]: tiles of 16 latents keep both layouts' reads in cache lines. */
function adamEncoder(p: Float32Array, m: Float32Array, v: Float32Array, gT: Float32Array, d: number, nLat: number, c: AdamConstants): void {
  const TILE = 16;
  for (let j0 = 0; j0 < nLat; j0 += TILE) {
    const j1 = Math.min(nLat, j0 + TILE);
    for (let i = 0; i < d; i++) {
      const row = i * nLat;
      for (let j = j0; j < j1; j++) {
        const at = row + j;
        const gi = gT[j * d + i]!;
        const mi = (m[at] = m[at]! * c.b1 + gi * c.a1);
        const vi = (v[at] = v[at]! * c.b2 + gi * gi * c.a2);
        p[at] = p[at]! - (mi * c.mScale) / (Math.sqrt(vi) + c.epsHat);
      }
    }
  }
}

/**
 * W_dec [m, d], per row: remove the gradient's component along the row (unit-norm dictionary vectors), Adam, then
 * renormalise the row — the dense step's projection, update and renormalisation in one pass over each row.
 */
function adamDecoder(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, nLat: number, d: number, c: AdamConstants): void {
  for (let r = 0; r < nLat; r++) {
    const o = r * d;
    let par = 0;
    for (let i = o; i < o + d; i++) par += g[i]! * p[i]!;
    par = Math.fround(par);
    let norm = 0;
    for (let i = o; i < o + d; i++) {
      const gi = Math.fround(g[i]! - Math.fround(par * p[i]!));
      const mi = (m[i] = m[i]! * c.b1 + gi * c.a1);
      const vi = (v[i] = v[i]! * c.b2 + gi * gi * c.a2);
      const pi = (p[i] = p[i]! - (mi * c.mScale) / (Math.sqrt(vi) + c.epsHat));
      norm += pi * pi;
    }
    const inv = 1 / Math.max(Math.fround(Math.sqrt(norm)), 1e-12);
    for (let i = o; i < o + d; i++) p[i] = p[i]! * inv;
  }
}

/** What sae.ts trains through: StepRunner (dense graphs) or SparseTopkStepRunner. */
export type SaeStepRunner = Pick<StepRunner, 'spec' | 'inputs' | 'outputs' | 'state' | 'stateNames' | 'step' | 'release'>;
