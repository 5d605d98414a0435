// The lab's own one-layer transformer (#13 item 3), the seed paper's shape at small scale: bytes (vocabulary 256),
// d_model 128, one pre-layer-norm causal attention block of 4 heads, one ReLU MLP of 512 neurons, a final layer norm
// and an unembedding, context 128. The forward pass is written once on the autodiff Tape (main/train/autodiff.ts), so
// the training graph (forward, loss, backward, Adam in one ONNX graph) and the logits it computes are the same
// arithmetic; the inference graph (`inferenceModel`) is the same network with the weights as initializers, a symbolic
// batch and sequence length, and the MLP's hidden activation under the name `mlp_hidden` for harvests.
import { GraphBuilder } from '../onnx/builder';
import { adamScalars, adamUpdate, type AdamConfig } from '../train/adam';
import { Tape, sizeOf, type T } from '../train/autodiff';
import { Rng } from '../util/random';

export interface LmConfig {
  vocab: number;
  dModel: number;
  heads: number;
  mlp: number;
  context: number;
}

export const LM_CONFIG: LmConfig = { vocab: 256, dModel: 128, heads: 4, mlp: 512, context: 128 };
export const LN_EPS = 1e-5;
export const MLP_HIDDEN = 'mlp_hidden';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Normal init std; 'ones' / 'zeros' for layer-norm gains and biases. */
  init: number | 'ones' | 'zeros';
}

export function paramSpecs(c: LmConfig = LM_CONFIG): ParamSpec[] {
  const { vocab: V, dModel: d, mlp: H, context: L } = c;
  const resid = 0.02 / Math.sqrt(2); // the two residual writes (GPT-2's scaling)
  return [
    { name: 'tok_embed', shape: [V, d], init: 0.02 },
    { name: 'pos_embed', shape: [L, d], init: 0.01 },
    { name: 'ln1_g', shape: [d], init: 'ones' },
    { name: 'ln1_b', shape: [d], init: 'zeros' },
    { name: 'wq', shape: [d, d], init: 0.02 },
    { name: 'wk', shape: [d, d], init: 0.02 },
    { name: 'wv', shape: [d, d], init: 0.02 },
    { name: 'wo', shape: [d, d], init: resid },
    { name: 'ln2_g', shape: [d], init: 'ones' },
    { name: 'ln2_b', shape: [d], init: 'zeros' },
    { name: 'w1', shape: [d, H], init: 0.02 },
    { name: 'b1', shape: [H], init: 'zeros' },
    { name: 'w2', shape: [H, d], init: resid },
    { name: 'b2', shape: [d], init: 'zeros' },
    { name: 'lnf_g', shape: [d], init: 'ones' },
    { name: 'lnf_b', shape: [d], init: 'zeros' },
    { name: 'unembed', shape: [d, V], init: 0.02 },
    { name: 'unembed_b', shape: [V], init: 'zeros' },
  ];
}

export type LmWeights = Record<string, Float32Array>;

export function initWeights(seed: number, c: LmConfig = LM_CONFIG): LmWeights {
  const out: LmWeights = {};
  paramSpecs(c).forEach((p, i) => {
    const a = new Float32Array(sizeOf(p.shape));
    if (p.init === 'ones') a.fill(1);
    else if (typeof p.init === 'number') Rng.stream(seed, 0x1a7e, i).fillNormal(a, 0, p.init);
    out[p.name] = a;
  });
  return out;
}

/** The forward pass on a tape: logits [B, L, V] for int64 ids [B, L] (a graph tensor). */
export function tapeForward(tape: Tape, p: Record<string, T>, ids: string, batch: number, c: LmConfig = LM_CONFIG): T {
  const L = c.context;
  const x = tape.add(tape.embedding(p.tok_embed!, ids, [batch, L]), p.pos_embed!);
  const h = tape.layerNorm(x, p.ln1_g!, p.ln1_b!, LN_EPS);
  const att = tape.causalAttention(tape.matmul(h, p.wq!), tape.matmul(h, p.wk!), tape.matmul(h, p.wv!), c.heads);
  const mid = tape.add(x, tape.matmul(att, p.wo!));
  const h2 = tape.layerNorm(mid, p.ln2_g!, p.ln2_b!, LN_EPS);
  const hidden = tape.relu(tape.add(tape.matmul(h2, p.w1!), p.b1!));
  const post = tape.add(mid, tape.add(tape.matmul(hidden, p.w2!), p.b2!));
  const hf = tape.layerNorm(post, p.lnf_g!, p.lnf_b!, LN_EPS);
  return tape.add(tape.matmul(hf, p.unembed!), p.unembed_b!);
}

export const IDS = 'ids';
export const TARGETS = 'targets';
export const LR = 'lr';
export const STEP = 't';
export const LOSS = 'loss';
export const LOGITS = 'train_logits';
export const stateNames = (name: string) => ({ m: `${name}.m`, v: `${name}.v`, next: `${name}.next`, mNext: `${name}.m.next`, vNext: `${name}.v.next` });

export interface TrainingGraph {
  bytes: Uint8Array;
  batch: number;
}

/**
 * One training step as one graph: inputs are the parameters, their Adam moments (`<p>.m`, `<p>.v`), the byte
 * windows `ids` and next bytes `targets` [B, L], the learning rate `lr` and step `t` (rank 0); outputs the updated
 * parameters and moments (`<p>.next`, `<p>.m.next`, `<p>.v.next`) and the mean cross-entropy `loss` in nats.
 * With `exposeLogits`, the forward pass's logits are an output too (`train_logits`), for checking the export.
 */
export function trainingGraph(batch: number, adam: AdamConfig = {}, exposeLogits = false, c: LmConfig = LM_CONFIG): TrainingGraph {
  const b = new GraphBuilder({ name: 'lab-lm-train', opset: 17 });
  const tape = new Tape(b, 'float32');
  const specs = paramSpecs(c);
  const params: Record<string, T> = {};
  for (const s of specs) params[s.name] = tape.param(s.name, s.shape);
  for (const s of specs) {
    const n = stateNames(s.name);
    b.input(n.m, 'float32', s.shape);
    b.input(n.v, 'float32', s.shape);
  }
  const ids = b.input(IDS, 'int64', [batch, c.context]);
  const targets = b.input(TARGETS, 'int64', [batch, c.context]);
  const lr = b.input(LR, 'float32', []);
  const t = b.input(STEP, 'float32', []);
  const logits = tapeForward(tape, params, ids, batch, c);
  const loss = tape.tokenCrossEntropy(logits, targets);
  const grads = tape.grad(loss, specs.map((s) => params[s.name]!));
  const scalars = adamScalars(b, lr, t, adam);
  specs.forEach((s, i) => {
    const n = stateNames(s.name);
    adamUpdate(b, scalars, { param: s.name, grad: grads[i]!, m: n.m, v: n.v }, adam, 'float32', { param: n.next, m: n.mNext, v: n.vNext });
    b.output(n.next, 'float32', s.shape);
    b.output(n.mNext, 'float32', s.shape);
    b.output(n.vNext, 'float32', s.shape);
  });
  b.output(b.op('Identity', [loss.name], {}, { output: LOSS }), 'float32', []);
  if (exposeLogits) b.output(b.op('Identity', [logits.name], {}, { output: LOGITS }), 'float32', [batch, c.context, c.vocab]);
  return { bytes: b.toBytes(), batch };
}

/**
 * The inference model: `input_ids` int64 [batch, seq] (seq ≤ context) → `logits` float32 [batch, seq, 256], with the
 * MLP's post-ReLU activation named `mlp_hidden` [batch, seq, 512]. Weights are initializers.
 */
export function inferenceModel(w: LmWeights, c: LmConfig = LM_CONFIG, docString?: string): Uint8Array {
  const b = new GraphBuilder({ name: 'cajal-lab-lm', opset: 17, producerName: 'cajal', ...(docString ? { docString } : {}) });
  const specs = paramSpecs(c);
  const p: Record<string, string> = {};
  for (const s of specs) p[s.name] = b.initializer(s.name, w[s.name]!, s.shape);
  const { dModel: d, heads, context: L } = c;
  const dh = d / heads;
  const ids = b.input('input_ids', 'int64', ['batch', 'seq']);
  const seq = b.op('Shape', [ids], { start: 1, end: 2 }, { output: 'seq_len' });
  const zero = b.int64s([0]);
  const tok = b.op('Gather', [p.tok_embed!, ids], { axis: 0 }, { output: 'tok_embed_out' });
  const pos = b.op('Slice', [p.pos_embed!, zero, seq, zero]);
  const x = b.add(tok, pos, 'embed');
  const ln = (v: string, g: string, beta: string, output: string) => b.op('LayerNormalization', [v, g, beta], { axis: -1, epsilon: LN_EPS }, { output });
  const h = ln(x, p.ln1_g!, p.ln1_b!, 'ln1_out');
  const split = (v: string, perm: number[]) => b.transpose(b.op('Reshape', [v, b.int64s([0, 0, heads, dh])]), perm);
  const q = split(b.matmul(h, p.wq!), [0, 2, 1, 3]);
  const kT = split(b.matmul(h, p.wk!), [0, 2, 3, 1]);
  const v = split(b.matmul(h, p.wv!), [0, 2, 1, 3]);
  const scores = b.mul(b.matmul(q, kT), b.scalar(1 / Math.sqrt(dh)));
  const allowed = new Uint8Array(L * L);
  for (let i = 0; i < L; i++) for (let j = 0; j <= i; j++) allowed[i * L + j] = 1;
  const ends = b.op('Concat', [seq, seq], { axis: 0 });
  const keep = b.op('Slice', [b.constant(allowed, [L, L], 'bool'), b.int64s([0, 0]), ends, b.int64s([0, 1])]);
  const probs = b.op('Softmax', [b.op('Where', [keep, scores, b.scalar(-1e30)])], { axis: -1 }, { output: 'attn_pattern' });
  const mixed = b.op('Reshape', [b.transpose(b.matmul(probs, v), [0, 2, 1, 3]), b.int64s([0, 0, d])]);
  const mid = b.add(x, b.matmul(mixed, p.wo!), 'resid_mid');
  const h2 = ln(mid, p.ln2_g!, p.ln2_b!, 'ln2_out');
  const hidden = b.relu(b.add(b.matmul(h2, p.w1!), p.b1!), MLP_HIDDEN);
  const post = b.add(mid, b.add(b.matmul(hidden, p.w2!), p.b2!), 'resid_post');
  const hf = ln(post, p.lnf_g!, p.lnf_b!, 'lnf_out');
  b.output(b.add(b.matmul(hf, p.unembed!), p.unembed_b!, 'logits'), 'float32', ['batch', 'seq', c.vocab]);
  return b.toBytes();
}
