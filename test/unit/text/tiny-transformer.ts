// A tiny causal transformer built with the lab's own ONNX builder (embedding Gather, one single-head attention block
// with a causal and a padding mask, a ReLU MLP, an unembedding), and the same forward pass in float64 JS, so token
// harvests are checked against an independent reference.
import { GraphBuilder } from '../../../main/onnx/builder';
import { Rng } from '../../../main/util/random';

export interface TinyOptions {
  vocab: number;
  length: number;
  d?: number;
  hidden?: number;
  withMask?: boolean;
  withPositions?: boolean;
  /** input_ids' sequence dim: the length (fixed) or a symbol. */
  seqDim?: number | string;
  extraInput?: string;
  seed?: number;
}

export interface TinyWeights {
  E: Float32Array; P: Float32Array; Wq: Float32Array; Wk: Float32Array; Wv: Float32Array; Wo: Float32Array;
  W1: Float32Array; b1: Float32Array; W2: Float32Array; U: Float32Array;
}

export interface TinyModel {
  bytes: Uint8Array;
  weights: TinyWeights;
  opts: Required<Omit<TinyOptions, 'extraInput' | 'seqDim'>>;
}

export function buildTinyTransformer(o: TinyOptions): TinyModel {
  const opts = { d: 6, hidden: 16, withMask: true, withPositions: true, seed: 1, ...o };
  const { vocab: V, length: L, d, hidden: H } = opts;
  const rng = new Rng(opts.seed);
  const w = (n: number, s: number) => rng.fillNormal(new Float32Array(n), 0, s) as Float32Array;
  const weights: TinyWeights = {
    E: w(V * d, 1), P: w(L * d, 0.5), Wq: w(d * d, 0.6), Wk: w(d * d, 0.6), Wv: w(d * d, 0.6), Wo: w(d * d, 0.6),
    W1: w(d * H, 0.6), b1: w(H, 0.2), W2: w(H * d, 0.4), U: w(d * V, 0.5),
  };
  const b = new GraphBuilder({ name: 'tiny-transformer', opset: 17 });
  const seq = o.seqDim ?? 'seq';
  const ids = b.input('input_ids', 'int64', ['batch', seq]);
  const mask = opts.withMask ? b.input('attention_mask', 'int64', ['batch', seq]) : null;
  const pos = opts.withPositions ? b.input('position_ids', 'int64', ['batch', seq]) : null;
  if (o.extraInput) b.input(o.extraInput, 'float32', ['batch', 2, seq, 3]);
  const tok = b.op('Gather', [b.initializer('E', weights.E, [V, d]), ids], {}, { output: 'tok_embed' });
  const x = pos ? b.add(tok, b.op('Gather', [b.initializer('P', weights.P, [L, d]), pos]), 'embed') : tok;
  const q = b.matmul(x, b.initializer('Wq', weights.Wq, [d, d]));
  const k = b.matmul(x, b.initializer('Wk', weights.Wk, [d, d]));
  const v = b.matmul(x, b.initializer('Wv', weights.Wv, [d, d]));
  const kt = b.transpose(k, [0, 2, 1], 'keys_t');
  let s = b.mul(b.matmul(q, kt), b.scalar(1 / Math.sqrt(d)));
  const causal = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) causal[i * L + j] = -1e9;
  s = b.add(s, b.constant(causal, [L, L]));
  if (mask) {
    const mf = b.op('Cast', [mask], { to: 1 });
    const pad = b.mul(b.sub(mf, b.scalar(1)), b.scalar(1e9));
    s = b.add(s, b.op('Unsqueeze', [pad, b.int64s([1])]));
  }
  const a = b.op('Softmax', [s], { axis: -1 });
  const att = b.matmul(b.matmul(a, v), b.initializer('Wo', weights.Wo, [d, d]));
  const mid = b.add(x, att, 'resid_mid');
  const h = b.relu(b.add(b.matmul(mid, b.initializer('W1', weights.W1, [d, H])), b.initializer('b1', weights.b1, [H])), 'mlp_hidden');
  const post = b.add(mid, b.matmul(h, b.initializer('W2', weights.W2, [H, d])), 'resid_post');
  b.output(b.matmul(post, b.initializer('U', weights.U, [d, V]), 'logits'), 'float32', ['batch', seq, V]);
  return { bytes: b.toBytes(), weights, opts };
}

function matvec(x: number[], W: Float32Array, rows: number, cols: number): number[] {
  const out = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += x[i]! * W[i * cols + j]!;
  return out;
}

/** Float64 forward pass of one context (ids padded to L, mask 1/0): every named tensor at every position. */
export function referenceForward(m: TinyModel, ids: ArrayLike<number>, mask: ArrayLike<number>): Record<string, number[][]> {
  const { vocab: V, length: L, d, hidden: H, withMask, withPositions } = m.opts;
  const W = m.weights;
  const x = Array.from({ length: L }, (_, t) => {
    const e = Array.from(W.E.subarray(ids[t]! * d, ids[t]! * d + d));
    return withPositions ? e.map((v, j) => v + W.P[t * d + j]!) : e;
  });
  const q = x.map((r) => matvec(r, W.Wq, d, d));
  const k = x.map((r) => matvec(r, W.Wk, d, d));
  const v = x.map((r) => matvec(r, W.Wv, d, d));
  const out: Record<string, number[][]> = { resid_mid: [], mlp_hidden: [], resid_post: [], logits: [] };
  for (let t = 0; t < L; t++) {
    const scores = k.map((kr, j) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += q[t]![c]! * kr[c]!;
      s /= Math.sqrt(d);
      if (j > t) s += -1e9;
      if (withMask) s += (mask[j]! - 1) * 1e9;
      return s;
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const z = e.reduce((a, b) => a + b, 0);
    const att = new Array<number>(d).fill(0);
    e.forEach((p, j) => { for (let c = 0; c < d; c++) att[c]! += (p / z) * v[j]![c]!; });
    const mid = matvec(att, W.Wo, d, d).map((val, c) => val + x[t]![c]!);
    const h = matvec(mid, W.W1, d, H).map((val, c) => Math.max(0, val + W.b1[c]!));
    const post = matvec(h, W.W2, H, d).map((val, c) => val + mid[c]!);
    out.resid_mid!.push(mid);
    out.mlp_hidden!.push(h);
    out.resid_post!.push(post);
    out.logits!.push(matvec(post, W.U, d, V));
  }
  return out;
}
