// sae-gated's loss and gradients using its sparsity (#12, #14 item 5). Every term of the Gated SAE's loss past the
// encoder's dense h = x̄·W_enc lives on the (row, latent) pairs whose gate is open, π_gate = h + b_gate > 0: the codes
// f = ReLU(π_mag) there and 0 elsewhere, the sparsity penalty Σ ReLU(π_gate), and the auxiliary reconstruction from
// ReLU(π_gate) through the frozen decoder — and the indicator and ReLU(π_gate) have zero derivative off those pairs.
// So after one NonZero the step gathers and scatters the P open pairs (P ≪ B·m once the gates are sparse):
//   x̂[r] = Σ_j f_j·W_dec[lat_j] + b_dec;  x̂_aux[r] = Σ_j g_j·W_dec[lat_j] + b_dec  (g = π_gate; no gradient to the decoder)
//   ∂π_mag_j = [π_mag_j > 0]·W_dec[lat_j]·∂x̂[row_j];  ∂π_gate_j = W_dec[lat_j]·∂x̂_aux[row_j] + λ/B
//   ∂h_j = ∂π_gate_j + ∂π_mag_j·exp(r_mag);  ∂r_mag += ∂π_mag_j·h_j·exp(r_mag);  ∂b_mag += ∂π_mag_j;  ∂b_gate += ∂π_gate_j
//   ∂W_dec[lat_j] += f_j·∂x̂[row_j];  ∂W_encᵀ[lat_j] += ∂h_j·x̄[row_j];  ∂b_dec = Σ_rows ∂x̂ − (Σ ∂h)·W_encᵀ
// The mathematics is gatedOnTape's (sae-gated-graph.ts, saeLoss for 'gated'); test/integration/sae-gated-sparse.test.ts
// checks one step against the dense graph. As for JumpReLU, sae.ts picks this graph per step by the last step's density.
// Since #12/#14's pair steps, fits run this step in JS (sae-pairs-step.ts, same mathematics, the [P, d] products pair by pair);
// this graph is the route where d is not a multiple of 4, and under CAJAL_SAE_PAIRS_STEP=graph.
import type { Tape, T } from '../train/autodiff';
import type { SaeLossAndGrads, SaeShape } from './sae-graph';
import { scatterAdd, sparseEncoderNodes, zerosOf } from './sae-sparse-encoder';

const FLOAT = 1;

export function saeGatedSparseLossAndGrads(tape: Tape, o: SaeShape & { batch: number }, x: T, coef: T, enc: string | null = null): SaeLossAndGrads {
  const b = tape.b;
  const { d, m, batch: B } = o;
  const sc = (v: number) => tape.scalar(v);
  const i64 = (v: number[]) => b.int64s(v);
  const col = (v: string) => b.op('Unsqueeze', [v, i64([1])]);
  const rowDot = (a: string, c: string) => b.reduce('ReduceSum', b.mul(a, c), [1], false);

  // The encoder (the only dense product), as saeLoss computes it for 'gated'; b_enc is b_gate.
  const h = enc ?? sparseEncoderNodes(b, 'gated', x.name, d, m);
  const piGate = b.add(h, 'b_enc');
  const pairs = b.op('NonZero', [b.op('Greater', [piGate, sc(0)])]); // [2, P]
  const row = b.reshape(b.op('Gather', [pairs, i64([0])], { axis: 0 }), [-1]);
  const lat = b.reshape(b.op('Gather', [pairs, i64([1])], { axis: 0 }), [-1]);
  const flat = b.add(b.mul(row, i64([m])), lat);
  const at = (t: string) => b.op('Gather', [b.reshape(t, [-1]), flat], { axis: 0 }); // [P]
  const hP = at(h);
  const gP = at(piGate); // ReLU(π_gate) = π_gate on the open pairs
  const scaleP = b.op('Gather', [b.op('Exp', ['r_mag']), lat], { axis: 0 });
  const piMagP = b.add(b.mul(hP, scaleP), b.op('Gather', ['b_mag', lat], { axis: 0 }));
  const fP = b.relu(piMagP);
  const rowIdx = b.reshape(row, [-1, 1]);
  const latIdx = b.reshape(lat, [-1, 1]);
  const wg = b.op('Gather', ['W_dec', lat], { axis: 0 }); // [P, d]
  const xhat0 = scatterAdd(b, zerosOf(b, [B, d]), rowIdx, b.mul(col(fP), wg));
  const auxHat0 = scatterAdd(b, zerosOf(b, [B, d]), rowIdx, b.mul(col(gP), wg));
  const err = b.sub(b.add(xhat0, 'b_dec'), x.name);
  const auxErr = b.sub(b.add(auxHat0, 'b_dec'), x.name);
  const sqErrSum = b.reduce('ReduceSumSquare', err, [0, 1], false);
  const mse = b.mul(sqErrSum, sc(1 / (B * d)));
  const aux = b.mul(b.reduce('ReduceSumSquare', auxErr, [0, 1], false), sc(1 / (B * d)));
  const sparsity = b.mul(b.reduce('ReduceSum', gP, [0], false), sc(1 / B));
  const loss = b.add(b.add(mse, b.mul(coef.name, sparsity)), aux);

  const dxhat = b.mul(err, sc(2 / (B * d)));
  const dxaux = b.mul(auxErr, sc(2 / (B * d)));
  const dxr = b.op('Gather', [dxhat, row], { axis: 0 }); // [P, d]
  const dMag = b.mul(b.op('Cast', [b.op('Greater', [piMagP, sc(0)])], { to: FLOAT }), rowDot(wg, dxr));
  const dGate = b.add(rowDot(wg, b.op('Gather', [dxaux, row], { axis: 0 })), b.mul(coef.name, sc(1 / B)));
  const dh = b.add(dGate, b.mul(dMag, scaleP));
  const gWdec = scatterAdd(b, zerosOf(b, [m, d]), latIdx, b.mul(col(fP), dxr));
  const xbar = b.sub(x.name, 'b_dec');
  const gWencT = scatterAdd(b, zerosOf(b, [m, d]), latIdx, b.mul(col(dh), b.op('Gather', [xbar, row], { axis: 0 })));
  const dhSum = scatterAdd(b, zerosOf(b, [m]), latIdx, dh);
  const gBdec = b.reshape(b.gemm(b.reshape(dhSum, [1, m]), 'W_enc', b.reduce('ReduceSum', dxhat, [0], true), { transB: true, alpha: -1 }), [d]);
  return {
    loss,
    mse,
    l1: sparsity,
    aux,
    grads: {
      W_enc: b.transpose(gWencT, [1, 0]),
      b_enc: scatterAdd(b, zerosOf(b, [m]), latIdx, dGate),
      W_dec: gWdec,
      b_dec: gBdec,
      r_mag: scatterAdd(b, zerosOf(b, [m]), latIdx, b.mul(b.mul(dMag, hP), scaleP)),
      b_mag: scatterAdd(b, zerosOf(b, [m]), latIdx, dMag),
    },
    sqErrSum,
    active: '',
    fired: scatterAdd(b, zerosOf(b, [m]), latIdx, b.op('Cast', [b.op('Greater', [fP, sc(0)])], { to: FLOAT })),
  };
}
