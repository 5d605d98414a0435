// sae-jumprelu's loss and gradients using its sparsity (#12, #14 item 5). JumpReLU's codes are zero wherever
// pre ≤ θ, and its straight-through estimators reach θ only where |pre − θ| < ε/2, so after the encoder's dense
// x·W_enc every other term of the loss and its gradients lives on the (row, latent) pairs that are active or near
// their threshold — a list of P pairs (ONNX NonZero), P ≪ B·m once the codes are sparse:
//   x̂[r] = Σ_{j: row_j = r} f_j·W_dec[lat_j] + b_dec,  f_j = pre_j·H(pre_j − θ)    Gather, scale, ScatterND by row
//   ∂f_j = W_dec[lat_j]·∂x̂[row_j];  ∂pre_j = H_j·∂f_j;  ∂W_dec[lat_j] += f_j·∂x̂[row_j];  ∂W_encᵀ[lat_j] += ∂pre_j·x̄[row_j]
//   ∂θ[lat_j] += K_j·(−θ/ε·∂f_j − λ/(B·ε))   (the paper's pseudo-derivatives, K the rectangle kernel; sae-jumprelu-graph.ts)
// The mathematics is jumpReluOnTape's (sae-graph.ts's saeLoss for 'jumprelu'); test/integration/sae-jumprelu-sparse.test.ts
// checks one step against the dense graph. The pairs' count follows the codes' density, so the step is chosen per
// step by the last step's L0 (sae.ts, train/split-step.ts's alternate graph): dense while the codes are dense.
// Since #12/#14's pair steps, fits run this step in JS (sae-pairs-step.ts, same mathematics, the [P, d] products pair by pair);
// this graph is the route where d is not a multiple of 4, and under CAJAL_SAE_PAIRS_STEP=graph.
import type { Tape, T } from '../train/autodiff';
import type { SaeLossAndGrads, SaeShape } from './sae-graph';
import { scatterAdd, sparseEncoderNodes, zerosOf } from './sae-sparse-encoder';

const FLOAT = 1;

/**
 * The largest L0 / m at which the next step runs on the pairs (sae-l1, sae-jumprelu, sae-gated) by their ORT sparse
 * graphs (CAJAL_SAE_PAIRS_STEP=graph, or d not a multiple of 4; sae-pairs-step.ts's JS step has its own). Measured with
 * bench/sae-arch.ts and bench/sae-topk.ts at d = 512, m = 4,096, B = 1,024, the sparse graphs on one thread
 * (SPARSE_STEP_THREADS): the TopK step's k·B pairs tie the dense step on two threads at 1.6 % density and win 1.44×
 * at 0.8 %; JumpReLU at 0.7–0.9 % ran 4.9 steps/s against 4.2–4.8 dense, and its pairs also include those near their
 * threshold, so the switch sits at 1 %.
 */
export const SPARSE_PAIRS_MAX_DENSITY = 0.01;

export function saeJumpReluSparseLossAndGrads(tape: Tape, o: SaeShape & { batch: number }, x: T, coef: T, enc: string | null = null): SaeLossAndGrads {
  const b = tape.b;
  const { d, m, batch: B } = o;
  const eps = o.bandwidth ?? 0.001;
  const sc = (v: number) => tape.scalar(v);
  const i64 = (v: number[]) => b.int64s(v);

  // Encoder (the only dense product), as saeLoss computes it.
  const pre = enc ?? sparseEncoderNodes(b, 'jumprelu', x.name, d, m);
  const xbar = b.sub(x.name, 'b_dec');
  const theta = b.op('Exp', ['log_threshold']);
  const diff = b.sub(pre, theta);
  // Active (pre − θ > 0) or near (|pre − θ| < ε/2) is exactly pre − θ > −ε/2: one comparison over the B·m values.
  const pairs = b.op('NonZero', [b.op('Greater', [diff, sc(-eps / 2)])]); // [2, P]
  const row = b.reshape(b.op('Gather', [pairs, i64([0])], { axis: 0 }), [-1]); // [P]
  const lat = b.reshape(b.op('Gather', [pairs, i64([1])], { axis: 0 }), [-1]);
  const flat = b.add(b.mul(row, i64([m])), lat);
  const at = (t: string) => b.op('Gather', [b.reshape(t, [-1]), flat], { axis: 0 }); // [P]
  // Which pairs are active and which near is decided on the gathered pre − θ (the same comparisons on the same values).
  const preP = at(pre);
  const diffP = at(diff);
  const hP = b.op('Cast', [b.op('Greater', [diffP, sc(0)])], { to: FLOAT });
  const kP = b.op('Cast', [b.op('Less', [b.op('Abs', [diffP]), sc(eps / 2)])], { to: FLOAT });
  const thetaP = b.op('Gather', [theta, lat], { axis: 0 });
  const fP = b.mul(preP, hP);
  const rowIdx = b.reshape(row, [-1, 1]);
  const latIdx = b.reshape(lat, [-1, 1]);
  const wg = b.op('Gather', ['W_dec', lat], { axis: 0 }); // [P, d]
  const fcol = b.op('Unsqueeze', [fP, i64([1])]);
  const xhat0 = scatterAdd(b, zerosOf(b, [B, d]), rowIdx, b.mul(fcol, wg));
  const err = b.sub(b.add(xhat0, 'b_dec'), x.name);
  const sqErrSum = b.reduce('ReduceSumSquare', err, [0, 1], false);
  const mse = b.mul(sqErrSum, sc(1 / (B * d)));
  const l0 = b.mul(b.reduce('ReduceSum', hP, [0], false), sc(1 / B));
  const loss = b.add(mse, b.mul(coef.name, l0));

  const dxhat = b.mul(err, sc(2 / (B * d)));
  const dxr = b.op('Gather', [dxhat, row], { axis: 0 }); // [P, d]
  const dfP = b.reduce('ReduceSum', b.mul(wg, dxr), [1], false); // [P]
  const dpreP = b.mul(hP, dfP);
  // θ's pseudo-gradients: from f (−θ/ε per unit of ∂f) and from the L0 term (−1/ε per unit of λ/B).
  const dThetaP = b.mul(kP, b.sub(b.mul(b.mul(thetaP, sc(-1 / eps)), dfP), b.mul(coef.name, sc(1 / (B * eps)))));
  const gTheta = scatterAdd(b, zerosOf(b, [m]), latIdx, dThetaP);
  const gLogTheta = b.mul(gTheta, theta);
  const gWdec = scatterAdd(b, zerosOf(b, [m, d]), latIdx, b.mul(fcol, dxr));
  const gWencT = scatterAdd(b, zerosOf(b, [m, d]), latIdx, b.mul(b.op('Unsqueeze', [dpreP, i64([1])]), b.op('Gather', [xbar, row], { axis: 0 })));
  const gBenc = scatterAdd(b, zerosOf(b, [m]), latIdx, dpreP);
  const gBdec = b.reshape(b.gemm(b.reshape(gBenc, [1, m]), 'W_enc', b.reduce('ReduceSum', dxhat, [0], true), { transB: true, alpha: -1 }), [d]);
  const fired = scatterAdd(b, zerosOf(b, [m]), latIdx, hP);
  return {
    loss,
    mse,
    l1: l0,
    aux: null,
    grads: { W_enc: b.transpose(gWencT, [1, 0]), b_enc: gBenc, W_dec: gWdec, b_dec: gBdec, log_threshold: gLogTheta },
    sqErrSum,
    active: '',
    fired,
  };
}
