// sae-batchtopk's and sae-matryoshka's loss and gradients using their sparsity (#12, #14 item 5), as
// sae-topk-sparse.ts does for sae-topk. BatchTopK keeps the K = k·B largest pre-activations of the whole batch, so the
// selection is a list of K (row, latent, value) triples rather than k per row; only the encoder's x·W_enc is a dense
// product, and the decoder's forward pass and both weight gradients touch the K selected pairs:
//   x̂[r] = Σ_{j: row_j = r} f_j·W_dec[lat_j] + b_dec     Gather of K decoder rows, scaled, ScatterND-added by row
//   ∂f_j = W_dec[lat_j]·U[row_j],  ∂W_dec[lat_j] += f_j·U[row_j],  ∂W_encᵀ[lat_j] += ∂pre_j·x̄[row_j]
// where U is the reconstruction's upstream gradient. Matryoshka adds the nested prefixes' losses: a latent of group g
// (inner[g−1] ≤ lat < inner[g]; the last group is the full dictionary's remainder) is in every prefix from g outward,
// so the pairs are scattered into one partial reconstruction per group, [G, B, d], whose running sum along the groups
// (CumSum) is each prefix's reconstruction; a pair's upstream gradient is the reverse running sum of the prefixes'
// weighted error gradients at its group. BatchTopK is the same with one group.
// The mathematics is saeLoss's (sae-graph.ts) for these kinds, and the dead-latent aux loss is sae-dead-aux.ts's;
// test/integration/sae-batchtopk-sparse.test.ts checks one step and a whole fit against the dense graph.
// Since #12/#14's pair steps, fits run this step in JS (sae-batchtopk-pairs.ts, same mathematics, the [P, d] products pair by pair);
// this graph is the route where d is not a multiple of 4, and under CAJAL_SAE_PAIRS_STEP=graph.
import type { Tape, T } from '../train/autodiff';
import type { SaeLossAndGrads, SaeShape } from './sae-graph';
import { matryoshkaPrefixes } from './sae-graph';
import { deadAuxLoss } from './sae-dead-aux';
import { batchTopkCount, scatterAdd, sparseEncoderNodes, zerosOf } from './sae-sparse-encoder';

const FLOAT = 1;

export function saeBatchTopkSparseLossAndGrads(tape: Tape, o: SaeShape & { batch: number }, x: T, coef: T, dead: string, enc: string | null = null, sel: string | null = null): SaeLossAndGrads & { minpos: string } {
  const b = tape.b;
  const { d, m, batch: B } = o;
  const K = batchTopkCount(o.k, B, m);
  const kAux = Math.min(o.kAux ?? Math.floor(d / 2), m);
  const sc = (v: number) => tape.scalar(v);
  const i64 = (v: number[]) => b.int64s(v);
  // Prefix sizes of the inner levels and their loss weights (saeLoss: β^j for the prefix j levels inside the full one).
  const inner = o.kind === 'matryoshka' ? matryoshkaPrefixes(m, o.nestLevels ?? 5).slice(0, -1) : [];
  const beta = o.nestLossDecay ?? 1;
  const G = inner.length + 1;
  const levelWeights = [...inner.map((_, i) => beta ** (inner.length - i)), 1];

  // Encoder (the only dense product) and the batch's top K, as saeLoss computes them, as flat indices in ascending
  // order: given by the split step (`sel`, selected from the prelude's `enc` by linalg/select.ts, 4× faster than
  // TopK on one row of B·m), or here by TopK and then sorted, so both routes scatter in the same order, same bits.
  const pre = enc ?? sparseEncoderNodes(b, o.kind, x.name, d, m);
  const xbar = b.sub(x.name, 'b_dec');
  const preFlat = b.reshape(pre, [B * m]);
  let flat = sel;
  if (!flat) {
    const [, top] = b.node('TopK', [b.reshape(pre, [1, B * m]), i64([K])], 2, { axis: 1, largest: 1, sorted: 0 });
    const [negSorted] = b.node('TopK', [b.op('Neg', [b.reshape(top!, [K])]), i64([K])], 2, { axis: 0, largest: 1, sorted: 1 });
    flat = b.op('Neg', [negSorted!]);
  }
  const vals = b.op('Gather', [preFlat, flat], { axis: 0 });
  const mI = i64([m]);
  const row = b.op('Div', [flat, mI]); // [K] int64
  const lat = b.op('Mod', [flat, mI]);
  const fv = b.relu(vals);
  const latIdx = b.reshape(lat, [K, 1]);
  const wg = b.op('Gather', ['W_dec', lat], { axis: 0 }); // [K, d]
  const fcol = b.op('Unsqueeze', [fv, i64([1])]); // [K, 1]

  // Each pair's group and its slot g·B + row among the groups' partial reconstructions.
  let slot = row;
  if (G > 1) {
    const bounds = b.constant(BigInt64Array.from(inner.map((v) => BigInt(v))), [1, inner.length], 'int64');
    const group = b.reduce('ReduceSum', b.op('Cast', [b.op('GreaterOrEqual', [latIdx, bounds])], { to: 7 }), [1], false); // [K]
    slot = b.add(b.mul(group, i64([B])), row);
  }
  const slotIdx = b.reshape(slot, [K, 1]);
  const zerosGBd = zerosOf(b, [G * B, d]);
  const groups = b.reshape(scatterAdd(b, zerosGBd, slotIdx, b.mul(fcol, wg)), [G, B, d]);
  const recon = G > 1 ? b.op('CumSum', [groups, i64([0])]) : groups; // [G, B, d]: prefix g's x̂ − b_dec
  const errs = b.sub(b.add(recon, 'b_dec'), x.name); // [G, B, d]
  const sq = b.reduce('ReduceSumSquare', errs, [1, 2], false); // [G]
  const wts = b.constant(Float32Array.from(levelWeights), [G], 'float32');
  const mses = b.mul(sq, sc(1 / (B * d)));
  const reconLoss = b.reduce('ReduceSum', b.mul(mses, wts), [0], false);
  const last = (t: string, shape: number[]) => b.reshape(b.op('Gather', [t, i64([G - 1])], { axis: 0 }), shape);
  const sqErrSum = last(sq, []);
  const mse = b.mul(sqErrSum, sc(1 / (B * d)));
  const err = last(errs, [B, d]);
  // Upstream gradient of a pair in group g: Σ over the prefixes that contain it (g … G−1) of their weighted ∂x̂.
  const dE = b.mul(errs, b.reshape(b.mul(wts, sc(2 / (B * d))), [G, 1, 1]));
  const up = G > 1 ? b.op('CumSum', [dE, i64([0])], { reverse: 1 }) : dE; // [G, B, d]
  const upRows = b.op('Gather', [b.reshape(up, [G * B, d]), slot], { axis: 0 }); // [K, d]
  const dfv = b.reduce('ReduceSum', b.mul(wg, upRows), [1], false); // [K]
  const pos = b.op('Greater', [vals, sc(0)]);
  const dvals = b.op('Where', [pos, dfv, sc(0)]);
  const decMain = b.mul(fcol, upRows); // [K, d]
  const encMain = b.mul(b.op('Unsqueeze', [dvals, i64([1])]), b.op('Gather', [xbar, row], { axis: 0 }));
  const l1 = b.mul(b.reduce('ReduceSum', fv, [0], false), sc(1 / B));

  const aux = deadAuxLoss(b, { B, d, kAux }, { pre, err, xbar, coef: coef.name, dead });
  // The aux loss's rows (one per dead latent) are scattered first and the K pairs added onto them: concatenating
  // the two lists copied the K·d values once more (21 ms of the step at d = 512, m = 4,096, B = 1,024).
  const zerosMd = zerosOf(b, [m, d]);
  const gWdec = scatterAdd(b, scatterAdd(b, zerosMd, aux.idx, aux.dec), latIdx, decMain);
  const gWencT = scatterAdd(b, scatterAdd(b, zerosMd, aux.idx, aux.encT), latIdx, encMain);
  const zerosM = zerosOf(b, [m]);
  const gBenc = scatterAdd(b, scatterAdd(b, zerosM, aux.idx, aux.dpre), latIdx, dvals);
  // b_dec: every prefix's Σ_rows ∂x̂ minus the encoder side (Σ_rows ∂pre)·W_encᵀ, as the sparse TopK step.
  const upAll = b.reduce('ReduceSum', b.reshape(b.op('Gather', [up, i64([0])], { axis: 0 }), [B, d]), [0], true); // U_0 sums every prefix's ∂x̂
  const gBdec = b.reshape(b.gemm(b.reshape(gBenc, [1, m]), 'W_enc', upAll, { transB: true, alpha: -1 }), [d]);
  const loss = b.add(reconLoss, b.mul(coef.name, aux.aux));
  const fired = scatterAdd(b, zerosM, latIdx, b.op('Cast', [pos], { to: FLOAT }));
  const minpos = b.reduce('ReduceMin', b.op('Where', [pos, fv, sc(3e38)]), [0], false);
  return {
    loss,
    mse,
    l1,
    aux: aux.aux,
    grads: { W_enc: b.transpose(gWencT, [1, 0]), b_enc: gBenc, W_dec: gWdec, b_dec: gBdec },
    sqErrSum,
    active: '',
    fired,
    minpos,
  };
}
