// sae-l1's loss and gradients on its nonzero codes (#12, #14 item 5). A trained L1 SAE's codes f = ReLU(pre) are
// zero on most (row, latent) pairs, and ReLU's derivative is zero there too, so past the encoder's dense x̄·W_enc
// every term lives on the pairs with pre > 0 (ONNX NonZero):
//   x̂[r] = Σ_j f_j·W_dec[lat_j] + b_dec;  ∂f_j = W_dec[lat_j]·∂x̂[row_j] + λ/B  (the L1 term, f > 0)
//   ∂W_dec[lat_j] += f_j·∂x̂[row_j];  ∂W_encᵀ[lat_j] += ∂f_j·x̄[row_j];  ∂b_enc[lat_j] += ∂f_j;  ∂b_dec = Σ_rows ∂x̂ − ∂b_enc·W_encᵀ
// The mathematics is saeL1LossAndGrads's (sae-graph.ts); test/integration/sae-l1-sparse.test.ts checks one step
// against it. An L1 SAE's codes start dense (about half the pairs at initialisation), so sae.ts picks this graph per
// step by the last step's density, as for JumpReLU and Gated (SPARSE_PAIRS_MAX_DENSITY).
// Since #12/#14's pair steps, fits run this step in JS (sae-pairs-step.ts, same mathematics, the [P, d] products pair by pair);
// this graph is the route where d is not a multiple of 4, and under CAJAL_SAE_PAIRS_STEP=graph.
import type { Tape, T } from '../train/autodiff';
import type { SaeLossAndGrads, SaeShape } from './sae-graph';
import { scatterAdd, sparseEncoderNodes, zerosOf } from './sae-sparse-encoder';

export function saeL1SparseLossAndGrads(tape: Tape, o: SaeShape & { batch: number }, x: T, coef: T, enc: string | null = null): SaeLossAndGrads {
  const b = tape.b;
  const { d, m, batch: B } = o;
  const sc = (v: number) => tape.scalar(v);
  const i64 = (v: number[]) => b.int64s(v);
  const col = (v: string) => b.op('Unsqueeze', [v, i64([1])]);

  // The encoder as saeL1LossAndGrads computes it: pre = x̄·W_enc + b_enc (one Gemm).
  const xbar = b.sub(x.name, 'b_dec');
  const pre = enc ?? sparseEncoderNodes(b, 'l1', x.name, d, m);
  const pairs = b.op('NonZero', [b.op('Greater', [pre, sc(0)])]); // [2, P]
  const row = b.reshape(b.op('Gather', [pairs, i64([0])], { axis: 0 }), [-1]);
  const lat = b.reshape(b.op('Gather', [pairs, i64([1])], { axis: 0 }), [-1]);
  const fP = b.op('Gather', [b.reshape(pre, [-1]), b.add(b.mul(row, i64([m])), lat)], { axis: 0 }); // [P], all > 0
  const rowIdx = b.reshape(row, [-1, 1]);
  const latIdx = b.reshape(lat, [-1, 1]);
  const wg = b.op('Gather', ['W_dec', lat], { axis: 0 }); // [P, d]
  const err = b.add(scatterAdd(b, zerosOf(b, [B, d]), rowIdx, b.mul(col(fP), wg)), b.sub('b_dec', x.name)); // x̂ − x
  const sqErrSum = b.reduce('ReduceSumSquare', err, [0, 1], false);
  const mse = b.mul(sqErrSum, sc(1 / (B * d)));
  const l1 = b.mul(b.reduce('ReduceSum', fP, [0], false), sc(1 / B));
  const loss = b.add(mse, b.mul(coef.name, l1));
  const dxhat = b.mul(err, sc(2 / (B * d)));
  const dxr = b.op('Gather', [dxhat, row], { axis: 0 }); // [P, d]
  const dfP = b.add(b.reduce('ReduceSum', b.mul(wg, dxr), [1], false), b.mul(coef.name, sc(1 / B)));
  const gWdec = scatterAdd(b, zerosOf(b, [m, d]), latIdx, b.mul(col(fP), dxr));
  const gWencT = scatterAdd(b, zerosOf(b, [m, d]), latIdx, b.mul(col(dfP), b.op('Gather', [xbar, row], { axis: 0 })));
  const gBenc = scatterAdd(b, zerosOf(b, [m]), latIdx, dfP);
  const gBdec = b.reshape(b.gemm(b.reshape(gBenc, [1, m]), 'W_enc', b.reduce('ReduceSum', dxhat, [0], true), { transB: true, alpha: -1 }), [d]);
  return {
    loss,
    mse,
    l1,
    aux: null,
    grads: { W_enc: b.transpose(gWencT, [1, 0]), b_enc: gBenc, W_dec: gWdec, b_dec: gBdec },
    sqErrSum,
    active: '',
    fired: scatterAdd(b, zerosOf(b, [m]), latIdx, b.op('Cast', [b.op('Greater', [fP, sc(0)])], { to: 1 })),
  };
}
