// Reverse-mode differentiation over GraphBuilder: a Tape records each forward op together with its
// vector-Jacobian product (VJP) written as ONNX nodes, and `grad(loss, params)` appends the backward pass to the
// same graph. The result is one ONNX graph (forward + loss + gradients, and whatever update the caller adds) that
// onnxruntime runs with its native, multithreaded kernels.
//
// Shapes are static (numbers): training graphs have a fixed batch size, and static shapes let broadcasting be
// undone exactly (ReduceSum over the broadcast axes, then Reshape). Every op works in float32 or float64; the
// float64 graphs exist for finite-difference checks of the rules (test/unit/train).
import { GraphBuilder, attr } from '../onnx/builder';

export type FloatDType = 'float32' | 'float64';

/** A tensor on the tape: its graph name, static shape and whether gradients flow to it. */
export interface T {
  readonly name: string;
  readonly shape: readonly number[];
  readonly requiresGrad: boolean;
}

type Vjp = (g: string) => (string | null)[];

interface Record_ {
  out: T;
  inputs: T[];
  vjp: Vjp;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Numpy broadcasting of two static shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`Shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast.`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function normAxes(axes: readonly number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((x, y) => x - y);
}

export class Tape {
  readonly b: GraphBuilder;
  readonly dtype: FloatDType;
  private readonly records: Record_[] = [];
  private readonly scalars = new Map<number, string>();

  constructor(builder: GraphBuilder, dtype: FloatDType = 'float32') {
    this.b = builder;
    this.dtype = dtype;
  }

  // ---- leaves -------------------------------------------------------------------------------------------------

  /** A graph input that gradients are taken with respect to (a trainable parameter). */
  param(name: string, shape: readonly number[]): T {
    this.b.input(name, this.dtype, shape);
    return { name, shape: [...shape], requiresGrad: true };
  }

  /** A graph input that is data (no gradient). */
  input(name: string, shape: readonly number[]): T {
    this.b.input(name, this.dtype, shape);
    return { name, shape: [...shape], requiresGrad: false };
  }

  /** Wraps a tensor already in the graph (e.g. computed with raw GraphBuilder ops) as a constant for the tape. */
  leaf(name: string, shape: readonly number[]): T {
    return { name, shape: [...shape], requiresGrad: false };
  }

  /** A rank-0 constant of the tape's dtype (cached per value). */
  scalar(value: number): string {
    const hit = this.scalars.get(value);
    if (hit) return hit;
    const name = this.b.scalar(value, this.dtype);
    this.scalars.set(value, name);
    return name;
  }

  constant(value: number): T {
    return { name: this.scalar(value), shape: [], requiresGrad: false };
  }

  /** Cuts the gradient: the value flows forward, nothing flows back. */
  stopGradient(x: T): T {
    return { name: x.name, shape: x.shape, requiresGrad: false };
  }

  private record(name: string, shape: readonly number[], inputs: T[], vjp: Vjp): T {
    const requiresGrad = inputs.some((i) => i.requiresGrad);
    const out: T = { name, shape: [...shape], requiresGrad };
    if (requiresGrad) this.records.push({ out, inputs, vjp });
    return out;
  }

  // ---- broadcasting helpers -------------------------------------------------------------------------------------

  /** Sums a gradient of shape `from` down to `to` (the inverse of numpy broadcasting). */
  unbroadcast(g: string, from: readonly number[], to: readonly number[]): string {
    if (from.length === to.length && from.every((d, i) => d === to[i])) return g;
    const lead = from.length - to.length;
    const axes: number[] = [];
    for (let i = 0; i < from.length; i++) {
      const target = i < lead ? 1 : to[i - lead]!;
      if (i < lead || (target === 1 && from[i] !== 1)) axes.push(i);
    }
    let r = g;
    if (axes.length > 0) r = this.b.reduce('ReduceSum', g, axes, true);
    return this.b.reshape(r, to.length === 0 ? [] : [...to]);
  }

  // ---- elementwise binary (broadcasting) ------------------------------------------------------------------------

  add(a: T, c: T): T {
    const shape = broadcastShapes(a.shape, c.shape);
    const out = this.b.add(a.name, c.name);
    return this.record(out, shape, [a, c], (g) => [
      a.requiresGrad ? this.unbroadcast(g, shape, a.shape) : null,
      c.requiresGrad ? this.unbroadcast(g, shape, c.shape) : null,
    ]);
  }

  sub(a: T, c: T): T {
    const shape = broadcastShapes(a.shape, c.shape);
    const out = this.b.sub(a.name, c.name);
    return this.record(out, shape, [a, c], (g) => [
      a.requiresGrad ? this.unbroadcast(g, shape, a.shape) : null,
      c.requiresGrad ? this.unbroadcast(this.b.op('Neg', [g]), shape, c.shape) : null,
    ]);
  }

  mul(a: T, c: T): T {
    const shape = broadcastShapes(a.shape, c.shape);
    const out = this.b.mul(a.name, c.name);
    return this.record(out, shape, [a, c], (g) => [
      a.requiresGrad ? this.unbroadcast(this.b.mul(g, c.name), shape, a.shape) : null,
      c.requiresGrad ? this.unbroadcast(this.b.mul(g, a.name), shape, c.shape) : null,
    ]);
  }

  div(a: T, c: T): T {
    const shape = broadcastShapes(a.shape, c.shape);
    const out = this.b.div(a.name, c.name);
    return this.record(out, shape, [a, c], (g) => [
      a.requiresGrad ? this.unbroadcast(this.b.div(g, c.name), shape, a.shape) : null,
      // d(a/c)/dc = −a/c² = −out/c
      c.requiresGrad ? this.unbroadcast(this.b.op('Neg', [this.b.div(this.b.mul(g, out), c.name)]), shape, c.shape) : null,
    ]);
  }

  scale(x: T, s: number): T {
    return this.mul(x, this.constant(s));
  }

  // ---- elementwise unary --------------------------------------------------------------------------------------

  neg(x: T): T {
    const out = this.b.op('Neg', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.op('Neg', [g])]);
  }

  relu(x: T): T {
    const out = this.b.relu(x.name);
    return this.record(out, x.shape, [x], (g) => {
      const pos = this.b.op('Greater', [x.name, this.scalar(0)]);
      return [this.b.op('Where', [pos, g, this.scalar(0)])];
    });
  }

  abs(x: T): T {
    const out = this.b.op('Abs', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.mul(g, this.b.op('Sign', [x.name]))]);
  }

  square(x: T): T {
    const out = this.b.mul(x.name, x.name);
    return this.record(out, x.shape, [x], (g) => [this.b.mul(this.b.mul(g, x.name), this.scalar(2))]);
  }

  sqrt(x: T): T {
    const out = this.b.op('Sqrt', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.div(g, this.b.mul(out, this.scalar(2)))]);
  }

  exp(x: T): T {
    const out = this.b.op('Exp', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.mul(g, out)]);
  }

  log(x: T): T {
    const out = this.b.op('Log', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.div(g, x.name)]);
  }

  tanh(x: T): T {
    const out = this.b.op('Tanh', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.mul(g, this.b.sub(this.scalar(1), this.b.mul(out, out)))]);
  }

  sigmoid(x: T): T {
    const out = this.b.op('Sigmoid', [x.name]);
    return this.record(out, x.shape, [x], (g) => [this.b.mul(this.b.mul(g, out), this.b.sub(this.scalar(1), out))]);
  }

  /**
   * A fixed 0/1 mask (no gradient to the mask): y = x·mask; the VJP is g·mask. The mask may broadcast to x.
   */
  applyMask(x: T, mask: string): T {
    const out = this.b.mul(x.name, mask);
    return this.record(out, x.shape, [x], (g) => [this.b.mul(g, mask)]);
  }

  /**
   * 0/1 mask of the k largest entries of x along the last axis (ties broken by ONNX TopK), as a graph tensor
   * without gradient. `k` is a number or the name of a 1-D int64 tensor [1].
   */
  topkMask(x: T, k: number | string): string {
    const axis = x.shape.length - 1;
    const kName = typeof k === 'number' ? this.b.int64s([k]) : k;
    const [, idx] = this.b.node('TopK', [x.name, kName], 2, { axis, largest: 1, sorted: 0 });
    const zeros = this.b.op('ConstantOfShape', [this.b.int64s([...x.shape])], { value: zeroTensorAttr(this.dtype) });
    const ones = this.b.op('Expand', [this.scalar(1), this.b.op('Shape', [idx!])]);
    return this.b.op('ScatterElements', [zeros, idx!, ones], { axis });
  }

  /** TopK activation: keep the k largest entries along the last axis, zero the rest. */
  topk(x: T, k: number | string): T {
    return this.applyMask(x, this.topkMask(x, k));
  }

  // ---- reductions and shape ops ---------------------------------------------------------------------------------

  reduceSum(x: T, axes: readonly number[], keepdims = false): T {
    const ax = normAxes(axes, x.shape.length);
    const keptShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
    const shape = keepdims ? keptShape : x.shape.filter((_, i) => !ax.includes(i));
    const out = this.b.reduce('ReduceSum', x.name, ax, keepdims);
    return this.record(out, shape, [x], (g) => {
      const gk = keepdims ? g : this.b.reshape(g, keptShape);
      return [this.b.op('Expand', [gk, this.b.int64s([...x.shape])])];
    });
  }

  reduceMean(x: T, axes: readonly number[], keepdims = false): T {
    const ax = normAxes(axes, x.shape.length);
    const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
    return this.scale(this.reduceSum(x, ax, keepdims), 1 / count);
  }

  sumAll(x: T): T {
    return this.reduceSum(x, x.shape.map((_, i) => i), false);
  }

  meanAll(x: T): T {
    return this.scale(this.sumAll(x), 1 / sizeOf(x.shape));
  }

  reshape(x: T, shape: readonly number[]): T {
    if (sizeOf(shape) !== sizeOf(x.shape)) throw new Error(`Cannot reshape [${x.shape.join(', ')}] to [${shape.join(', ')}].`);
    const out = this.b.reshape(x.name, [...shape]);
    return this.record(out, shape, [x], (g) => [this.b.reshape(g, [...x.shape])]);
  }

  /** x[…, start:end, …] along one axis; the VJP pads the gradient back to x's shape with zeros. */
  slice(x: T, axis: number, start: number, end: number): T {
    const shape = x.shape.map((d, i) => (i === axis ? end - start : d));
    const out = this.b.op('Slice', [x.name, this.b.int64s([start]), this.b.int64s([end]), this.b.int64s([axis])]);
    return this.record(out, shape, [x], (g) => {
      const pads = new Array<number>(2 * x.shape.length).fill(0);
      pads[axis] = start;
      pads[x.shape.length + axis] = x.shape[axis]! - end;
      return [this.b.op('Pad', [g, this.b.int64s(pads)])];
    });
  }

  transpose(x: T, perm?: readonly number[]): T {
    const p = perm ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    const inv = new Array<number>(p.length);
    p.forEach((src, dst) => (inv[src] = dst));
    const out = this.b.transpose(x.name, p);
    return this.record(
      out,
      p.map((i) => x.shape[i]!),
      [x],
      (g) => [this.b.transpose(g, inv)],
    );
  }

  // ---- matrix products ------------------------------------------------------------------------------------------

  /**
   * a @ c. Supported: 2-D × 2-D (Gemm-based VJPs, no explicit transposes), N-D × 2-D (a weight shared over
   * leading axes: its gradient sums over them), and N-D × N-D with equal leading (batch) dims.
   */
  matmul(a: T, c: T): T {
    const ra = a.shape.length;
    const rc = c.shape.length;
    if (ra < 2 || rc < 2) throw new Error('matmul needs operands of rank ≥ 2.');
    const [n, k] = a.shape.slice(-2) as [number, number];
    const [k2, p] = c.shape.slice(-2) as [number, number];
    if (k !== k2) throw new Error(`matmul: inner dims differ ([${a.shape.join(', ')}] @ [${c.shape.join(', ')}]).`);
    if (ra === 2 && rc === 2) {
      const out = this.b.matmul(a.name, c.name);
      return this.record(out, [n, p], [a, c], (g) => [
        a.requiresGrad ? this.b.gemm(g, c.name, undefined, { transB: true }) : null,
        c.requiresGrad ? this.b.gemm(a.name, g, undefined, { transA: true }) : null,
      ]);
    }
    const lead = a.shape.slice(0, -2);
    if (rc === 2) {
      const out = this.b.matmul(a.name, c.name);
      const shape = [...lead, n, p];
      return this.record(out, shape, [a, c], (g) => {
        const ga = a.requiresGrad ? this.b.op('MatMul', [g, this.b.transpose(c.name, [1, 0])]) : null;
        const gc = c.requiresGrad
          ? this.b.gemm(this.b.reshape(a.name, [-1, k]), this.b.reshape(g, [-1, p]), undefined, { transA: true })
          : null;
        return [ga, gc];
      });
    }
    if (rc !== ra || !c.shape.slice(0, -2).every((d, i) => d === lead[i])) {
      throw new Error(`matmul: batch dims must match ([${a.shape.join(', ')}] @ [${c.shape.join(', ')}]).`);
    }
    const swap = [...lead.map((_, i) => i), ra - 1, ra - 2];
    const out = this.b.matmul(a.name, c.name);
    return this.record(out, [...lead, n, p], [a, c], (g) => [
      a.requiresGrad ? this.b.matmul(g, this.b.transpose(c.name, swap)) : null,
      c.requiresGrad ? this.b.matmul(this.b.transpose(a.name, swap), g) : null,
    ]);
  }

  // ---- composite losses -----------------------------------------------------------------------------------------

  /** Mean over all elements of (a − b)². */
  mse(a: T, c: T): T {
    return this.meanAll(this.square(this.sub(a, c)));
  }

  /** log-softmax along the last axis (numerically stable: the row max is subtracted without gradient). */
  logSoftmax(x: T): T {
    const axis = x.shape.length - 1;
    const out = this.b.op('LogSoftmax', [x.name], { axis });
    return this.record(out, x.shape, [x], (g) => {
      const sm = this.b.op('Exp', [out]);
      const sg = this.b.reduce('ReduceSum', g, [axis], true);
      return [this.b.sub(g, this.b.mul(sm, sg))];
    });
  }

  /** Mean cross-entropy of logits [..., C] against one-hot (or soft) targets of the same shape. */
  softmaxCrossEntropy(logits: T, targets: T): T {
    const lp = this.logSoftmax(logits);
    const rows = sizeOf(logits.shape) / logits.shape[logits.shape.length - 1]!;
    return this.scale(this.sumAll(this.mul(lp, targets)), -1 / rows);
  }

  // ---- transformer rules (room: text, #13) ---------------------------------------------------------------------

  /**
   * Embedding lookup: rows of `table` [V, d] at the int64 graph tensor `ids` (shape `idsShape`), out [...ids, d].
   * VJP: the output gradient scattered back onto the rows with ScatterND's add reduction (a repeated id sums).
   */
  embedding(table: T, ids: string, idsShape: readonly number[]): T {
    if (table.shape.length !== 2) throw new Error(`embedding needs a [vocabulary, d] table, got [${table.shape.join(', ')}].`);
    const d = table.shape[1]!;
    const out = this.b.op('Gather', [table.name, ids], { axis: 0 });
    return this.record(out, [...idsShape, d], [table], (g) => {
      const zeros = this.b.op('ConstantOfShape', [this.b.int64s([...table.shape])], { value: zeroTensorAttr(this.dtype) });
      const index = this.b.op('Unsqueeze', [ids, this.b.int64s([-1])]);
      return [this.b.op('ScatterND', [zeros, index, g], { reduction: 'add' })];
    });
  }

  /**
   * Softmax along the last axis of x [..., L, L] with a causal mask: entry (i, j) with j > i is excluded (probability
   * exactly 0). VJP: y ⊙ (g − Σⱼ g ⊙ y), which is 0 at the masked entries.
   */
  causalSoftmax(x: T): T {
    const rank = x.shape.length;
    const [l1, l2] = x.shape.slice(-2) as [number, number];
    if (rank < 2 || l1 !== l2) throw new Error(`causalSoftmax needs a square [..., L, L] input, got [${x.shape.join(', ')}].`);
    const allowed = new Uint8Array(l1 * l2);
    for (let i = 0; i < l1; i++) for (let j = 0; j <= i; j++) allowed[i * l2 + j] = 1;
    const keep = this.b.constant(allowed, [l1, l2], 'bool');
    const masked = this.b.op('Where', [keep, x.name, this.scalar(-1e30)]);
    const out = this.b.op('Softmax', [masked], { axis: rank - 1 });
    return this.record(out, x.shape, [x], (g) => {
      const gy = this.b.mul(g, out);
      return [this.b.sub(gy, this.b.mul(out, this.b.reduce('ReduceSum', gy, [rank - 1], true)))];
    });
  }

  /**
   * Multi-head causal self-attention on projected q, k, v [B, L, D] with `heads` heads of D/heads dims:
   * softmax(q kᵀ / √(D/heads), causal) v, heads concatenated back to [B, L, D]. Built from the tape's own rules.
   */
  causalAttention(q: T, k: T, v: T, heads: number): T {
    const [batch, len, dim] = q.shape as [number, number, number];
    if (q.shape.length !== 3 || dim % heads !== 0) throw new Error(`causalAttention needs [B, L, D] with D divisible by ${heads}, got [${q.shape.join(', ')}].`);
    const dh = dim / heads;
    const split = (x: T) => this.transpose(this.reshape(x, [batch, len, heads, dh]), [0, 2, 1, 3]);
    const [qh, kh, vh] = [split(q), split(k), split(v)];
    const scores = this.scale(this.matmul(qh, this.transpose(kh, [0, 1, 3, 2])), 1 / Math.sqrt(dh));
    const mixed = this.matmul(this.causalSoftmax(scores), vh);
    return this.reshape(this.transpose(mixed, [0, 2, 1, 3]), [batch, len, dim]);
  }

  /**
   * Layer norm over the last axis: γ ⊙ (x − μ)/√(σ² + ε) + β, with the fused VJP
   * dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)) for ĝ = g ⊙ γ and r = 1/√(σ² + ε); dγ = Σ g ⊙ x̂, dβ = Σ g over the rows.
   */
  layerNorm(x: T, gamma: T, beta: T, eps = 1e-5): T {
    const axis = x.shape.length - 1;
    const d = x.shape[axis]!;
    if (gamma.shape.length !== 1 || gamma.shape[0] !== d || beta.shape.length !== 1 || beta.shape[0] !== d) {
      throw new Error(`layerNorm needs γ and β of shape [${d}].`);
    }
    const mu = this.b.reduce('ReduceMean', x.name, [axis], true);
    const xc = this.b.sub(x.name, mu);
    const variance = this.b.reduce('ReduceMean', this.b.mul(xc, xc), [axis], true);
    const rstd = this.b.div(this.scalar(1), this.b.op('Sqrt', [this.b.add(variance, this.scalar(eps))]));
    const xhat = this.b.mul(xc, rstd);
    const out = this.b.add(this.b.mul(xhat, gamma.name), beta.name);
    const rows = x.shape.slice(0, -1).map((_, i) => i);
    return this.record(out, x.shape, [x, gamma, beta], (g) => {
      let gx: string | null = null;
      if (x.requiresGrad) {
        const gh = this.b.mul(g, gamma.name);
        const meanG = this.b.reduce('ReduceMean', gh, [axis], true);
        const meanGX = this.b.reduce('ReduceMean', this.b.mul(gh, xhat), [axis], true);
        gx = this.b.mul(rstd, this.b.sub(this.b.sub(gh, meanG), this.b.mul(xhat, meanGX)));
      }
      const sumRows = (t: string) => (rows.length === 0 ? t : this.b.reduce('ReduceSum', t, rows, false));
      return [gx, gamma.requiresGrad ? sumRows(this.b.mul(g, xhat)) : null, beta.requiresGrad ? sumRows(g) : null];
    });
  }

  /**
   * Mean cross-entropy of logits [..., V] against integer targets (int64 graph tensor [...]): −log softmax at the
   * target, averaged over the positions `weights` (a 0/1 graph tensor [...] of the tape's dtype, e.g. padding 0)
   * marks, or over all positions. VJP: (softmax − onehot(target)) ⊙ w / Σw.
   */
  tokenCrossEntropy(logits: T, targets: string, weights?: string): T {
    const axis = logits.shape.length - 1;
    const lead = logits.shape.slice(0, -1);
    const lp = this.b.op('LogSoftmax', [logits.name], { axis });
    const index = this.b.op('Unsqueeze', [targets, this.b.int64s([-1])]);
    const picked = this.b.reshape(this.b.op('GatherElements', [lp, index], { axis }), [...lead]);
    const w = weights ?? this.b.op('ConstantOfShape', [this.b.int64s([...lead])], { value: attr.tensor(this.dtype === 'float64' ? Float64Array.of(1) : Float32Array.of(1), [1], this.dtype) });
    const count = this.b.reduce('ReduceSum', w, lead.map((_, i) => i), false);
    const total = this.b.reduce('ReduceSum', this.b.mul(picked, w), lead.map((_, i) => i), false);
    const out = this.b.op('Neg', [this.b.div(total, count)]);
    return this.record(out, [], [logits], (g) => {
      const zeros = this.b.op('ConstantOfShape', [this.b.int64s([...logits.shape])], { value: zeroTensorAttr(this.dtype) });
      const ones = this.b.op('Expand', [this.scalar(1), this.b.op('Shape', [index])]);
      const onehot = this.b.op('ScatterElements', [zeros, index, ones], { axis });
      const scale = this.b.op('Unsqueeze', [this.b.div(this.b.mul(w, g), count), this.b.int64s([-1])]);
      return [this.b.mul(this.b.sub(this.b.op('Exp', [lp]), onehot), scale)];
    });
  }

  // ---- backward -------------------------------------------------------------------------------------------------

  /**
   * Appends the backward pass: returns, for each tensor in `wrt`, the graph name of d(loss)/d(tensor).
   * `loss` must be a scalar (shape []). Gradients of tensors used several times are summed (ONNX Sum).
   */
  grad(loss: T, wrt: readonly T[]): string[] {
    if (loss.shape.length !== 0) throw new Error(`grad needs a scalar loss, got shape [${loss.shape.join(', ')}].`);
    const pending = new Map<string, string[]>();
    const seed = this.b.constant(this.dtype === 'float64' ? Float64Array.of(1) : Float32Array.of(1), [], this.dtype);
    pending.set(loss.name, [seed]);
    const total = (name: string): string | undefined => {
      const parts = pending.get(name);
      if (!parts || parts.length === 0) return undefined;
      if (parts.length === 1) return parts[0];
      const sum = this.b.op('Sum', parts);
      pending.set(name, [sum]);
      return sum;
    };
    for (let i = this.records.length - 1; i >= 0; i--) {
      const rec = this.records[i]!;
      const g = total(rec.out.name);
      if (g === undefined) continue;
      const gs = rec.vjp(g);
      rec.inputs.forEach((inp, j) => {
        const gi = gs[j];
        if (!inp.requiresGrad || !gi) return;
        const list = pending.get(inp.name) ?? [];
        list.push(gi);
        pending.set(inp.name, list);
      });
    }
    return wrt.map((w) => {
      const g = total(w.name);
      if (g !== undefined) return g;
      // The loss does not depend on this tensor: its gradient is zero.
      return this.b.op('ConstantOfShape', [this.b.int64s([...w.shape])], { value: zeroTensorAttr(this.dtype) });
    });
  }
}

function zeroTensorAttr(dtype: FloatDType) {
  return attr.tensor(dtype === 'float64' ? Float64Array.of(0) : Float32Array.of(0), [1], dtype);
}
