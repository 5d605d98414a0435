// The dense part of every sparse SAE step: the encoder's [B, d]×[d, m] product (#12, #14 item 5). The sparse graphs
// (sae-*-sparse.ts) run on one thread for reproducible scatter-adds (SPARSE_STEP_THREADS), but this product has no
// scatter and is most of their time on one thread, so the split step runs it first as a graph of its own on the
// fit's threads (the prelude) and hands its output to the sparse graph as the input `enc`. The nodes are the ones the
// sparse graphs build when they compute it themselves, so the two routes give the same bits.
import { attr, GraphBuilder } from '../onnx/builder';
import type { SplitGraphOptions } from '../train/split-step';
import { topKFlatIndices, type SelectScratch } from '../linalg/select';
import type { SaeKind } from './sae-graph';

/**
 * Intra-op threads of every sparse SAE step (the TopK family's, and the L1, JumpReLU and Gated alternates).
 * onnxruntime's CPU ScatterND with reduction 'add' splits its updates over the session's threads, and updates that
 * land on the same row (a latent active on several rows of the batch, a row with several active latents) are then
 * added in a varying order (onnxruntime#18048, #23396): measured here, the same sparse step from the same state gave
 * gradients equal to the dense step's to 1e-9 but not bit for bit from run to run, and Adam turns a near-zero
 * gradient's changed sign into a ±lr step — the demo's sae-topk ended 1e-3 apart in its EV between two runs. On one
 * thread the additions run in index order, so a fit is reproducible bit for bit. The encoder product, which has no
 * scatter, runs before it on the fit's threads (the prelude below): bench sae-arch, m = 4,096, sae-topk 5.4 steps/s
 * (5.2–5.3 with the product on one thread too, 8.0–8.5 with everything on two), sae-jumprelu 5.9 (4.9).
 */
export const SPARSE_STEP_THREADS = 1;

/** K, the codes a BatchTopK (or Matryoshka) step keeps over its whole batch: k per row on average (sae-batchtopk-sparse.ts). */
export function batchTopkCount(k: number | undefined, batch: number, m: number): number {
  return Math.min((k ?? 32) * batch, batch * m);
}

/** Float32 zeros of `shape`: what every sparse step scatters its pairs onto. */
export function zerosOf(b: GraphBuilder, shape: number[]): string {
  return b.op('ConstantOfShape', [b.int64s(shape)], { value: attr.tensor(Float32Array.of(0), [1], 'float32') });
}

/** `rows` added onto `onto` at `idx` (ScatterND, reduction add): on SPARSE_STEP_THREADS for the reason above. */
export function scatterAdd(b: GraphBuilder, onto: string, idx: string, rows: string): string {
  return b.op('ScatterND', [onto, idx, rows], { reduction: 'add' });
}

/** The encoder's output the sparse graph of `kind` starts from: pre [B, m] (Gated: h = x̄·W_enc without b_gate). */
export function sparseEncoderNodes(b: GraphBuilder, kind: SaeKind, x: string, d: number, m: number, output?: string): string {
  if (kind === 'l1') return b.gemm(b.sub(x, 'b_dec'), 'W_enc', 'b_enc', { output }); // as saeL1LossAndGrads
  const bdecW = b.matmul(b.reshape('b_dec', [1, d]), 'W_enc');
  if (kind === 'gated') return b.sub(b.matmul(x, 'W_enc'), bdecW, output); // as saeLoss for 'gated'
  const shift = b.sub(b.reshape('b_enc', [1, m]), bdecW);
  return b.add(b.matmul(x, 'W_enc'), shift, output); // as saeLoss
}

/** The prelude graph: x and the encoder's tensors → enc [batch, m] (and with rowTopK, each row's top indices). */
export function buildSaeSparsePrelude(kind: SaeKind, d: number, m: number, batch: number, rowTopK?: number): Uint8Array {
  const b = new GraphBuilder({ name: `sae-${kind}-encoder`, opset: 17 });
  b.input('x', 'float32', [batch, d]);
  b.input('W_enc', 'float32', [d, m]);
  if (kind !== 'gated') b.input('b_enc', 'float32', [m]);
  b.input('b_dec', 'float32', [d]);
  const enc = sparseEncoderNodes(b, kind, 'x', d, m, 'enc');
  b.output('enc', 'float32', [batch, m]);
  // rowTopK: also each row's TopK indices `sel` [batch, k] (sae-topk's JS step, sae-batchtopk-pairs.ts).
  if (rowTopK !== undefined) {
    b.node('TopK', [enc, b.int64s([rowTopK])], ['sel_vals', 'sel'], { axis: 1, largest: 1, sorted: 0 });
    b.output('sel', 'int64', [batch, rowTopK]);
  }
  return b.toBytes();
}

/**
 * How the split step runs a sparse graph built with `encInput`: on SPARSE_STEP_THREADS, after its encoder prelude.
 * BatchTopK and Matryoshka (given their k) also take the batch's top K codes, selected from `enc` in JS between the
 * two graphs (linalg/select.ts: about 10 ms where TopK over the B·m codes on the graph's one thread took 40).
 */
export function sparseStepGraph(kind: SaeKind, d: number, m: number, batch: number, bytes: Uint8Array, k?: number): SplitGraphOptions {
  const prelude: NonNullable<SplitGraphOptions['prelude']> = { bytes: buildSaeSparsePrelude(kind, d, m, batch), shape: [batch, m] };
  if (kind === 'batchtopk' || kind === 'matryoshka') {
    if (k === undefined) throw new Error(`sparseStepGraph: sae-${kind} needs its k`);
    const K = batchTopkCount(k, batch, m);
    const scratch: SelectScratch = {};
    prelude.select = { input: 'sel', size: K, run: (enc, out) => topKFlatIndices(enc, K, out, scratch) };
  }
  return { bytes, intraOpThreads: SPARSE_STEP_THREADS, prelude };
}
