// The ONNX graphs of the sparse autoencoders: the loss (shared by the training step and the gradient check),
// the whole training step (forward, loss, gradients, decoder-gradient projection, Adam, decoder renormalisation,
// metrics), and the evaluation graph (encode, reconstruct, per-row error) used by encode/decode and resampling.
//
// Layout (SAELens): W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d]; rows of W_dec are the dictionary vectors.
import { GraphBuilder } from '../onnx/builder';
import { Tape, type FloatDType, type T } from '../train/autodiff';
import { adamScalars, adamUpdate, type AdamConfig } from '../train/adam';
import type { StateSpec, StepRunnerSpec } from '../train/session';
import { unitRowsNodes, type SplitParam } from '../train/split-step'; // h14sae (#14 item 5)
import { jumpReluEncode, jumpReluOnTape } from './sae-jumprelu-graph'; // h12jg
import { gatedEncode, gatedOnTape } from './sae-gated-graph'; // h12jg
import { saeTopkSparseLossAndGrads } from './sae-topk-sparse'; // h18topk (#18 item 5)
import { deadAuxLoss } from './sae-dead-aux'; // #12/#14: the aux loss over the dead latents' columns
import { saeBatchTopkSparseLossAndGrads } from './sae-batchtopk-sparse'; // #12/#14
import { batchTopkCount, scatterAdd } from './sae-sparse-encoder'; // #12/#14: BatchTopK's K, the scatter-add every sparse step uses
import { saeJumpReluSparseLossAndGrads } from './sae-jumprelu-sparse'; // #12/#14
import { saeGatedSparseLossAndGrads } from './sae-gated-sparse'; // #12/#14
import { saeL1SparseLossAndGrads } from './sae-l1-sparse'; // #12/#14

// #12: 'batchtopk' (Bussmann et al. 2024) keeps the k·B largest pre-activations of the whole batch in training.
// 'matryoshka' (Bussmann et al. 2025; Nabeshima 2024) trains BatchTopK codes whose nested prefixes each reconstruct x.
// h12jg: 'jumprelu' and 'gated' (Rajamanoharan et al. 2024), their losses in sae-jumprelu-graph.ts / sae-gated-graph.ts.
export type SaeKind = 'l1' | 'topk' | 'batchtopk' | 'matryoshka' | 'jumprelu' | 'gated';

export interface SaeShape {
  d: number;
  m: number;
  kind: SaeKind;
  /** TopK: active latents per row. */
  k?: number;
  /** TopK: dead latents used by the auxiliary loss. */
  kAux?: number;
  /** Matryoshka: number of nested prefixes (m/2^(levels−1), …, m/2, m). */
  nestLevels?: number;
  /** h12mat Matryoshka: weight β of each inner prefix's loss per level inward (Chanin et al.'s balance): β^j, j levels inside the full one. */
  nestLossDecay?: number;
  /** JumpReLU: the STE kernel's bandwidth ε (in the normalised units the graph sees). */
  bandwidth?: number;
}

/** Matryoshka's nested dictionary sizes, smallest first, ending at m (duplicates from tiny m removed). */
export function matryoshkaPrefixes(m: number, levels: number): number[] {
  const sizes = new Set<number>();
  for (let l = levels - 1; l >= 0; l--) sizes.add(Math.max(1, Math.floor(m / 2 ** l)));
  return [...sizes].sort((a, b) => a - b);
}

/**
 * h12gm: Matryoshka's default number of nested prefixes for m latents on d-dimensional inputs: the smallest prefix
 * holds about d latents and each next one doubles, up to m — log2(m/d) + 1 levels, at least 2. Bussmann et al.'s
 * groups start at the input width (their m/16 at m = 16·d); a fixed m/16 left the first prefixes far narrower than
 * the input at the lab's smaller expansions (16 latents for d = 64, m = 256), and on a planted dictionary recovery at
 * the defaults was 0.941 with m/16 … m, 0.975 with d, 2d, 4d (bench sae-planted-defaults).
 */
export function matryoshkaDefaultLevels(m: number, d: number): number {
  return Math.max(2, Math.floor(Math.log2(m / d)) + 1);
}

export const SAE_PARAMS = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const;
export type SaeParam = (typeof SAE_PARAMS)[number];

/** h12jg: trained tensors some kinds add to the four: JumpReLU's log θ; Gated's r_mag and b_mag (b_enc is b_gate). */
export type SaeExtraParam = 'log_threshold' | 'r_mag' | 'b_mag';
export type SaeWeights = Record<SaeParam, Float32Array> & Partial<Record<SaeExtraParam, Float32Array>>;

export function saeExtraParams(kind: SaeKind): SaeExtraParam[] {
  return kind === 'jumprelu' ? ['log_threshold'] : kind === 'gated' ? ['r_mag', 'b_mag'] : [];
}

/** Every trained tensor of a kind, in state order. */
export function saeParamList(kind: SaeKind): (SaeParam | SaeExtraParam)[] {
  return [...SAE_PARAMS, ...saeExtraParams(kind)];
}

/** The kinds whose loss has TopK's auxiliary loss on dead latents (and so a `dead` input). */
export function usesDeadAux(kind: SaeKind): boolean {
  return kind === 'topk' || kind === 'batchtopk' || kind === 'matryoshka';
}

export function saeParamShapes(d: number, m: number): Record<SaeParam | SaeExtraParam, number[]> {
  return { W_enc: [d, m], b_enc: [m], W_dec: [m, d], b_dec: [d], log_threshold: [m], r_mag: [m], b_mag: [m] };
}

export interface SaeLossParts {
  loss: T;
  mse: T;
  /** Σ_features |f| averaged over the batch (sae-l1) */
  l1: T;
  /** auxiliary dead-latent loss before its coefficient (sae-topk) */
  aux: T | null;
  f: T;
  pre: T;
  err: T;
}

/**
 * Builds the SAE loss on a tape. `coef` is a rank-0 input: λ (L1 coefficient) for sae-l1, the aux coefficient for
 * sae-topk (0 when no latent is dead). `dead` ([m], 0/1) is needed for sae-topk's auxiliary loss.
 *   x̄ = x − b_dec; pre = W_enc x̄ + b_enc (computed as x·W_enc + (b_enc − b_dec·W_enc), which needs no B×m×d
 *   product for b_dec's gradient); f = ReLU(pre) or ReLU(TopK_k(pre)); x̂ = f·W_dec + b_dec.
 */
export function saeLoss(
  tape: Tape,
  p: Record<SaeParam, T> & Partial<Record<SaeExtraParam, T>>,
  x: T,
  coef: T,
  shape: SaeShape,
  dead: string | null,
  /** Gradient checks only: the aux target as an input (in training it is x − x̂ with the gradient stopped). */
  residualInput?: T,
  /** Gradient checks only (sae-gated): the auxiliary loss's decoder as inputs (in training, stop-gradient copies). */
  frozenDecoder?: { W_dec: T; b_dec: T },
  /** The TopK family's dead-latent aux loss on the tape ('tape'), or left to the caller ('caller': sae-dead-aux.ts). */
  deadAux: 'tape' | 'caller' = 'tape',
): SaeLossParts {
  const { d, m } = shape;
  const batch = x.shape[0]!;
  const bdecRow = tape.reshape(p.b_dec, [1, d]);
  if (shape.kind === 'gated') {
    // h12jg: h = (x − b_dec)·W_enc, then the gated encoder and its sparsity and auxiliary terms (sae-gated-graph.ts).
    const h = tape.sub(tape.matmul(x, p.W_enc), tape.matmul(bdecRow, p.W_enc));
    const frozen = frozenDecoder ?? { W_dec: tape.stopGradient(p.W_dec), b_dec: tape.stopGradient(p.b_dec) };
    const g = gatedOnTape(tape, h, { b_enc: p.b_enc, r_mag: p.r_mag!, b_mag: p.b_mag! }, x, frozen);
    const err = tape.sub(tape.add(tape.matmul(g.f, p.W_dec), p.b_dec), x);
    const mse = tape.meanAll(tape.square(err));
    return { loss: tape.add(tape.add(mse, tape.mul(coef, g.sparsity)), g.aux), mse, l1: g.sparsity, aux: g.aux, f: g.f, pre: h, err };
  }
  const shift = tape.sub(tape.reshape(p.b_enc, [1, m]), tape.matmul(bdecRow, p.W_enc));
  const pre = tape.add(tape.matmul(x, p.W_enc), shift);
  if (shape.kind === 'jumprelu') {
    // h12jg: f = pre ⊙ H(pre − θ) and λ·L0 with the paper's STEs to θ (sae-jumprelu-graph.ts); `l1` reports the L0.
    const j = jumpReluOnTape(tape, pre, p.log_threshold!, shape.bandwidth ?? 0.001);
    const err = tape.sub(tape.add(tape.matmul(j.f, p.W_dec), p.b_dec), x);
    const mse = tape.meanAll(tape.square(err));
    return { loss: tape.add(mse, tape.mul(coef, j.l0)), mse, l1: j.l0, aux: null, f: j.f, pre, err };
  }
  const f =
    shape.kind === 'topk'
      ? tape.relu(tape.topk(pre, shape.k ?? 32))
      : shape.kind === 'batchtopk' || shape.kind === 'matryoshka'
        ? tape.reshape(tape.relu(tape.topk(tape.reshape(pre, [1, batch * m]), Math.min((shape.k ?? 32) * batch, batch * m))), [batch, m])
        : tape.relu(pre);
  const xhat = tape.add(tape.matmul(f, p.W_dec), p.b_dec);
  const err = tape.sub(xhat, x);
  const mse = tape.meanAll(tape.square(err));
  const l1 = tape.scale(tape.sumAll(tape.abs(f)), 1 / batch);
  // Matryoshka: each proper prefix of the dictionary reconstructs x from its own latents' codes too; the loss sums the
  // prefix MSEs with the full one (a fixed 0/1 mask over latents per prefix; codes are still the batch's top k·B).
  // h12mat: the prefix j levels inside the full dictionary has weight β^j (nestLossDecay; 1 = Bussmann's equal weights).
  // #14/#12: an inner prefix's reconstruction is the previous one's plus its own group of latents,
  // f[:, a:b]·W_dec[a:b] — so all inner prefixes together cost one decode of the largest, instead of a full-width
  // (masked) decode each: at 4 levels, 1.5 full-width decodes forward and backward instead of 4.
  let recon = mse;
  if (shape.kind === 'matryoshka') {
    const inner = matryoshkaPrefixes(m, shape.nestLevels ?? 5).slice(0, -1);
    const beta = shape.nestLossDecay ?? 1;
    const weights = inner.map((_, i) => beta ** (inner.length - i));
    const last = weights.findLastIndex((w) => w !== 0);
    let partial: T | null = null;
    for (let i = 0, from = 0; i <= last; from = inner[i]!, i++) {
      const group = tape.matmul(tape.slice(f, 1, from, inner[i]!), tape.slice(p.W_dec, 0, from, inner[i]!));
      partial = partial ? tape.add(partial, group) : group;
      const weight = weights[i]!;
      if (weight === 0) continue;
      const prefixMse = tape.meanAll(tape.square(tape.sub(tape.add(partial, p.b_dec), x)));
      recon = tape.add(recon, weight === 1 ? prefixMse : tape.scale(prefixMse, weight));
    }
  }
  if (shape.kind === 'l1') {
    return { loss: tape.add(mse, tape.mul(coef, l1)), mse, l1, aux: null, f, pre, err };
  }
  if (deadAux === 'caller') return { loss: recon, mse, l1, aux: null, f, pre, err };
  if (!dead) throw new Error(`sae-${shape.kind} needs the dead-latent mask.`);
  // Auxiliary loss (Gao et al. 2024): the top-kAux dead latents reconstruct the residual e = x − x̂ (no gradient
  // through e); non-dead latents are pushed out of the TopK by a large negative offset and masked to be sure.
  const b = tape.b;
  const kAux = Math.min(shape.kAux ?? Math.floor(d / 2), m);
  const offset = b.mul(b.sub(dead, tape.scalar(1)), tape.scalar(1e30));
  const preDead = tape.leaf(b.add(pre.name, offset), pre.shape);
  const auxMask = b.mul(tape.topkMask(preDead, kAux), dead);
  const fAux = tape.applyMask(tape.relu(pre), auxMask);
  const eHat = tape.matmul(fAux, p.W_dec);
  const residual = residualInput ?? tape.stopGradient(tape.neg(err));
  const aux = tape.mse(eHat, residual);
  return { loss: tape.add(recon, tape.mul(coef, aux)), mse, l1, aux, f, pre, err };
}

export interface SaeStepOptions extends SaeShape {
  batch: number;
  adam?: AdamConfig;
  /**
   * h14sae (#14 item 5): where Adam runs. 'graph' (default): the update, projection and renormalisation are nodes
   * of the step. 'js': the graph stops at the (projected) gradients, grad_<p>, plus Adam's two per-step scalars,
   * and SplitAdamStepRunner (train/split-step.ts) updates in one fused pass per parameter, bit for bit the same.
   */
  optimizer?: 'graph' | 'js';
}

/** State tensors of the step: parameters then Adam moments, each read as <name> and written as <name>_next. */
export function saeStateSpecs(d: number, m: number, kind: SaeKind = 'l1'): StateSpec[] {
  const shapes = saeParamShapes(d, m);
  const specs: StateSpec[] = [];
  for (const prefix of ['', 'm_', 'v_']) {
    for (const p of saeParamList(kind)) specs.push({ input: `${prefix}${p}`, output: `${prefix}${p}_next`, shape: shapes[p] });
  }
  return specs;
}

/** What a loss-and-gradient builder hands to the step graph: scalar metrics, gradients and the tensors metrics read. */
export interface SaeLossAndGrads {
  loss: string;
  mse: string;
  l1: string;
  aux: string | null;
  grads: Record<string, string>;
  /** Σ of the squared reconstruction error over the batch (for the explained variance). */
  sqErrSum: string;
  /** 0/1 activity of each latent on each row [B, m], in the graph's dtype. */
  active: string;
  /** The codes f [B, m] (the tape path; BatchTopK's threshold reads their smallest positive value). */
  f?: string;
  /** h18topk: rows of the batch on which each latent was active [m], when the builder has it without `active`. */
  fired?: string;
  /** BatchTopK's smallest positive code of the batch, when the builder has it without `f` (the sparse step). */
  minpos?: string;
}

/** A [1, n] row of ones: column sums of [n, k] tensors as one matrix–vector product (faster than ReduceSum here). */
function onesRow(b: GraphBuilder, dtype: FloatDType, n: number): string {
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  return b.constant(data.fill(1), [1, n], dtype);
}

/**
 * sae-l1's loss and gradients written out by hand (float32 or float64), the same mathematics as `saeLoss` + the
 * tape, arranged so that the step makes as few passes over [B, m] tensors as possible:
 *   x̄ = x − b_dec;  f = ReLU(x̄·W_enc + b_enc)  (Gemm then Relu: ORT fuses them into one FusedGemm);
 *   e = f·W_dec − x̄ = x̂ − x  (Gemm with C = x̄, β = −1);  mse = Σe² / (B·d);  l1 = Σf / B  (f ≥ 0, so |f| = f).
 * Backward, with ∂x̂ = 2e / (B·d) ([B, d], cheap):
 *   ∂W_dec = fᵀ·∂x̂;  ∂f = ∂x̂·W_decᵀ + λ/B  (the L1 term's gradient λ·sign(f)/B is λ/B wherever f > 0, the only
 *   entries ReLU's backward keeps: it rides in as the Gemm's scalar C);  ∂pre = Where(f > 0, ∂f, 0);
 *   ∂W_enc = x̄ᵀ·∂pre;  ∂b_enc = Σ_rows ∂pre;  ∂b_dec = Σ_rows ∂x̂ − ∂b_enc·W_encᵀ  (the encoder side of b_dec's
 *   gradient, −Σ_rows ∂pre·W_encᵀ, is linear in ∂pre, so it is one [1, m]·[m, d] product, not a [B, m]·[m, d] one).
 * The mask f > 0 equals pre > 0, so `pre` itself is never needed (which is what lets ORT fuse the ReLU).
 */
function saeL1LossAndGrads(b: GraphBuilder, dtype: FloatDType, o: { d: number; m: number; batch: number }, x: string, coef: string): SaeLossAndGrads {
  const { d, batch } = o;
  const sc = (v: number) => b.scalar(v, dtype);
  const xbar = b.sub(x, 'b_dec');
  const f = b.relu(b.gemm(xbar, 'W_enc', 'b_enc'));
  const err = b.gemm(f, 'W_dec', xbar, { beta: -1 });
  const sqErrSum = b.reduce('ReduceSumSquare', err, [0, 1], false);
  const mse = b.mul(sqErrSum, sc(1 / (batch * d)));
  const l1 = b.mul(b.reduce('ReduceSum', f, [0, 1], false), sc(1 / batch));
  const loss = b.add(mse, b.mul(coef, l1));
  const dxhat = b.mul(err, sc(2 / (batch * d)));
  const gWdec = b.gemm(f, dxhat, undefined, { transA: true });
  const df = b.gemm(dxhat, 'W_dec', b.mul(coef, sc(1 / batch)), { transB: true });
  const active = b.op('Cast', [b.op('Greater', [f, sc(0)])], { to: dtype === 'float64' ? 11 : 1 });
  const dpre = b.mul(df, active);
  const gWenc = b.gemm(xbar, dpre, undefined, { transA: true });
  const gBencRow = b.matmul(onesRow(b, dtype, batch), dpre);
  const gBdec = b.reshape(b.gemm(gBencRow, 'W_enc', b.reduce('ReduceSum', dxhat, [0], true), { transB: true, alpha: -1 }), [d]);
  return {
    loss,
    mse,
    l1,
    aux: null,
    grads: { W_enc: gWenc, b_enc: b.reshape(gBencRow, [o.m]), W_dec: gWdec, b_dec: gBdec },
    sqErrSum,
    active,
  };
}

/** Any SAE's loss and gradients through `saeLoss` and the tape (sae-topk; sae-l1's reference for the tests). */
function saeTapeLossAndGrads(
  tape: Tape,
  o: SaeShape & { batch: number },
  x: T,
  coef: T,
  dead: string | null,
  residual?: T,
  frozen?: { W_dec: T; b_dec: T },
  /** #12/#14: the TopK family's aux loss by sae-dead-aux.ts over the dead latents (training), or on the tape (checks). */
  deadAux: 'tape' | 'dead-columns' = 'tape',
): SaeLossAndGrads {
  const b = tape.b;
  const shapes = saeParamShapes(o.d, o.m);
  const names = saeParamList(o.kind);
  const p = {} as Record<SaeParam, T> & Partial<Record<SaeExtraParam, T>>;
  for (const n of names) p[n] = { name: n, shape: shapes[n], requiresGrad: true };
  const byColumns = deadAux === 'dead-columns' && usesDeadAux(o.kind) && dead !== null && tape.dtype === 'float32';
  const parts = saeLoss(tape, p, x, coef, o, dead, residual, frozen, byColumns ? 'caller' : 'tape');
  const gradList = tape.grad(parts.loss, names.map((n) => p[n]!));
  const grads: Record<string, string> = Object.fromEntries(names.map((n, i) => [n, gradList[i]!]));
  let loss = parts.loss.name;
  let aux = parts.aux ? parts.aux.name : null;
  if (byColumns) {
    // The aux loss's gradient rows over the dead latents, added into the tape's gradients.
    const kAux = Math.min(o.kAux ?? Math.floor(o.d / 2), o.m);
    const a = deadAuxLoss(b, { B: o.batch, d: o.d, kAux }, { pre: parts.pre.name, err: parts.err.name, xbar: b.sub(x.name, 'b_dec'), coef: coef.name, dead: dead! });
    grads.W_dec = scatterAdd(b, grads.W_dec!, a.idx, a.dec);
    grads.b_enc = scatterAdd(b, grads.b_enc!, a.idx, a.dpre);
    // Columns of W_enc [d, m]: ScatterElements along axis 1, the dead latents' indices repeated on every input row.
    const idxRow = b.reshape(a.idx, [1, -1]);
    const idxCols = b.op('Expand', [idxRow, b.op('Concat', [b.int64s([o.d]), b.op('Slice', [b.op('Shape', [idxRow]), b.int64s([1]), b.int64s([2])])], { axis: 0 })]);
    grads.W_enc = b.op('ScatterElements', [grads.W_enc!, idxCols, b.transpose(a.encT, [1, 0])], { axis: 1, reduction: 'add' });
    grads.b_dec = b.add(grads.b_dec!, a.bdec);
    loss = b.add(loss, b.mul(coef.name, a.aux));
    aux = a.aux;
  }
  return {
    loss,
    mse: parts.mse.name,
    l1: parts.l1.name,
    aux,
    grads,
    sqErrSum: b.reduce('ReduceSumSquare', parts.err.name, [0, 1], false),
    active: b.op('Cast', [b.op('Greater', [parts.f.name, tape.scalar(0)])], { to: tape.dtype === 'float64' ? 11 : 1 }),
    f: parts.f.name,
  };
}

/** How the step computes sae-l1's gradients: 'fused' (by hand, the default) or 'tape' (saeLoss + autodiff). */
// h18topk: 'sparse' = the TopK family on its selected latents (sae-topk-sparse.ts; sae-batchtopk-sparse.ts for
// batchtopk and matryoshka)
export type SaeGradImpl = 'fused' | 'tape' | 'sparse';

/**
 * One training step as one graph. Inputs: x [B, d] (already normalised), the state tensors, lr, t (1-based step
 * count for Adam's bias correction), coef (λ or aux coefficient), and for sae-topk dead [m].
 * Outputs: the updated state, and metrics loss, mse, l1, aux, l0 (mean active latents per row), ev (explained
 * variance of the batch), fired [m] (rows of the batch on which each latent was active).
 */
export function buildSaeStepGraph(o: SaeStepOptions & { impl?: SaeGradImpl; deadAux?: 'tape' | 'dead-columns'; encInput?: boolean }): { bytes: Uint8Array; spec: StepRunnerSpec; params: SplitParam[] } {
  const { d, m, batch } = o;
  const b = new GraphBuilder({ name: `sae-${o.kind}-step`, opset: 17 });
  const tape = new Tape(b, 'float32');
  const shapes = saeParamShapes(d, m);
  const names = saeParamList(o.kind);
  const adamInGraph = (o.optimizer ?? 'graph') === 'graph'; // h14sae
  for (const n of names) b.input(n, 'float32', shapes[n]);
  for (const n of adamInGraph ? names : []) {
    b.input(`m_${n}`, 'float32', shapes[n]);
    b.input(`v_${n}`, 'float32', shapes[n]);
  }
  const x = tape.input('x', [batch, d]);
  b.input('lr', 'float32', []);
  b.input('t', 'float32', []);
  const coef = tape.input('coef', []);
  const dead = usesDeadAux(o.kind) ? b.input('dead', 'float32', [m]) : null;
  // #12/#14: a sparse graph can take the encoder's product as an input, computed by the split step's prelude
  // (sae-sparse-encoder.ts) on the fit's threads while this graph runs on one.
  const enc = o.impl === 'sparse' && o.encInput ? b.input('enc', 'float32', [batch, m]) : null;
  // BatchTopK and Matryoshka: with the prelude, their batch's top K also comes from the split step (sparseStepGraph).
  const sel = enc && (o.kind === 'batchtopk' || o.kind === 'matryoshka') ? b.input('sel', 'int64', [batchTopkCount(o.k, batch, m)]) : null;
  const lg: SaeLossAndGrads =
    o.kind === 'topk' && o.impl === 'sparse' // h18topk
      ? saeTopkSparseLossAndGrads(tape, o, x, coef, dead!, enc)
      : (o.kind === 'batchtopk' || o.kind === 'matryoshka') && o.impl === 'sparse' // #12/#14: the batch's K pairs
      ? saeBatchTopkSparseLossAndGrads(tape, o, x, coef, dead!, enc, sel)
      : o.kind === 'jumprelu' && o.impl === 'sparse' // #12/#14: the pairs active or near their threshold
      ? saeJumpReluSparseLossAndGrads(tape, o, x, coef, enc)
      : o.kind === 'gated' && o.impl === 'sparse' // #12/#14: the pairs whose gate is open
      ? saeGatedSparseLossAndGrads(tape, o, x, coef, enc)
      : o.kind === 'l1' && o.impl === 'sparse' // #12/#14: the nonzero codes
      ? saeL1SparseLossAndGrads(tape, o, x, coef, enc)
      : o.kind === 'l1' && (o.impl ?? 'fused') === 'fused'
      ? saeL1LossAndGrads(b, 'float32', o, x.name, coef.name)
      : saeTapeLossAndGrads(tape, o, x, coef, dead, undefined, undefined, o.deadAux ?? 'dead-columns');
  if (o.kind === 'batchtopk' || o.kind === 'matryoshka') {
    // BatchTopK's inference threshold tracks the smallest positive code kept in each batch (3e38 when none is).
    const big = tape.scalar(3e38);
    if (lg.minpos) b.op('Identity', [lg.minpos], {}, { output: 'minpos' });
    else b.reduce('ReduceMin', b.op('Where', [b.op('Greater', [lg.f!, tape.scalar(0)]), lg.f!, big]), [0, 1], false, 'minpos');
  }
  const g = { ...lg.grads };
  // Remove the gradient component parallel to each dictionary vector (rows of W_dec).
  const par = b.reduce('ReduceSum', b.mul(g.W_dec, 'W_dec'), [1], true);
  g.W_dec = b.sub(g.W_dec, b.mul(par, 'W_dec'));
  const s = adamScalars(b, 'lr', 't', o.adam);
  for (const n of adamInGraph ? names : []) {
    const last = n === 'W_dec' ? undefined : `${n}_next`;
    const out = adamUpdate(b, s, { param: n, grad: g[n]!, m: `m_${n}`, v: `v_${n}` }, o.adam, 'float32', {
      param: last,
      m: `m_${n}_next`,
      v: `v_${n}_next`,
    });
    // Unit-norm dictionary vectors after the step.
    if (n === 'W_dec') unitRowsNodes(b, out.param, 'W_dec_next');
  }
  if (!adamInGraph) {
    // h14sae: the split step's outputs (train/split-step.ts's contract).
    for (const n of names) b.output(b.op('Identity', [g[n]!], {}, { output: `grad_${n}` }), 'float32', shapes[n]);
    b.output(b.op('Identity', [s.mScale], {}, { output: 'adam_mScale' }), 'float32', []);
    b.output(b.op('Identity', [s.epsHat], {}, { output: 'adam_epsHat' }), 'float32', []);
  }
  // Metrics (no gradients).
  b.op('Identity', [lg.loss], {}, { output: 'loss' });
  b.op('Identity', [lg.mse], {}, { output: 'mse' });
  b.op('Identity', [lg.l1], {}, { output: 'l1' });
  b.op('Identity', [lg.aux ?? tape.scalar(0)], {}, { output: 'aux' });
  const fired = lg.fired ? b.op('Identity', [lg.fired], {}, { output: 'fired' }) : b.reshape(b.matmul(onesRow(b, 'float32', batch), lg.active), [m], 'fired');
  b.mul(b.reduce('ReduceSum', fired, [0], false), tape.scalar(1 / batch), 'l0');
  const centred = b.sub(x.name, b.reduce('ReduceMean', x.name, [0], true));
  const total = b.reduce('ReduceSumSquare', centred, [0, 1], false);
  b.sub(tape.scalar(1), b.div(lg.sqErrSum, b.op('Max', [total, tape.scalar(1e-30)])), 'ev');
  const state = saeStateSpecs(d, m, o.kind);
  for (const st of adamInGraph ? state : []) b.output(st.output, 'float32', st.shape);
  const metrics = ['loss', 'mse', 'l1', 'aux', 'l0', 'ev', ...(o.kind === 'batchtopk' || o.kind === 'matryoshka' ? ['minpos'] : [])];
  for (const n of metrics) b.output(n, 'float32', []);
  b.output('fired', 'float32', [m]);
  const inputs = [
    { name: 'x', shape: [batch, d] },
    { name: 'lr', shape: [] },
    { name: 't', shape: [] },
    { name: 'coef', shape: [] },
    ...(usesDeadAux(o.kind) ? [{ name: 'dead', shape: [m] }] : []),
  ];
  const outputs = [...metrics.map((n) => ({ name: n, shape: [] })), { name: 'fired', shape: [m] }];
  const params = names.map((n) => ({ name: n, shape: shapes[n], unitRows: n === 'W_dec' })); // h14sae
  return { bytes: b.toBytes(), spec: { state, inputs, outputs }, params };
}

/**
 * The loss and its gradients (no optimiser), in float32 or float64: for finite-difference checks of the full SAE
 * loss. Inputs: x, the four parameters, coef, and for sae-topk dead [m] and `residual` [B, d], the aux loss's target,
 * which training takes from x − x̂ with the gradient stopped; a finite difference cannot stop a gradient, so the
 * check feeds it. Outputs: loss, grad_<param>.
 */
export function buildSaeGradGraph(o: SaeShape & { batch: number; impl?: SaeGradImpl }, dtype: FloatDType = 'float64'): Uint8Array {
  const b = new GraphBuilder({ name: `sae-${o.kind}-grad`, opset: 17 });
  const tape = new Tape(b, dtype);
  const shapes = saeParamShapes(o.d, o.m);
  const names = saeParamList(o.kind);
  for (const n of names) b.input(n, dtype, shapes[n]);
  const x = tape.input('x', [o.batch, o.d]);
  const coef = tape.input('coef', []);
  const dead = usesDeadAux(o.kind) ? b.input('dead', dtype, [o.m]) : null;
  const residual = usesDeadAux(o.kind) ? tape.input('residual', [o.batch, o.d]) : undefined;
  // h12jg: sae-gated's auxiliary decoder as inputs W_dec_frozen, b_dec_frozen (a finite difference cannot stop a gradient).
  const frozen = o.kind === 'gated' ? { W_dec: tape.input('W_dec_frozen', shapes.W_dec), b_dec: tape.input('b_dec_frozen', shapes.b_dec) } : undefined;
  const lg =
    o.kind === 'l1' && (o.impl ?? 'fused') === 'fused'
      ? saeL1LossAndGrads(b, dtype, o, x.name, coef.name)
      : saeTapeLossAndGrads(tape, o, x, coef, dead, residual, frozen);
  b.output(b.op('Identity', [lg.loss], {}, { output: 'loss' }), dtype, []);
  names.forEach((n) => b.output(b.op('Identity', [lg.grads[n]], {}, { output: `grad_${n}` }), dtype, shapes[n]));
  return b.toBytes();
}

/**
 * Evaluation graph with the weights as inputs and a symbolic row count: x [N, d] in the data's own units and
 * `scale` (the stored input normalisation) → f [N, m], xhat [N, d] (back in the data's units) and sqerr [N]
 * (per-row squared reconstruction error in normalised units).
 */
export function buildSaeEvalGraph(s: SaeShape): Uint8Array {
  const { d, m } = s;
  const b = new GraphBuilder({ name: `sae-${s.kind}-eval`, opset: 17 });
  b.input('x', 'float32', ['N', d]);
  b.input('scale', 'float32', []);
  const shapes = saeParamShapes(d, m);
  for (const n of saeParamList(s.kind)) b.input(n, 'float32', shapes[n]);
  const { xs, f } = saeEncodeNodes(b, s);
  const xhatN = b.add(b.matmul(f, 'W_dec'), 'b_dec');
  b.div(xhatN, 'scale', 'xhat');
  const e = b.sub(xhatN, xs);
  b.reduce('ReduceSum', b.mul(e, e), [1], false, 'sqerr');
  b.output('f', 'float32', ['N', m]);
  b.output('xhat', 'float32', ['N', d]);
  b.output('sqerr', 'float32', ['N']);
  return b.toBytes();
}

/** f [N, m] → x̂ [N, d] in the data's units. */
export function buildSaeDecodeGraph(d: number, m: number): Uint8Array {
  const b = new GraphBuilder({ name: 'sae-decode', opset: 17 });
  b.input('f', 'float32', ['N', m]);
  b.input('scale', 'float32', []);
  b.input('W_dec', 'float32', [m, d]);
  b.input('b_dec', 'float32', [d]);
  b.div(b.add(b.matmul('f', 'W_dec'), 'b_dec'), 'scale', 'xhat');
  b.output('xhat', 'float32', ['N', d]);
  return b.toBytes();
}

/**
 * The encoder's nodes (x, scale and the encoder's tensors already declared as inputs): xs = x·scale, f the codes,
 * named 'f'. Shared by the evaluation graph and the encoder-only graph (sae-encoder.ts), so both encode alike.
 */
export function saeEncodeNodes(b: GraphBuilder, s: SaeShape): { xs: string; f: string } {
  const m = s.m;
  const xs = b.mul('x', 'scale');
  const h = b.matmul(b.sub(xs, 'b_dec'), 'W_enc');
  const pre = b.add(h, 'b_enc');
  let f: string;
  if (s.kind === 'jumprelu') {
    f = jumpReluEncode(b, pre, 'log_threshold', 'f'); // h12jg
  } else if (s.kind === 'gated') {
    f = gatedEncode(b, h, 'b_enc', 'r_mag', 'b_mag', 'f'); // h12jg: b_enc is the gate bias
  } else if (s.kind === 'topk') {
    const k = Math.min(s.k ?? 32, m);
    const [vals, idx] = b.node('TopK', [pre, b.int64s([k])], 2, { axis: 1, largest: 1, sorted: 0 });
    const zeros = b.op('Mul', [pre, b.scalar(0)]);
    f = b.relu(b.op('ScatterElements', [zeros, idx!, vals!], { axis: 1 }), 'f');
  } else if (s.kind === 'batchtopk' || s.kind === 'matryoshka') {
    // Inference: JumpReLU with BatchTopK's one global threshold (the batch's top k·B is not a per-row function).
    b.input('threshold', 'float32', []);
    f = b.mul(pre, b.op('Cast', [b.op('Greater', [pre, 'threshold'])], { to: 1 }), 'f');
  } else {
    f = b.relu(pre, 'f');
  }
  return { xs, f };
}
