// sae-topk's loss and gradients using its sparsity (issue #18 item 5). With k of m latents active per row, only the
// encoder's forward product x·W_enc must touch every (row, latent) pair; the decoder's forward pass and the
// gradients of both weight matrices touch k latents per row. The dense graph (saeLoss + tape) pays four more
// [B, d]×[d, m]-sized products on a code that is zero almost everywhere; this one works on the TopK's (value, index)
// lists instead:
//   x̂ = Σ_j f_j·W_dec[i_j] + b_dec          Gather of B·k decoder rows, a batched [1, k]×[k, d] product per row
//   ∂f_j = W_dec[i_j]·∂x̂                     the same gathered rows, [k, d]×[d, 1] per row
//   ∂W_dec[i_j] += f_j·∂x̂,  ∂W_enc[:, i_j] += ∂pre_j·x̄   ScatterND with reduction 'add' of B·k rows of d values
// The scatters run on ORT's ScatterND (not a JS kernel): it copies whole d-value rows, so it runs at memory speed
// inside the same ORT call as the rest of the gradients; Adam, the projection and the renormalisation follow as one
// fused pass per parameter (train/split-step.ts), as for every SAE on the CPU.
// W_enc's gradient is scattered as rows of W_encᵀ [m, d] (contiguous d-value slices) and transposed once; a
// column-wise ScatterElements would need an int64 index per value (d× the indices).
// The auxiliary dead-latent loss (Gao et al. 2024) works on the dead latents' columns only (sae-dead-aux.ts), inside
// an ONNX `If` skipped when no latent is dead (sae.ts then sets coef to 0, and the dense graph's aux gradient is
// exactly 0·(finite) = 0); its gradient rows join the main ones in the same scatters.
// The mathematics is saeLoss's for kind 'topk' (sae-graph.ts); test/integration/sae-topk-sparse.test.ts checks
// that both paths end with the same weights. (A runner of its own with Adam as plain JS loops, sae-topk-runner.ts,
// was replaced by the split step's SIMD Adam: 6.8 against 6.0 steps/s at m = 4,096, 4.6 against 5.9 s per step at
// m = 131,072, bench sae-arch / sae-topk.)
// Since #12/#14's pair steps, fits run this step in JS (sae-batchtopk-pairs.ts, same mathematics, the [P, d] products pair by pair);
// this graph is the route where d is not a multiple of 4, and under CAJAL_SAE_PAIRS_STEP=graph.
import { deadAuxLoss } from './sae-dead-aux';
import { scatterAdd, sparseEncoderNodes, zerosOf } from './sae-sparse-encoder';
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
  /** The encoder's output computed by the split step's prelude (sae-sparse-encoder.ts), or null to compute it here. */
  enc: string | null = null,
): SaeLossAndGrads {
  const b = tape.b;
  const { d, m, batch: B } = o;
  const k = Math.min(o.k ?? 32, m);
  const kAux = Math.min(o.kAux ?? Math.floor(d / 2), m);
  const sc = (v: number) => tape.scalar(v);
  const i64 = (v: number[]) => b.int64s(v);
  // Encoder: the only dense product. pre is computed as saeLoss computes it, so TopK sees the same values.
  const pre = enc ?? sparseEncoderNodes(b, 'topk', x.name, d, m);
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

  // Auxiliary loss on the dead latents only (sae-dead-aux.ts), when coef > 0 and some latent is dead.
  const { aux, idx: idxAux, dpre: dpreAux, dec: decAux, encT: encAux } = deadAuxLoss(b, { B, d, kAux }, { pre, err, xbar, coef: coef.name, dead });

  // The aux loss's rows (one per dead latent) are scattered first and the B·k pairs added onto them (a Concat of the
  // two lists copied the B·k·d values once more).
  const zerosMd = zerosOf(b, [m, d]);
  const gWdec = scatterAdd(b, scatterAdd(b, zerosMd, idxAux, decAux), idxMain, decMain);
  const gWencT = scatterAdd(b, scatterAdd(b, zerosMd, idxAux, encAux), idxMain, encMain);
  const gWenc = b.transpose(gWencT, [1, 0]);
  const zerosM = zerosOf(b, [m]);
  const gBenc = scatterAdd(b, scatterAdd(b, zerosM, idxAux, dpreAux), idxMain, b.reshape(dvals, [B * k]));
  // b_dec: Σ_rows ∂x̂ minus the encoder side (Σ_rows ∂pre)·W_encᵀ, one [1, m]·[m, d] product (as the fused sae-l1).
  const gBdec = b.reshape(b.gemm(b.reshape(gBenc, [1, m]), 'W_enc', b.reduce('ReduceSum', dxhat, [0], true), { transB: true, alpha: -1 }), [d]);
  const loss = b.add(mse, b.mul(coef.name, aux));
  // Rows of the batch on which each latent was active, scattered from the k entries per row.
  const fired = scatterAdd(b, zerosM, idxMain, b.reshape(b.op('Cast', [pos], { to: FLOAT }), [B * k]));
  return {
    loss,
    mse,
    l1,
    aux,
    grads: { W_enc: gWenc, b_enc: gBenc, W_dec: gWdec, b_dec: gBdec },
    sqErrSum,
    active: '',
    fired,
  };
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
 * 2 shared cores, steps interleaved, Adam after the graph in both; the sparse graph on one thread after its encoder
 * prelude on two, sae-sparse-encoder.ts): the sparse step is 1.16× the dense step's speed at m = 2,048 (98 against
 * 113 ms) and 1.63× at m = 4,096 (m/k = 128: 129 against 210 ms); entirely on one thread it tied at 2,048 (98 against
 * 98 ms), and on two (not reproducible) it was 1.58× and 1.99× faster. The margin at m/k = 64 is small and measured at
 * one d only, so 'auto' starts at 128. With 10% dead latents the aux loss over the dead columns (sae-dead-aux.ts) adds
 * 20–40 ms; gathering each row's kAux = 256 dead latents, as it did before, made that step 4× slower than dense at
 * m = 2,048.
 */
export const SPARSE_TOPK_MIN_RATIO = 128;

/** The step graph's gradient implementation for sae-topk. */
export function topkStepImpl(mode: TopkTraining, m: number, k: number): 'sparse' | 'tape' {
  if (mode === 'sparse') return 'sparse';
  if (mode === 'dense') return 'tape';
  return m / Math.max(1, k) >= SPARSE_TOPK_MIN_RATIO ? 'sparse' : 'tape';
}
