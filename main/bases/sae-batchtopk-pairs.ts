// The TopK family's sparse step in JS over its selected pairs (#12, #14 item 5): sae-topk's k per row (from a TopK node
// in the encoder prelude, onnxruntime's own selection on the fit's threads), sae-batchtopk's and sae-matryoshka's
// K = k·B over the batch (linalg/select.ts). The loss and gradients are their sparse graphs' (sae-topk-sparse.ts,
// sae-batchtopk-sparse.ts, whose comments derive them — TopK is BatchTopK's step with another selection; Matryoshka's nested
// prefixes as one partial reconstruction per group of latents, stacked [G·B, d] with pair j at slot g_j·B + row_j, then
// running sums along the groups), with the [K, d] products done pair by pair by linalg/pairs-wasm.ts as
// sae-pairs-step.ts does for L1, JumpReLU and Gated. The dead-latent auxiliary loss (Gao et al.: four dense
// [B, D]×[D, d] products over the D dead latents, sae-dead-aux.ts) stays an onnxruntime graph on the fit's threads, run
// between the two (it has no scatter, so it is reproducible on several), and its gradient rows are added to the pairs'.
// One thread for the rest: fits reproducible bit for bit;
// equal to the dense step to float tolerance (test/integration/sae-pairs-step.test.ts).
import * as ort from 'onnxruntime-node';
import { topKFlatIndices, type SelectScratch } from '../linalg/select';
import { PairsWorkspace } from '../linalg/pairs-wasm';
import { GraphBuilder } from '../onnx/builder';
import type { AdamConfig } from '../train/adam';
import { createStepSession, type StepRunnerOptions } from '../train/session';
import type { SplitGraphOptions, SplitKernel, SplitKernelIO } from '../train/split-step';
import { deadAuxLoss } from './sae-dead-aux';
import { matryoshkaPrefixes, type SaeKind } from './sae-graph';
import { adamScalarsInto, bDecGrad, explainedVariance, finishWeightGrads, firedPerRow, pairsStepRoute, PAIRS_STEP_MAX_BYTES, PAIRS_STEP_MAX_DICTIONARY, type PairsShape } from './sae-pairs-step';
import { batchTopkCount, buildSaeSparsePrelude, sparseStepGraph } from './sae-sparse-encoder';

const f32 = Math.fround;

export interface BatchTopkPairsOptions extends PairsShape {
  kind: 'topk' | 'batchtopk' | 'matryoshka';
  k?: number;
  kAux?: number;
  nestLevels?: number;
  nestLossDecay?: number;
  adam?: AdamConfig;
  /** The aux graph's session options (the fit's threads and provider). */
  session?: StepRunnerOptions;
}

/** The dead-latent aux loss as a graph of its own: the step's tensors in, the aux loss and its gradient rows out. */
function auxGraph(d: number, m: number, B: number, kAux: number): Uint8Array {
  const b = new GraphBuilder({ name: 'sae-dead-aux', opset: 17 });
  b.input('pre', 'float32', [B, m]);
  b.input('err', 'float32', [B, d]);
  b.input('xbar', 'float32', [B, d]);
  b.input('coef', 'float32', []);
  b.input('dead', 'float32', [m]);
  b.input('W_dec', 'float32', [m, d]);
  b.input('W_enc', 'float32', [d, m]);
  const out = deadAuxLoss(b, { B, d, kAux }, { pre: 'pre', err: 'err', xbar: 'xbar', coef: 'coef', dead: 'dead' });
  b.output(b.op('Identity', [out.aux], {}, { output: 'aux' }), 'float32', []);
  b.output(b.op('Identity', [out.idx], {}, { output: 'idx' }), 'int64', ['n', 1]);
  b.output(b.op('Identity', [out.dpre], {}, { output: 'dpre' }), 'float32', ['n']);
  b.output(b.op('Identity', [out.dec], {}, { output: 'dec' }), 'float32', ['n', d]);
  b.output(b.op('Identity', [out.encT], {}, { output: 'encT' }), 'float32', ['n', d]);
  return b.toBytes();
}

/** The split step's kernel for sae-topk, sae-batchtopk or sae-matryoshka (d a multiple of 4: batchTopkPairsSupports). */
export function saeBatchTopkPairsStep(o: BatchTopkPairsOptions): SplitKernel {
  const { d, m, batch: B } = o;
  // sae-topk keeps k codes of every row; BatchTopK and Matryoshka k·B over the whole batch.
  const kRow = Math.min(o.k ?? 32, m);
  const K = o.kind === 'topk' ? kRow * B : batchTopkCount(o.k, B, m);
  const kAux = Math.min(o.kAux ?? Math.floor(d / 2), m);
  // Prefix bounds of the inner levels and every level's loss weight (β^j for the prefix j levels inside the full one).
  const inner = o.kind === 'matryoshka' ? matryoshkaPrefixes(m, o.nestLevels ?? 5).slice(0, -1) : [];
  const beta = o.nestLossDecay ?? 1;
  const G = inner.length + 1;
  const weights = [...inner.map((_, i) => beta ** (inner.length - i)), 1].map(f32);
  const groupOf = new Int32Array(m);
  for (let i = 0; i < m; i++) for (const bound of inner) if (i >= bound) groupOf[i]!++;

  const ws = new PairsWorkspace();
  const R = {
    wDec: ws.f32(m * d),
    xbar: ws.f32(B * d),
    stack: ws.f32(G * B * d),
    gWdec: ws.f32(m * d),
    gWencT: ws.f32(m * d),
    row: ws.i32(K),
    lat: ws.i32(K),
    slot: ws.i32(K),
    f: ws.f32(K),
    df: ws.f32(K),
  };
  // Flat indices into [B, m] (int32: B·m stays far below 2^31 within PAIRS_STEP_MAX_DICTIONARY's shapes).
  const sel = new Int32Array(o.kind === 'topk' ? 0 : K);
  const scratch: SelectScratch = {};
  const vals = new Float32Array(K);
  const err = new Float32Array(B * d);
  // x̄ also as a JS-owned copy for the aux graph's feed (a view of the kernels' memory would detach if it grew).
  const xbarJs = new Float32Array(B * d);
  let aux: { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> } | null = null;

  return {
    async run(io: SplitKernelIO): Promise<void> {
      const { feeds, fetches } = io;
      const pre = io.enc;
      const x = feeds.x!;
      const bDec = feeds.b_dec!;
      const coef = feeds.coef![0]!;
      // The batch's top K (TopK: each row's top k), in ascending flat order, ties to the lower index as ONNX TopK keeps them.
      const [row, lat, slot, f, df] = [R.row.view(), R.lat.view(), R.slot.view(), R.f.view(), R.df.view()];
      if (o.kind === 'topk') {
        // Each row's k from the prelude's TopK (onnxruntime's, on the fit's threads, the dense graph's very set), sorted
        // ascending within the row so the pairs run in the order the batch-wide selection gives.
        const top = io.prelude.sel!;
        for (let r = 0, j = 0; r < B; r++) {
          const start = j;
          for (let c = 0; c < kRow; c++, j++) {
            const x = Number(top[j]!);
            let b = j - 1;
            while (b >= start && lat[b]! > x) {
              lat[b + 1] = lat[b]!;
              b--;
            }
            lat[b + 1] = x;
          }
          row.fill(r, start, j);
        }
      } else {
        topKFlatIndices(pre, K, sel, scratch);
        for (let j = 0; j < K; j++) {
          const flat = sel[j]!;
          const r = Math.floor(flat / m);
          row[j] = r;
          lat[j] = flat - r * m;
        }
      }
      for (let j = 0; j < K; j++) {
        const r = row[j]!;
        const i = lat[j]!;
        const flat = r * m + i;
        slot[j] = groupOf[i]! * B + r;
        vals[j] = pre[flat]!;
        f[j] = Math.max(0, vals[j]!);
      }
      R.wDec.view().set(feeds.W_dec!);
      for (let r = 0, at = 0; r < B; r++) for (let k = 0; k < d; k++, at++) xbarJs[at] = f32(x[at]! - bDec[k]!);
      R.xbar.view().set(xbarJs);

      // Each group's partial reconstruction, then running sums along the groups: prefix g's x̂ − b_dec.
      const stack = R.stack.view();
      stack.fill(0);
      ws.axpy(R.stack, R.slot, R.wDec, R.lat, R.f, K, d);
      const level = B * d;
      for (let g = 1; g < G; g++) for (let at = 0; at < level; at++) stack[g * level + at] = f32(stack[g * level + at]! + stack[(g - 1) * level + at]!);
      // Each prefix's error x̂ − x (the full one kept for the aux loss), its weighted gradient, then the reverse running
      // sum: a pair of group g gets the gradients of every prefix from g outward.
      let reconLoss = 0;
      let sqErrSum = 0;
      for (let g = 0; g < G; g++) {
        let sq = 0;
        const scale = f32(weights[g]! * f32(2 / (B * d)));
        for (let r = 0, at = 0; r < B; r++) {
          for (let k = 0; k < d; k++, at++) {
            const e = f32(f32(stack[g * level + at]! + bDec[k]!) - x[at]!);
            if (g === G - 1) err[at] = e;
            sq += e * e;
            stack[g * level + at] = f32(e * scale);
          }
        }
        reconLoss += f32(f32(f32(sq) * f32(1 / (B * d))) * weights[g]!);
        if (g === G - 1) sqErrSum = sq;
      }
      for (let g = G - 2; g >= 0; g--) for (let at = 0; at < level; at++) stack[g * level + at] = f32(stack[g * level + at]! + stack[(g + 1) * level + at]!);

      // ∂f_j = ⟨W_dec[lat_j], U[slot_j]⟩ where the code is positive; ∂W_dec += f·U, ∂W_encᵀ += ∂pre·x̄.
      ws.dot(R.stack, R.slot, R.wDec, R.lat, R.df, K, d);
      const fired = fetches.fired!;
      const gBenc = fetches.grad_b_enc!;
      fired.fill(0);
      gBenc.fill(0);
      let l1 = 0;
      let minpos = 3e38;
      for (let j = 0; j < K; j++) {
        const pos = vals[j]! > 0;
        if (!pos) df[j] = 0;
        const i = lat[j]!;
        gBenc[i] = f32(gBenc[i]! + df[j]!);
        l1 += f[j]!;
        if (pos) {
          fired[i]! += 1;
          if (f[j]! < minpos) minpos = f[j]!;
        }
      }
      const gWdecIn = R.gWdec.view();
      const gWencT = R.gWencT.view();
      gWdecIn.fill(0);
      gWencT.fill(0);
      ws.axpy(R.gWdec, R.lat, R.stack, R.slot, R.f, K, d);
      ws.axpy(R.gWencT, R.lat, R.xbar, R.row, R.df, K, d);

      // The dead latents' aux loss in onnxruntime; its gradient rows join the pairs'.
      aux ??= await openAux();
      const out = await aux.session.run(aux.feeds);
      const auxLoss = (out.aux!.data as Float32Array)[0]!;
      const idx = out.idx!.data as BigInt64Array;
      const [dpre, dec, encT] = [out.dpre!.data as Float32Array, out.dec!.data as Float32Array, out.encT!.data as Float32Array];
      for (let n = 0; n < idx.length; n++) {
        const i = Number(idx[n]!);
        gBenc[i] = f32(gBenc[i]! + dpre[n]!);
        for (let k = 0; k < d; k++) {
          gWdecIn[i * d + k] = f32(gWdecIn[i * d + k]! + dec[n * d + k]!);
          gWencT[i * d + k] = f32(gWencT[i * d + k]! + encT[n * d + k]!);
        }
      }

      finishWeightGrads(ws, R, fetches, m, d);
      // U_0 holds every prefix's ∂x̂ summed.
      bDecGrad(stack.subarray(0, level), gBenc, feeds.W_enc!, o, fetches.grad_b_dec!);
      adamScalarsInto(feeds, fetches, o.adam);
      const mse = f32(sqErrSum * f32(1 / (B * d)));
      fetches.loss![0] = f32(f32(reconLoss) + f32(coef * auxLoss));
      fetches.mse![0] = mse;
      fetches.l1![0] = f32(l1 * f32(1 / B));
      fetches.aux![0] = auxLoss;
      if (fetches.minpos) fetches.minpos[0] = minpos; // BatchTopK's inference threshold tracks it; TopK has none
      fetches.l0![0] = firedPerRow(fired, B);
      fetches.ev![0] = explainedVariance(x, B, d, sqErrSum);

      async function openAux() {
        const session = await createStepSession(auxGraph(d, m, B, kAux), { ...o.session, label: `the sae-${o.kind} dead-latent loss` });
        const t = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
        // The step's buffers stay the same from step to step, so the feeds are made once.
        const auxFeeds = { pre: t(pre, [B, m]), err: t(err, [B, d]), xbar: t(xbarJs, [B, d]), coef: t(feeds.coef!, []), dead: t(feeds.dead!, [m]), W_dec: t(feeds.W_dec!, [m, d]), W_enc: t(feeds.W_enc!, [d, m]) };
        return { session, feeds: auxFeeds };
      }
    },
    async release(): Promise<void> {
      await aux?.session.release();
      aux = null;
    },
  };
}

/** Whether this file trains `kind` at this shape (rows of a multiple of 4 values, the dictionary within PAIRS_STEP_MAX_DICTIONARY, the workspace within 2 GiB). */
export function batchTopkPairsSupports(kind: SaeKind, s: PairsShape & { levels: number }): boolean {
  const floats = 3 * s.m * s.d + (s.levels + 2) * s.batch * s.d + s.batch * s.m;
  return (kind === 'topk' || kind === 'batchtopk' || kind === 'matryoshka') && s.d % 4 === 0 && s.m * s.d <= PAIRS_STEP_MAX_DICTIONARY && 4 * floats <= PAIRS_STEP_MAX_BYTES && pairsStepRoute() === 'js';
}

/**
 * The split step's primary for a sparse sae-topk, sae-batchtopk or sae-matryoshka step: this file's JS step where it applies
 * (CAJAL_SAE_PAIRS_STEP=graph or a d not a multiple of 4 keep the ORT sparse graph `bytes`), after the encoder prelude.
 */
export function batchTopkPrimary(o: BatchTopkPairsOptions, bytes: Uint8Array): Omit<SplitGraphOptions, 'bytes'> {
  const levels = o.kind === 'matryoshka' ? matryoshkaPrefixes(o.m, o.nestLevels ?? 5).length : 1;
  if (!batchTopkPairsSupports(o.kind, { ...o, levels })) return sparseStepGraph(o.kind, o.d, o.m, o.batch, bytes, o.k);
  const kRow = o.kind === 'topk' ? Math.min(o.k ?? 32, o.m) : undefined;
  const prelude = buildSaeSparsePrelude(o.kind, o.d, o.m, o.batch, kRow);
  const outputs = kRow !== undefined ? [{ name: 'sel', shape: [o.batch, kRow] }] : [];
  return { prelude: { bytes: prelude, shape: [o.batch, o.m], outputs }, kernel: saeBatchTopkPairsStep(o) };
}

