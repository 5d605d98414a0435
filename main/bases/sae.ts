// Sparse autoencoders as Bases: `sae-l1` (Towards Monosemanticity, Bricken et al. 2023) and `sae-topk`
// (Gao et al. 2024). Training runs one ONNX graph per step (sae-graph.ts) through a StepRunner; see
// main/train/ for the gradient rules, Adam and the data order; sae-params.ts for the parameters and their defaults,
// sae-init.ts for the initial b_dec and the resampling draws.
//
// Choices the lab makes (stored in `params`, shown in the app):
// - Inputs are scaled by one factor so their mean L2 norm is `targetNorm` (√d by default); the factor is computed
//   from the whole stream before training and stored with the SAE as `norm_scale`. encode() multiplies by it,
//   decode() divides by it, so callers always work in the harvest's own units (SAELens loses this factor).
// - Init: dictionary rows random unit vectors (seeded), W_enc = W_decᵀ, b_enc = 0, b_dec = geometric median
//   (Weiszfeld) of up to 4,096 seeded-sampled rows.
// - Resampling (sae-l1; sae-gated, as its paper trains; sae-jumprelu, see `resamples`) follows Bricken et al., scaled down: at `resampleSteps`
//   (default 10%, 20%, 30%, 40% of the run), latents inactive for the last `deadWindow` steps are re-initialised from `resampleRows` seeded-sampled
//   rows (paper: 819,200) drawn with probability ∝ (per-row squared reconstruction error)²: the decoder row becomes
//   the drawn input at unit norm, the encoder row that unit input × 0.2 × the mean alive encoder-row norm, b_enc 0,
//   and the Adam moments of all three are zeroed (test/integration/sae-mechanics.test.ts checks each).
// - Checkpoints hold every parameter, both Adam moments, each latent's last-active step, the scale and the step;
//   the data order and every random draw are pure functions of (seed, step), so resuming is exact.
import * as ort from 'onnxruntime-node';
import type { ActivationStream, Basis, BasisFactory, BasisMethod, BasisState, FitContext, NamedTensor } from './types';
import { buildSaeDecodeGraph, buildSaeEvalGraph, buildSaeStepGraph, saeParamList, saeParamShapes, usesDeadAux, type SaeKind, type SaeWeights } from './sae-graph';
import { StepRunner } from '../train/session';
import { SplitAdamStepRunner } from '../train/split-step'; // h14sae (#14 item 5)
import { ShuffledBatches, defaultBufferRows, gatherRows } from '../train/batches';
import { createSession } from '../onnx/session';
import { Rng } from '../util/random';
import { topkStepImpl } from './sae-topk-sparse'; // h18topk (#18 item 5)
import { sparseStepGraph } from './sae-sparse-encoder'; // #12/#14
import { pairsAlternate, pairsSwitchDensity } from './sae-pairs-step'; // #12/#14: the L1, JumpReLU and Gated pair steps in JS
import { batchTopkPrimary } from './sae-batchtopk-pairs'; // #12/#14: the TopK family's
import { batchTopkCut, meanCut } from './sae-batch-threshold'; // h12def
import { resamples, resolveSaeParams, saeSpec, type SaeParams } from './sae-params';
import { geometricMedian, pickByLossSquared } from './sae-init';
import { UserError } from '../errors';
import { applyFrame, encoderInput, frameOf, normaliseRows, type RowFrame } from './row-norm'; // h12norm

/** What sae.ts trains through: the one-graph step (Adam as ORT nodes) or the split step (Adam in one fused pass). */
type SaeStepRunner = StepRunner | SplitAdamStepRunner;

const INIT_KEY = 0x1417;
const MEDIAN_KEY = 0x6d3d;
const RESAMPLE_KEY = 0x7e5a;
const THRESHOLD_KEY = 0x7b3c; // h12def
/** h12def: batches of B rows on which BatchTopK's inference threshold is estimated after training. */
const THRESHOLD_BATCHES = 8;
const CHECKPOINT_VERSION = 1;

export interface SaeLive {
  step: number;
  loss: number;
  mse: number;
  l1: number;
  l0: number;
  deadFraction: number;
  explainedVariance: number;
  aux: number;
  lr: number;
}

export class SparseAutoencoder implements Basis {
  readonly method: BasisMethod;
  readonly kind: SaeKind;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly dim: number;
  readonly nFeatures: number;
  readonly cfg: SaeParams;
  /** Fitted weights (normalised units) and the input scale. */
  weights: SaeWeights | null = null;
  normScale = 1;
  /** sae-batchtopk: the global inference threshold on pre-activations (normalised units); 0 until trained. */
  threshold = 0;
  /** sae-l1, sae-jumprelu, sae-gated: the last training step's L0 / m, which picks the next step's graph (1 before the first: dense). */
  private stepDensity = 1;
  /** BatchTopK and Matryoshka train with the batch's top k·B and encode with one global threshold. */
  get usesThreshold(): boolean {
    return this.kind === 'batchtopk' || this.kind === 'matryoshka';
  }
  /** The last live metrics of training. */
  lastLive: SaeLive | null = null;
  private evalSession: Promise<ort.InferenceSession> | null = null;
  private decodeSession: Promise<ort.InferenceSession> | null = null;

  constructor(kind: SaeKind, params: Record<string, unknown>, seed: number, dim: number) {
    this.kind = kind;
    this.method = `sae-${kind}`;
    this.seed = seed;
    this.dim = dim;
    this.cfg = resolveSaeParams(kind, params, dim);
    this.nFeatures = this.cfg.nFeatures;
    this.params = { ...this.cfg, expansion: this.nFeatures / dim } as unknown as Record<string, unknown>;
  }

  // ---- training -----------------------------------------------------------------------------------------------

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    if (stream.dim !== this.dim) throw new Error(`This SAE expects ${this.dim}-dimensional rows; the activations have ${stream.dim}.`);
    if (this.cfg.rowNorm) throw new Error(`Cajal trains SAEs with one input scale, not with rowNorm = "${this.cfg.rowNorm}".`); // h12norm: create refuses it first
    const cfg = this.cfg;
    const d = this.dim;
    const m = this.nFeatures;
    const batch = Math.min(cfg.batchSize, stream.rows);
    // h18topk (#18 item 5), #12/#14: the TopK family trains on its selected latents when m/k is large
    // (sae-topk-sparse.ts, sae-batchtopk-sparse.ts)
    const sparse = usesDeadAux(this.kind) && cfg.provider === 'cpu' && topkStepImpl(cfg.topkTraining, m, cfg.k) === 'sparse';
    const adam = { beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps };
    const label = `the ${this.method} training step`;
    // h14sae (#14 item 5): on the CPU, Adam runs as one fused pass per parameter after the graph (train/split-step.ts), same numbers
    const optimizer = cfg.provider === 'cpu' ? 'js' : 'graph';
    // A sparse graph (CPU only, so always a split step) takes its encoder product from a prelude on the fit's threads
    // and runs its scatters on SPARSE_STEP_THREADS, so that they are reproducible (sae-sparse-encoder.ts).
    const { bytes, spec: stepSpec, params } = buildSaeStepGraph({ d, m, kind: this.kind, k: cfg.k, kAux: cfg.kAux, nestLevels: cfg.nestLevels, nestLossDecay: cfg.nestLossDecay, bandwidth: cfg.bandwidth * cfg.targetNorm, batch, adam, optimizer, impl: sparse ? 'sparse' : undefined, encInput: sparse }); // h12jg: the graph sees inputs at mean norm targetNorm
    // #12/#14: sae-l1's, sae-jumprelu's and sae-gated's step on the codes' nonzero pairs (sae-pairs-step.ts in JS; the
    // sparse graphs sae-l1-sparse.ts, sae-jumprelu-sparse.ts, sae-gated-sparse.ts where d is not a multiple of 4) as the
    // split step's alternate, chosen per step by the last step's density; 'dense' leaves it out, 'sparse' always uses it.
    const pairsSparse = (this.kind === 'l1' || this.kind === 'jumprelu' || this.kind === 'gated') && optimizer === 'js' && cfg.topkTraining !== 'dense';
    const bandwidth = cfg.bandwidth * cfg.targetNorm;
    const switchDensity = pairsSwitchDensity(this.kind, { d, m, batch });
    const alternate = pairsSparse ? pairsAlternate(this.kind, { d, m, batch, bandwidth, adam }, () => buildSaeStepGraph({ d, m, kind: this.kind, bandwidth, batch, adam, optimizer, impl: 'sparse', encInput: true }).bytes) : undefined;
    const opts = { intraOpThreads: cfg.threads ?? undefined, provider: cfg.provider, label };
    // #12/#14: the TopK family's sparse step in JS over its selected pairs (sae-batchtopk-pairs.ts) where it applies.
    const topkFamily = this.kind === 'topk' || this.kind === 'batchtopk' || this.kind === 'matryoshka';
    const primary = !sparse ? undefined : topkFamily ? batchTopkPrimary({ kind: this.kind as 'topk' | 'batchtopk' | 'matryoshka', d, m, batch, k: cfg.k, kAux: cfg.kAux, nestLevels: cfg.nestLevels, nestLossDecay: cfg.nestLossDecay, adam, session: opts }, bytes) : sparseStepGraph(this.kind, d, m, batch, bytes, cfg.k);
    const runner: SaeStepRunner = optimizer === 'js' ? await SplitAdamStepRunner.create(bytes, stepSpec, params, adam, { ...opts, primary, alternate }) : await StepRunner.create(bytes, stepSpec, opts);
    const spec = runner.spec;
    const lastFired = new Float32Array(m);
    let step = 0;
    try {
      const saved = ctx.checkpoint?.load() ?? null;
      if (saved) {
        step = this.restore(saved, runner, lastFired);
      } else {
        ctx.progress({ fraction: 0, message: 'Measuring the activations (norm and geometric median)…' });
        await this.initialise(stream, runner);
      }
      const bufferRows = cfg.shuffleBufferRows > 0 ? cfg.shuffleBufferRows : defaultBufferRows(stream.rows, d, batch);
      const batches = new ShuffledBatches(stream, { batch, bufferRows, seed: this.seed });
      const x = runner.inputs.x as Float32Array;
      const lr = runner.inputs.lr as Float32Array;
      const t = runner.inputs.t as Float32Array;
      const coef = runner.inputs.coef as Float32Array;
      const dead = (runner.inputs.dead as Float32Array | undefined) ?? null;
      const scale = this.normScale;
      const out = runner.outputs;
      const save = () => {
        if (!ctx.checkpoint) return;
        const state: BasisState = {};
        for (const st of spec.state) state[st.input] = { shape: [...st.shape], data: Float32Array.from(runner.state(st.input)) };
        state.last_fired = { shape: [m], data: Float32Array.from(lastFired) };
        state.norm_scale = { shape: [1], data: Float32Array.of(this.normScale) };
        if (pairsSparse) state.step_density = { shape: [1], data: Float32Array.of(this.stepDensity) }; // so a resumed fit picks the same graphs
        if (this.usesThreshold) state.threshold = { shape: [1], data: Float32Array.of(this.threshold) };
        const loc = batches.locate(step);
        ctx.checkpoint.save(step, state, {
          version: CHECKPOINT_VERSION,
          method: this.method,
          step,
          epoch: loc.epoch,
          rowInEpoch: loc.rowInEpoch,
          dataOrder: 'pure function of (seed, epoch, window); see main/train/batches.ts',
          rng: { scheme: 'Rng.stream(seed, key, …) per use; no sequential generator state', seed: this.seed },
          live: this.lastLive,
        });
      };
      let lastSaved = step;
      const iter = step < cfg.steps ? batches.batches(step, x) : null;
      while (step < cfg.steps) {
        try {
          ctx.throwIfCancelled();
        } catch (err) {
          if (step > lastSaved) save();
          throw err;
        }
        const next = await iter!.next();
        if (next.done) throw new Error('The batch generator ended early.');
        if (scale !== 1) for (let i = 0; i < x.length; i++) x[i]! *= scale;
        const lrNow = this.lrAt(step);
        lr[0] = lrNow;
        t[0] = step + 1;
        if (!usesDeadAux(this.kind)) {
          // h12jg: the penalty coefficient, warmed up linearly (sae-jumprelu: λ of the L0; sae-l1, sae-gated: λ of the L1)
          const lambda = this.kind === 'jumprelu' ? cfg.l0Coefficient : cfg.l1Coefficient;
          coef[0] = lambda * (cfg.l1WarmupSteps > 0 ? Math.min(1, (step + 1) / cfg.l1WarmupSteps) : 1);
        } else {
          let anyDead = false;
          for (let j = 0; j < m; j++) {
            const isDead = step - lastFired[j]! >= cfg.deadWindow;
            dead![j] = isDead ? 1 : 0;
            anyDead ||= isDead;
          }
          coef[0] = anyDead ? cfg.auxCoefficient : 0;
        }
        if (pairsSparse && runner instanceof SplitAdamStepRunner) runner.useAlternate = cfg.topkTraining === 'sparse' || this.stepDensity <= switchDensity;
        await runner.step();
        step++;
        if (pairsSparse) this.stepDensity = out.l0![0]! / m;
        if (this.usesThreshold) {
          // SAELens' update: θ ← (1 − lr)·θ + lr·(smallest positive code kept in this batch), skipped when none is.
          const minPos = out.minpos![0]!;
          if (minPos < 1e38) this.threshold = (1 - cfg.thresholdLr) * this.threshold + cfg.thresholdLr * minPos;
        }
        const fired = out.fired!;
        for (let j = 0; j < m; j++) if (fired[j]! > 0) lastFired[j] = step;
        if (resamples(this.kind) && cfg.resampleSteps.includes(step)) {
          const n = await this.resample(stream, runner, lastFired, step);
          ctx.progress({ fraction: step / cfg.steps, message: `Resampled ${n} dead latents at step ${step}.`, done: step, total: cfg.steps, unit: 'steps' });
        }
        if (step % cfg.progressEvery === 0 || step === cfg.steps) {
          let nDead = 0;
          for (let j = 0; j < m; j++) if (step - lastFired[j]! >= cfg.deadWindow) nDead++;
          const live: SaeLive = {
            step,
            loss: out.loss![0]!,
            mse: out.mse![0]!,
            l1: out.l1![0]!,
            l0: out.l0![0]!,
            deadFraction: nDead / m,
            explainedVariance: out.ev![0]!,
            aux: !usesDeadAux(this.kind) || coef[0] !== 0 ? out.aux![0]! : 0,
            lr: lrNow,
          };
          this.lastLive = live;
          ctx.progress({ fraction: step / cfg.steps, done: step, total: cfg.steps, unit: 'steps', live: { ...live } });
        }
        if (ctx.checkpoint && step % cfg.checkpointEvery === 0 && step < cfg.steps) {
          save();
          lastSaved = step;
        }
      }
      await iter?.return(undefined);
      this.weights = Object.fromEntries(saeParamList(this.kind).map((n) => [n, Float32Array.from(runner.state(n))])) as SaeWeights;
      if (this.usesThreshold) this.threshold = await this.estimateThreshold(stream, batch); // h12def
    } finally {
      await runner.release();
    }
    this.evalSession = null;
    this.decodeSession = null;
  }

  /**
   * h12def: BatchTopK's inference threshold on the finished encoder: the mean over THRESHOLD_BATCHES seeded batches
   * of B rows of the smallest code each batch's top k·B keeps (sae-batch-threshold.ts says why not the running mean).
   */
  private async estimateThreshold(stream: ActivationStream, batch: number): Promise<number> {
    const d = this.dim;
    const n = Math.min(stream.rows, THRESHOLD_BATCHES * batch);
    const idx = Rng.stream(this.seed, THRESHOLD_KEY).sampleIndices(stream.rows, n).sort();
    const sample = await gatherRows(stream, idx);
    this.threshold = 0; // the eval graph then gives f = ReLU(pre), every candidate code
    const cuts: (number | null)[] = [];
    for (let r = 0; r < n; r += batch) {
      const rows = Math.min(batch, n - r);
      const { f } = await this.evaluate(sample.subarray(r * d, (r + rows) * d), rows, this.weights!, this.normScale, ['f']);
      cuts.push(batchTopkCut(f!, rows, this.cfg.k));
    }
    return meanCut(cuts);
  }

  /** Learning rate after `step` completed steps: linear warm-up, then constant, then optional linear decay. */
  lrAt(step: number): number {
    const { lr, lrWarmupSteps, lrDecayFraction, steps } = this.cfg;
    let f = lrWarmupSteps > 0 ? Math.min(1, (step + 1) / lrWarmupSteps) : 1;
    if (lrDecayFraction > 0) {
      const decayStart = steps * (1 - lrDecayFraction);
      if (step >= decayStart) f *= Math.max(0, (steps - step) / (steps - decayStart));
    }
    return lr * f;
  }

  private restore(saved: { step: number; state: BasisState; extra: Record<string, unknown> }, runner: SaeStepRunner, lastFired: Float32Array): number {
    if (saved.extra.version !== CHECKPOINT_VERSION || saved.extra.method !== this.method) {
      throw new Error(`The saved checkpoint is not a ${this.method} checkpoint of this version; start the fit afresh.`);
    }
    for (const name of runner.stateNames()) {
      const t = saved.state[name];
      const dst = runner.state(name);
      if (!t || t.data.length !== dst.length) throw new Error(`The checkpoint's "${name}" does not match this SAE's shape; start the fit afresh.`);
      dst.set(t.data);
    }
    lastFired.set(saved.state.last_fired!.data);
    this.normScale = saved.state.norm_scale!.data[0]!;
    this.threshold = saved.state.threshold?.data[0] ?? 0;
    this.stepDensity = saved.state.step_density?.data[0] ?? 1;
    return saved.step;
  }

  /** Input scale, geometric-median b_dec, seeded dictionary; zero Adam moments. */
  private async initialise(stream: ActivationStream, runner: SaeStepRunner): Promise<void> {
    const d = this.dim;
    const m = this.nFeatures;
    let normSum = 0;
    let rows = 0;
    for await (const block of stream.blocks()) {
      for (let r = 0; r < block.rowCount; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += block.data[r * d + j]! ** 2;
        normSum += Math.sqrt(s);
      }
      rows += block.rowCount;
    }
    const meanNorm = normSum / Math.max(rows, 1);
    // Rounded to float32, the precision checkpoints store it in: a resumed run then scales its batches bit for bit like
    // an uninterrupted one (h12jg: JumpReLU's gates turn a last-bit difference into a different code).
    this.normScale = Math.fround(this.cfg.normalize && meanNorm > 0 ? this.cfg.targetNorm / meanNorm : 1);
    const nSample = Math.min(stream.rows, 4096);
    const idx = Rng.stream(this.seed, MEDIAN_KEY).sampleIndices(stream.rows, nSample).sort();
    const sample = await gatherRows(stream, idx);
    for (let i = 0; i < sample.length; i++) sample[i]! *= this.normScale;
    runner.state('b_dec').set(geometricMedian(sample, nSample, d));
    const rng = Rng.stream(this.seed, INIT_KEY);
    const wDec = runner.state('W_dec');
    const wEnc = runner.state('W_enc');
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = rng.normal();
        wDec[i * d + j] = v;
        s += v * v;
      }
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) {
        wDec[i * d + j]! *= inv;
        wEnc[j * m + i] = wDec[i * d + j]!;
      }
    }
    runner.state('b_enc').fill(0);
    // h12jg: JumpReLU's θ starts at initThreshold (paper: 0.001 at unit norm); Gated's r_mag and b_mag at 0 (paper).
    if (this.kind === 'jumprelu') runner.state('log_threshold').fill(Math.log(this.cfg.initThreshold * this.cfg.targetNorm));
    if (this.kind === 'gated') for (const n of ['r_mag', 'b_mag']) runner.state(n).fill(0);
    if (this.kind === 'gated') runner.state('b_enc').fill(-this.cfg.initThreshold * this.cfg.targetNorm); // h12gm: b_gate = −θ₀
    for (const name of runner.stateNames()) if (name.startsWith('m_') || name.startsWith('v_')) runner.state(name).fill(0);
  }

  /** Towards Monosemanticity's resampling of dead latents; returns how many were resampled. */
  private async resample(stream: ActivationStream, runner: SaeStepRunner, lastFired: Float32Array, step: number): Promise<number> {
    const d = this.dim;
    const m = this.nFeatures;
    const deadIdx: number[] = [];
    for (let j = 0; j < m; j++) if (step - lastFired[j]! >= this.cfg.deadWindow) deadIdx.push(j);
    if (deadIdx.length === 0) return 0;
    const n = Math.min(stream.rows, this.cfg.resampleRows);
    const rows = Rng.stream(this.seed, RESAMPLE_KEY, step).sampleIndices(stream.rows, n).sort();
    const sample = await gatherRows(stream, rows);
    const weights = Object.fromEntries(saeParamList(this.kind).map((p) => [p, runner.state(p)])) as SaeWeights;
    const { sqerr } = await this.evaluate(sample, n, weights, this.normScale, ['sqerr']);
    const wEnc = weights.W_enc;
    const wDec = weights.W_dec;
    const bEnc = weights.b_enc;
    const isDead = new Uint8Array(m);
    for (const j of deadIdx) isDead[j] = 1;
    let aliveNorm = 0;
    let alive = 0;
    for (let j = 0; j < m; j++) {
      if (isDead[j]) continue;
      let s = 0;
      for (let i = 0; i < d; i++) s += wEnc[i * m + j]! ** 2;
      aliveNorm += Math.sqrt(s);
      alive++;
    }
    const encScale = 0.2 * (alive > 0 ? aliveNorm / alive : 1);
    const rng = Rng.stream(this.seed, RESAMPLE_KEY, step, 1);
    const mEnc = runner.state('m_W_enc');
    const vEnc = runner.state('v_W_enc');
    const mDec = runner.state('m_W_dec');
    const vDec = runner.state('v_W_dec');
    const mB = runner.state('m_b_enc');
    const vB = runner.state('v_b_enc');
    const picks = pickByLossSquared(sqerr!, n, deadIdx.length, rng);
    for (let t = 0; t < deadIdx.length; t++) {
      const j = deadIdx[t]!;
      const r = picks[t]!;
      let s = 0;
      for (let i = 0; i < d; i++) s += (sample[r * d + i]! * this.normScale) ** 2;
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let i = 0; i < d; i++) {
        const u = sample[r * d + i]! * this.normScale * inv;
        wDec[j * d + i] = u;
        wEnc[i * m + j] = u * encScale;
        mDec[j * d + i] = 0;
        vDec[j * d + i] = 0;
        mEnc[i * m + j] = 0;
        vEnc[i * m + j] = 0;
      }
      bEnc[j] = this.kind === 'gated' ? -this.cfg.initThreshold * this.cfg.targetNorm : 0; // h12gm: Gated's gate bias restarts at −θ₀
      mB[j] = 0;
      vB[j] = 0;
      if (this.kind === 'jumprelu') {
        // h12def: the resampled latent's threshold restarts at its initial value, below the new encoder row's codes.
        for (const pre of ['', 'm_', 'v_']) runner.state(`${pre}log_threshold`)[j] = pre ? 0 : Math.log(this.cfg.initThreshold * this.cfg.targetNorm);
      }
      if (this.kind === 'gated') {
        // h12jg: b_enc is the gate bias; the magnitude path's own parameters restart at their initial 0 too.
        for (const n of ['r_mag', 'b_mag']) for (const pre of ['', 'm_', 'v_']) runner.state(`${pre}${n}`)[j] = 0;
      }
      lastFired[j] = step;
    }
    return deadIdx.length;
  }

  // ---- inference ----------------------------------------------------------------------------------------------

  private requireWeights(): SaeWeights {
    if (!this.weights) throw new Error(`This ${this.method} basis has not been fitted yet.`);
    return this.weights;
  }

  private async evaluate(
    x: Float32Array,
    rows: number,
    weights: SaeWeights,
    scale: number,
    fetch: ('f' | 'xhat' | 'sqerr')[],
  ): Promise<Partial<Record<'f' | 'xhat' | 'sqerr', Float32Array>>> {
    this.evalSession ??= createSession(buildSaeEvalGraph({ d: this.dim, m: this.nFeatures, kind: this.kind, k: this.cfg.k }), {
      intraOpThreads: this.cfg.threads ?? undefined,
      label: `the ${this.method} encoder`,
    });
    const session = await this.evalSession;
    const shapes = saeParamShapes(this.dim, this.nFeatures);
    const d = this.dim;
    const chunk = Math.max(1, Math.floor((1 << 24) / Math.max(this.nFeatures, d)));
    const result: Partial<Record<'f' | 'xhat' | 'sqerr', Float32Array>> = {};
    const widths = { f: this.nFeatures, xhat: d, sqerr: 1 };
    for (const name of fetch) result[name] = new Float32Array(rows * widths[name]);
    const feeds: Record<string, ort.Tensor> = { scale: new ort.Tensor('float32', Float32Array.of(scale), []) };
    if (this.usesThreshold) feeds.threshold = new ort.Tensor('float32', Float32Array.of(this.threshold), []);
    for (const p of saeParamList(this.kind)) feeds[p] = new ort.Tensor('float32', weights[p]!, shapes[p]);
    for (let r = 0; r < rows; r += chunk) {
      const n = Math.min(chunk, rows - r);
      feeds.x = new ort.Tensor('float32', x.subarray(r * d, (r + n) * d), [n, d]);
      const out = await session.run(feeds, fetch);
      for (const name of fetch) result[name]!.set(out[name]!.data as Float32Array, r * widths[name]);
    }
    return result;
  }

  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (x.length !== rows * this.dim) throw new Error(`encode got ${x.length} values for ${rows} rows of ${this.dim}.`);
    return (await this.evaluate(encoderInput(x, rows, this.dim, this.cfg.rowNorm ?? 'none'), rows, this.requireWeights(), this.normScale, ['f'])).f!;
  }

  /** Reconstruction x̂ of rows x (encode then decode in one pass), in the data's units. */
  async reconstruct(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.cfg.rowNorm) return (await this.evaluate(x, rows, this.requireWeights(), this.normScale, ['xhat'])).xhat!;
    const n = normaliseRows(x, rows, this.dim, this.cfg.rowNorm); // h12norm
    return applyFrame((await this.evaluate(n.x, rows, this.requireWeights(), this.normScale, ['xhat'])).xhat!, rows, this.dim, n.frame);
  }

  /** h12norm: the rows' own scale and shift for an SAE imported with SAELens' row normalisation; null otherwise. */
  frame(x: Float32Array, rows: number): RowFrame | null {
    return frameOf(x, rows, this.dim, this.cfg.rowNorm ?? 'none');
  }

  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    const w = this.requireWeights();
    const { dim: d, nFeatures: m } = this;
    if (f.length !== rows * m) throw new Error(`decode got ${f.length} values for ${rows} rows of ${m} features.`);
    this.decodeSession ??= createSession(buildSaeDecodeGraph(d, m), { intraOpThreads: this.cfg.threads ?? undefined, label: `the ${this.method} decoder` });
    const session = await this.decodeSession;
    const out = await session.run({
      f: new ort.Tensor('float32', f, [rows, m]),
      scale: new ort.Tensor('float32', Float32Array.of(this.normScale), []),
      W_dec: new ort.Tensor('float32', w.W_dec, [m, d]),
      b_dec: new ort.Tensor('float32', w.b_dec, [d]),
    });
    return Float32Array.from(out.xhat!.data as Float32Array);
  }

  directions(): Float32Array {
    const w = this.requireWeights().W_dec;
    const d = this.dim;
    const out = new Float32Array(w.length);
    for (let i = 0; i < this.nFeatures; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[i * d + j]! ** 2;
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let j = 0; j < d; j++) out[i * d + j] = w[i * d + j]! * inv;
    }
    return out;
  }

  /** SAELens layout in normalised units, plus `norm_scale`: x_normalised = x · norm_scale. */
  state(): BasisState {
    const w = this.requireWeights();
    const shapes = saeParamShapes(this.dim, this.nFeatures);
    const s: BasisState = {};
    for (const p of saeParamList(this.kind)) s[p] = { shape: shapes[p], data: Float32Array.from(w[p]!) } satisfies NamedTensor;
    s.norm_scale = { shape: [1], data: Float32Array.of(this.normScale) };
    if (this.usesThreshold) s.threshold = { shape: [1], data: Float32Array.of(this.threshold) };
    return s;
  }

  static fromState(kind: SaeKind, params: Record<string, unknown>, seed: number, state: BasisState): SparseAutoencoder {
    const wEnc = state.W_enc;
    if (!wEnc || wEnc.shape.length !== 2) throw new Error('The stored SAE has no W_enc [d, m] tensor.');
    const [d, m] = wEnc.shape as [number, number];
    const sae = new SparseAutoencoder(kind, { ...params, nFeatures: m }, seed, d);
    const shapes = saeParamShapes(d, m);
    const w = {} as SaeWeights;
    for (const p of saeParamList(kind)) {
      const t = state[p];
      const n = shapes[p].reduce((a, b) => a * b, 1);
      if (!t || t.data.length !== n) throw new Error(`The stored SAE's ${p} should hold ${n} values.`);
      w[p] = Float32Array.from(t.data);
    }
    sae.weights = w;
    sae.normScale = state.norm_scale?.data[0] ?? 1;
    if (kind === 'batchtopk' || kind === 'matryoshka') {
      const th = state.threshold;
      if (!th || th.data.length !== 1) throw new Error('The stored BatchTopK SAE should hold one threshold value.');
      sae.threshold = th.data[0]!;
    }
    return sae;
  }
}

export function saeFactory(kind: SaeKind): BasisFactory {
  return {
    spec: saeSpec(kind),
    create: (params, seed, dim) => {
      // h12norm: a run-time row normalisation comes with imported SAELens SAEs (loaded, not created); Cajal trains with one input scale.
      if (params.rowNorm !== undefined && params.rowNorm !== 'none') throw new UserError('basis.params', `Cajal trains SAEs with one input scale; rowNorm = "${String(params.rowNorm)}" is read from imported SAELens SAEs only.`);
      return new SparseAutoencoder(kind, params, seed, dim);
    },
    load: (params, seed, state) => SparseAutoencoder.fromState(kind, params, seed, state),
  };
}
