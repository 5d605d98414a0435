// sae-topk's loss and gradients using its sparsity (issue #18 item 5). With k of m latents active per row, only the
// encoder's forward product x·W_enc must touch every (row, latent) pair; the decoder's forward pass and the
// gradients of both weight matrices touch k latents per row. The dense graph (saeLoss + tape) pays four more
// [B, d]×[d, m]-sized products on a code that is zero almost everywhere; this one works on the TopK's (value, index)
// lists instead:
//   x̂ = Σ_j f_j·W_dec[i_j] + b_dec          Gather of B·k decoder rows, a batched [1, k]×[k, d] product per row
//   ∂f_j = W_dec[i_j]·∂x̂                     the same gathered rows, [k, d]×[d, 1] per row
//   ∂W_dec[i_j] += f_j·∂x̂,  ∂W_enc[:, i_j] += ∂pre_j·x̄   ScatterND with reduction 'add' of B·k rows of d values
// The scatters run on ORT's ScatterND (not a JS kernel): it copies whole d-value rows, so it runs at memory speed
// inside the same ORT call as the rest of the step (Adam, projection, renormalisation), with no round trip to JS.
// W_enc's gradient is scattered as rows of W_encᵀ [m, d] (contiguous d-value slices) and transposed once; a
// column-wise ScatterElements would need an int64 index per value (d× the indices).
// The auxiliary dead-latent loss (Gao et al. 2024) runs inside an ONNX `If` on coef > 0: sae.ts sets coef to 0
// when no latent is dead, and then the dense graph's aux gradient is exactly 0·(finite) = 0, so skipping it changes
// nothing; when latents are dead, its top-kAux latents are handled the same sparse way.
// The mathematics is saeLoss's for kind 'topk' (sae-graph.ts); test/integration/sae-topk-sparse.test.ts checks
// that both paths end with the same weights.
import { attr, GraphBuilder } from '../onnx/builder';
import type { Tape, T } from '../train/autodiff';
import type { SaeLossAndGrads, SaeShape } from './sae-graph';

const FLOAT = 1;

/** Builds the sparse TopK loss and gradients into the step graph (float32); the step adds Adam and the metrics. */
export function saeTopkSparseLossAndGrads(
  tape: Tape,
  o: SaeShape & { batch: number },
  x: T,
  coef: T,
  dead: string,
  /** Leave W_enc's gradient as ∂W_encᵀ [m, d] (the JS Adam of sae-topk-runner.ts reads it in that layout). */
  encGradTransposed = false,
): SaeLossAndGrads {
  const b = tape.b;
  const { d, m, batch: B } = o;
  const k = Math.min(o.k ?? 32, m);
  const kAux = Math.min(o.kAux ?? Math.floor(d / 2), m);
  const sc = (v: number) => tape.scalar(v);
  const i64 = (v: number[]) => b.int64s(v);
  // Encoder: the only dense product. pre is computed as saeLoss computes it, so TopK sees the same values.
  const shift = b.sub(b.reshape('b_enc', [1, m]), b.matmul(b.reshape('b_dec', [1, d]), 'W_enc'));
  const pre = b.add(b.matmul(x.name, 'W_enc'), shift);
  const xbar = b.sub(x.name, 'b_dec');
  const [vals, idx] = b.node('TopK', [pre, i64([k])], 2, { axis: 1, largest: 1, sorted: 0 });
  const fv = b.relu(vals!);
  // Decoder forward on the gathered rows.
  const wg = b.op('Gather', ['W_dec', idx!], { axis: 0 }); // [B, k, d]
  const xhat0 = b.reshape(b.matmul(b.op('Unsqueeze', [fv, i64([1])]), wg), [B, d]);
  const err = b.sub(b.add(xhat0, 'b_dec'), x.name);
  const sqErrSum = b.reduce('ReduceSumSquare', err, [0, 1], false);
  const mse = b.mul(sqErrSum, sc(1 / (B * d)));
  const l1 = b.mul(b.reduce('ReduceSum', fv, [0, 1], false), sc(1 / B));
  const dxhat = b.mul(err, sc(2 / (B * d)));
  const pos = b.op('Greater', [vals!, sc(0)]);
  const dfv = b.reshape(b.matmul(wg, b.op('Unsqueeze', [dxhat, i64([2])])), [B, k]);
  const dvals = b.op('Where', [pos, dfv, sc(0)]);
  const decMain = b.reshape(b.mul(b.op('Unsqueeze', [fv, i64([2])]), b.op('Unsqueeze', [dxhat, i64([1])])), [B * k, d]);
  const encMain = b.reshape(b.mul(b.op('Unsqueeze', [dvals, i64([2])]), b.op('Unsqueeze', [xbar, i64([1])])), [B * k, d]);
  const idxMain = b.reshape(idx!, [B * k, 1]);

  // Auxiliary loss, only when coef > 0 (some latent is dead).
  const cond = b.op('Greater', [coef.name, sc(0)]);
  const auxOut = ['aux_loss', 'aux_idx', 'aux_dpre', 'aux_dec', 'aux_enc'];
  const thenG = auxBranch({ B, d, m, kAux }, pre, err, xbar, coef.name, dead);
  const elseG = emptyBranch(d);
  const [aux, idxAux, dpreAux, decAux, encAux] = b.node('If', [cond], auxOut.map((n) => `${n}_out`), {
    then_branch: { kind: 'graph', value: thenG },
    else_branch: { kind: 'graph', value: elseG },
  });

  const allIdx = b.op('Concat', [idxMain, idxAux!], { axis: 0 });
  const zerosMd = b.op('ConstantOfShape', [i64([m, d])], { value: attr.tensor(Float32Array.of(0), [1], 'float32') });
  const gWdec = b.op('ScatterND', [zerosMd, allIdx, b.op('Concat', [decMain, decAux!], { axis: 0 })], { reduction: 'add' });
  const gWencT = b.op('ScatterND', [zerosMd, allIdx, b.op('Concat', [encMain, encAux!], { axis: 0 })], { reduction: 'add' });
  const gWenc = encGradTransposed ? gWencT : b.transpose(gWencT, [1, 0]);
  const zerosM = b.op('ConstantOfShape', [i64([m])], { value: attr.tensor(Float32Array.of(0), [1], 'float32') });
  const dpreAll = b.op('Concat', [b.reshape(dvals, [B * k]), dpreAux!], { axis: 0 });
  const gBenc = b.op('ScatterND', [zerosM, allIdx, dpreAll], { reduction: 'add' });
  // b_dec: Σ_rows ∂x̂ minus the encoder side (Σ_rows ∂pre)·W_encᵀ, one [1, m]·[m, d] product (as the fused sae-l1).
  const gBdec = b.reshape(b.gemm(b.reshape(gBenc, [1, m]), 'W_enc', b.reduce('ReduceSum', dxhat, [0], true), { transB: true, alpha: -1 }), [d]);
  const loss = b.add(mse, b.mul(coef.name, aux!));
  // Rows of the batch on which each latent was active, scattered from the k entries per row.
  const fired = b.op('ScatterND', [zerosM, idxMain, b.reshape(b.op('Cast', [pos], { to: FLOAT }), [B * k])], { reduction: 'add' });
  return {
    loss,
    mse,
    l1,
    aux: aux!,
    grads: { W_enc: gWenc, b_enc: gBenc, W_dec: gWdec, b_dec: gBdec },
    sqErrSum,
    active: '',
    fired,
  };
}

/**
 * The aux loss's subgraph: the top-kAux dead latents of each row reconstruct the residual x − x̂ (no gradient
 * through it). Non-dead latents are pushed out of the TopK by −1e30 and masked, as in saeLoss. Outputs the loss
 * and the sparse gradient lists (indices [B·kAux, 1], ∂pre [B·kAux], W_dec and W_encᵀ row updates [B·kAux, d]),
 * already multiplied by coef.
 */
function auxBranch(s: { B: number; d: number; m: number; kAux: number }, pre: string, err: string, xbar: string, coef: string, dead: string) {
  const { B, d, kAux } = s;
  const g = new GraphBuilder({ name: 'sae_topk_aux', opset: 17, outerScope: [pre, err, xbar, coef, dead, 'W_dec'] });
  let n = 0;
  const nm = () => `aux_t${n++}`;
  const op = (type: string, inputs: string[], attrs: Record<string, unknown> = {}) => g.op(type, inputs, attrs as never, { output: nm() });
  const c = (v: number) => g.scalar(v, 'float32', nm());
  const ints = (v: number[]) => g.int64s(v, nm());
  const offset = op('Mul', [op('Sub', [dead, c(1)]), c(1e30)]);
  const preDead = op('Add', [pre, offset]);
  const [av, aidx] = g.node('TopK', [preDead, ints([kAux])], [nm(), nm()], { axis: 1, largest: 1, sorted: 0 });
  const isDead = op('Gather', [dead, aidx!], { axis: 0 });
  const fa = op('Mul', [op('Relu', [av!]), isDead]);
  const wa = op('Gather', ['W_dec', aidx!], { axis: 0 }); // [B, kAux, d]
  const eHat = op('Reshape', [op('MatMul', [op('Unsqueeze', [fa, ints([1])]), wa]), ints([B, d])]);
  const diff = op('Add', [eHat, err]); // eHat − (x − x̂)
  g.op('Mul', [op('ReduceSumSquare', [diff], { keepdims: 0 }), c(1 / (B * d))], {}, { output: 'aux_loss' });
  const deh = op('Mul', [diff, op('Mul', [coef, c(2 / (B * d))])]);
  const dfa = op('Reshape', [op('MatMul', [wa, op('Unsqueeze', [deh, ints([2])])]), ints([B, kAux])]);
  const keep = op('Mul', [op('Cast', [op('Greater', [av!, c(0)])], { to: FLOAT }), isDead]);
  const dpre = op('Mul', [dfa, keep]);
  g.op('Reshape', [aidx!, ints([B * kAux, 1])], {}, { output: 'aux_idx' });
  g.op('Reshape', [dpre, ints([B * kAux])], {}, { output: 'aux_dpre' });
  g.op('Reshape', [op('Mul', [op('Unsqueeze', [fa, ints([2])]), op('Unsqueeze', [deh, ints([1])])]), ints([B * kAux, d])], {}, { output: 'aux_dec' });
  g.op('Reshape', [op('Mul', [op('Unsqueeze', [dpre, ints([2])]), op('Unsqueeze', [xbar, ints([1])])]), ints([B * kAux, d])], {}, { output: 'aux_enc' });
  declareAuxOutputs(g, d);
  return g.toGraph();
}

/** No dead latent: aux 0 and empty gradient lists. */
function emptyBranch(d: number) {
  const g = new GraphBuilder({ name: 'sae_topk_noaux', opset: 17 });
  g.scalar(0, 'float32', 'aux_loss');
  g.constant(new BigInt64Array(0), [0, 1], 'int64', 'aux_idx');
  g.constant(new Float32Array(0), [0], 'float32', 'aux_dpre');
  g.constant(new Float32Array(0), [0, d], 'float32', 'aux_dec');
  g.constant(new Float32Array(0), [0, d], 'float32', 'aux_enc');
  declareAuxOutputs(g, d);
  return g.toGraph();
}

function declareAuxOutputs(g: GraphBuilder, d: number): void {
  g.output('aux_loss', 'float32', []);
  g.output('aux_idx', 'int64', ['n', 1]);
  g.output('aux_dpre', 'float32', ['n']);
  g.output('aux_dec', 'float32', ['n', d]);
  g.output('aux_enc', 'float32', ['n', d]);
}

/** Which sae-topk training graph a fit uses; CAJAL_SAE_TOPK_TRAINING sets the default (tests force a path with it). */
export type TopkTraining = 'auto' | 'sparse' | 'dense';

export function resolveTopkTraining(raw: unknown): TopkTraining {
  const v = raw ?? process.env.CAJAL_SAE_TOPK_TRAINING ?? 'auto';
  if (v !== 'auto' && v !== 'sparse' && v !== 'dense') throw new Error(`SAE parameter "topkTraining" must be "auto", "sparse" or "dense", got ${JSON.stringify(v)}.`);
  return v;
}

/**
 * The smallest m/k at which 'auto' trains sparsely. Measured with bench/sae-topk.ts (d = 512, k = 32, B = 1024,
 * 2 shared cores, steps interleaved): with no dead latent the sparse step costs 0.72× the dense step's speed at
 * m = 1,024 and is 1.54× faster at m = 2,048 (m/k = 64); with 10% dead latents (aux loss on) it gathers and
 * scatters kAux = 256 more latents per row and was 4× slower than dense at m = 2,048, a cost that does not grow
 * with m while the dense step's does (≈ linearly: 0.39 s at m = 1,024, 1.0 s at 2,048), so its break-even lies
 * near m = 8,192. Training switches the aux loss on and off as latents die, so 'auto' waits for m/k ≥ 256.
 */
export const SPARSE_TOPK_MIN_RATIO = 256;

/** The step graph's gradient implementation for sae-topk. */
export function topkStepImpl(mode: TopkTraining, m: number, k: number): 'sparse' | 'tape' {
  if (mode === 'sparse') return 'sparse';
  if (mode === 'dense') return 'tape';
  return m / Math.max(1, k) >= SPARSE_TOPK_MIN_RATIO ? 'sparse' : 'tape';
}
