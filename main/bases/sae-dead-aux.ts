// The TopK family's auxiliary loss on dead latents (Gao et al. 2024), written out by hand over the dead latents only.
// Each row's top kAux dead latents (ReLU of their pre-activations) reconstruct the residual x − x̂, with no gradient
// through the residual. Only dead latents take part, so everything the loss touches is the dead columns of the
// pre-activations and the dead rows of the decoder: this graph gathers those (D of m) once and does the four
// products the loss needs on [B, D] and [D, d] tensors —
//   f_aux = ReLU(TopK_kAux(pre[:, dead]))  (kept at its place among the D columns: a dense [B, D] code)
//   ê = f_aux·W_dec[dead];  aux = Σ(ê − (x − x̂))² / (B·d)
//   ∂ê = 2·coef·(ê − (x − x̂)) / (B·d);  ∂W_dec[dead] = f_auxᵀ·∂ê;  ∂pre[:, dead] = (∂ê·W_dec[dead]ᵀ) ⊙ [f_aux > 0]
//   ∂W_encᵀ[dead] = ∂pre[:, dead]ᵀ·x̄;  ∂b_enc[dead] = Σ_rows ∂pre[:, dead];  ∂b_dec = −∂b_enc[dead]·W_enc[:, dead]ᵀ
// and hands back the dead latents' indices with their gradient rows, which the caller adds with ScatterND.
// Why: the loss written on the whole [B, m] code (saeLoss on the tape) costs four more [B, d]×[d, m]-sized products,
// and gathering each row's kAux latents (the sparse TopK step's first version) moved B·kAux·d values three times —
// 4× slower than the dense step at m = 2,048 (bench/sae-topk.ts). With a tenth of the latents dead, the products here
// are a tenth of the size. The selection is saeLoss's: with D ≥ kAux the same kAux latents per row, with D < kAux
// all D of them (saeLoss's TopK then also takes live latents, which its mask zeroes).
// The whole loss sits in an ONNX `If` on coef·max(dead) > 0: with no dead latent (or coef 0) it is skipped and the
// gradient lists are empty, which is exactly the dense loss's contribution then (0·finite).
import { attr, GraphBuilder } from '../onnx/builder';

export interface DeadAuxOutputs {
  /** The aux loss before its coefficient (0 when skipped). */
  aux: string;
  /** Indices of the dead latents [n, 1] (n = 0 when skipped). */
  idx: string;
  /** ∂b_enc of each dead latent [n], coef included. */
  dpre: string;
  /** ∂W_dec rows of the dead latents [n, d]. */
  dec: string;
  /** ∂W_encᵀ rows (columns of W_enc) of the dead latents [n, d]. */
  encT: string;
  /** The aux loss's part of ∂b_dec [d] (through the encoder's x̄ = x − b_dec). */
  bdec: string;
}

/**
 * Adds the If node to `b`. pre [B, m] (x̄·W_enc + b_enc), err [B, d] (x̂ − x, so the residual is −err), xbar [B, d],
 * coef (rank 0), dead ([m], 1 = dead) and the graph's W_dec [m, d] and W_enc [d, m] are read from the outer graph.
 */
export function deadAuxLoss(b: GraphBuilder, s: { B: number; d: number; kAux: number }, t: { pre: string; err: string; xbar: string; coef: string; dead: string }): DeadAuxOutputs {
  const cond = b.op('Greater', [b.mul(t.coef, b.reduce('ReduceMax', t.dead, [0], false)), b.scalar(0)]);
  const outs = ['aux_loss', 'aux_idx', 'aux_dpre', 'aux_dec', 'aux_enc', 'aux_bdec'];
  const [aux, idx, dpre, dec, encT, bdec] = b.node('If', [cond], outs.map((n) => `${n}_out`), {
    then_branch: { kind: 'graph', value: auxBranch(s, t) },
    else_branch: { kind: 'graph', value: emptyBranch(s.d) },
  });
  return { aux: aux!, idx: idx!, dpre: dpre!, dec: dec!, encT: encT!, bdec: bdec! };
}

function auxBranch(s: { B: number; d: number; kAux: number }, t: { pre: string; err: string; xbar: string; coef: string; dead: string }) {
  const { B, d, kAux } = s;
  const g = new GraphBuilder({ name: 'sae_dead_aux', opset: 17, outerScope: [t.pre, t.err, t.xbar, t.coef, t.dead, 'W_dec', 'W_enc'] });
  let n = 0;
  const nm = () => `aux_t${n++}`;
  const op = (type: string, inputs: string[], attrs: Record<string, unknown> = {}) => g.op(type, inputs, attrs as never, { output: nm() });
  const c = (v: number) => g.scalar(v, 'float32', nm());
  const ints = (v: number[]) => g.int64s(v, nm());
  const deadIdx = op('Reshape', [op('NonZero', [t.dead]), ints([-1])]); // [D]
  const kA = op('Min', [op('Shape', [deadIdx]), ints([kAux])]);
  const preD = op('Gather', [t.pre, deadIdx], { axis: 1 }); // [B, D]
  const [av, ai] = g.node('TopK', [preD, kA], [nm(), nm()], { axis: 1, largest: 1, sorted: 0 });
  const zeros = op('Mul', [preD, c(0)]);
  const fa = op('Relu', [op('ScatterElements', [zeros, ai!, av!], { axis: 1 })]); // [B, D], kA entries per row
  const wDead = op('Gather', ['W_dec', deadIdx], { axis: 0 }); // [D, d]
  const diff = op('Add', [op('MatMul', [fa, wDead]), t.err]); // ê − (x − x̂)
  g.op('Mul', [op('ReduceSumSquare', [diff], { keepdims: 0 }), c(1 / (B * d))], {}, { output: 'aux_loss' });
  const deh = op('Mul', [diff, op('Mul', [t.coef, c(2 / (B * d))])]);
  g.op('Gemm', [fa, deh], { transA: 1 }, { output: 'aux_dec' });
  const keep = op('Cast', [op('Greater', [fa, c(0)])], { to: 1 });
  const dpre = op('Mul', [op('Gemm', [deh, wDead], { transB: 1 }), keep]); // [B, D]
  g.op('Gemm', [dpre, t.xbar], { transA: 1 }, { output: 'aux_enc' });
  const dpreSum = op('ReduceSum', [dpre, ints([0])], { keepdims: 1 }); // [1, D]
  g.op('Reshape', [dpreSum, ints([-1])], {}, { output: 'aux_dpre' });
  g.op('Reshape', [deadIdx, ints([-1, 1])], {}, { output: 'aux_idx' });
  const wEncDead = op('Gather', ['W_enc', deadIdx], { axis: 1 }); // [d, D]
  g.op('Reshape', [op('Gemm', [dpreSum, wEncDead], { transB: 1, alpha: -1 }), ints([d])], {}, { output: 'aux_bdec' });
  declareOutputs(g, d);
  return g.toGraph();
}

/** No dead latent, or coef 0: aux 0 and empty gradient lists. */
function emptyBranch(d: number) {
  const g = new GraphBuilder({ name: 'sae_dead_aux_none', opset: 17 });
  g.scalar(0, 'float32', 'aux_loss');
  g.constant(new BigInt64Array(0), [0, 1], 'int64', 'aux_idx');
  g.constant(new Float32Array(0), [0], 'float32', 'aux_dpre');
  g.constant(new Float32Array(0), [0, d], 'float32', 'aux_dec');
  g.constant(new Float32Array(0), [0, d], 'float32', 'aux_enc');
  g.op('ConstantOfShape', [g.int64s([d], 'aux_d')], { value: attr.tensor(Float32Array.of(0), [1], 'float32') }, { output: 'aux_bdec' });
  declareOutputs(g, d);
  return g.toGraph();
}

function declareOutputs(g: GraphBuilder, d: number): void {
  g.output('aux_loss', 'float32', []);
  g.output('aux_idx', 'int64', ['n', 1]);
  g.output('aux_dpre', 'float32', ['n']);
  g.output('aux_dec', 'float32', ['n', d]);
  g.output('aux_enc', 'float32', ['n', d]);
  g.output('aux_bdec', 'float32', [d]);
}
