// The big products of the classical bases on onnxruntime (MLAS GEMM, multithreaded): each a small ONNX graph
// written with GraphBuilder, with symbolic dims so that one cached session serves every shape.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/builder';
import { createSession } from '../onnx/session';
import { eigh, eighBlocked, type EighKernels, type EighResult } from './eigh';

const sessions = new Map<string, Promise<ort.InferenceSession>>();
/**
 * ORT's intra-op threads spin while waiting for work by default. These kernels are called in tight loops from
 * JS with short gaps, and on a machine shared with other work spinning threads steal the cores the next GEMM
 * needs: measured 2–4× slower FastICA under load. Spinning stays off unless CAJAL_ORT_SPIN=1.
 */
const spinning = process.env.CAJAL_ORT_SPIN === '1';

/**
 * One session per graph kind, built on first use and shared for the life of the process; the other rooms' kernels
 * (revcorr, tca) use it too, with keys of their own.
 */
export function cachedKernel(key: string, build: () => GraphBuilder): Promise<ort.InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    s = spinning
      ? createSession(build().toBytes(), { label: `the ${key} kernel` })
      : ort.InferenceSession.create(build().toBytes(), {
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'all',
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        });
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

function t32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** Float64 → Float32 (small matrices fed to graphs). */
export function f32(a: ArrayLike<number>): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

async function run(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const out = await session.run(feeds);
  const res: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
  return res;
}

/**
 * Gram matrix and column sums of a row block after subtracting a shift (for numerically safe centring):
 * G = (X − s)ᵀ(X − s) (d × d), S = Σ_rows (X − s) (d). `float64` casts the block to double first and runs a
 * double GEMM (slower, but the Gram matrix then carries no float32 accumulation error: small eigenvalues of a
 * covariance with a wide spectrum stay accurate).
 */
export async function shiftedGram(
  x: Float32Array,
  rows: number,
  dim: number,
  shift: Float32Array | Float64Array,
  precision: 'float32' | 'float64' = 'float32',
): Promise<{ gram: Float32Array | Float64Array; sum: Float32Array | Float64Array }> {
  const dbl = precision === 'float64';
  const s = await cachedKernel(dbl ? 'gram64' : 'gram', () => {
    const b = new GraphBuilder({ name: dbl ? 'gram64' : 'gram' });
    let xi = b.input('x', 'float32', ['N', 'D']);
    const sh = b.input('shift', dbl ? 'float64' : 'float32', ['D']);
    if (dbl) xi = b.op('Cast', [xi], { to: 11 });
    const xc = b.sub(xi, sh);
    b.gemm(xc, xc, undefined, { transA: true, output: 'gram' });
    b.reduce('ReduceSum', xc, [0], false, 'sum');
    b.output('gram', dbl ? 'float64' : 'float32', ['D', 'D']);
    b.output('sum', dbl ? 'float64' : 'float32', ['D']);
    return b;
  });
  const shiftT = dbl
    ? new ort.Tensor('float64', shift instanceof Float64Array ? shift : Float64Array.from(shift), [dim])
    : t32(shift instanceof Float32Array ? shift : Float32Array.from(shift), [dim]);
  const out = await s.run({ x: t32(x, [rows, dim]), shift: shiftT });
  return { gram: out.gram!.data as Float32Array | Float64Array, sum: out.sum!.data as Float32Array | Float64Array };
}

/** Y = (X − mean)·Mᵀ, X rows × d, M m × d → rows × m. */
export async function affineProject(x: Float32Array, rows: number, dim: number, mean: Float32Array, m: Float32Array, mRows: number): Promise<Float32Array> {
  const s = await cachedKernel('project', () => {
    const b = new GraphBuilder({ name: 'project' });
    const xi = b.input('x', 'float32', ['N', 'D']);
    const mu = b.input('mean', 'float32', ['D']);
    const w = b.input('m', 'float32', ['M', 'D']);
    b.gemm(b.sub(xi, mu), w, undefined, { transB: true, output: 'y' });
    b.output('y', 'float32', ['N', 'M']);
    return b;
  });
  return (await run(s, { x: t32(x, [rows, dim]), mean: t32(mean, [dim]), m: t32(m, [mRows, dim]) })).y!;
}

/** X = F·M + mean, F rows × m, M m × d → rows × d. */
export async function affineReconstruct(f: Float32Array, rows: number, m: Float32Array, mRows: number, dim: number, mean: Float32Array): Promise<Float32Array> {
  const s = await cachedKernel('reconstruct', () => {
    const b = new GraphBuilder({ name: 'reconstruct' });
    const fi = b.input('f', 'float32', ['N', 'M']);
    const w = b.input('m', 'float32', ['M', 'D']);
    const mu = b.input('mean', 'float32', ['D']);
    b.add(b.matmul(fi, w), mu, 'x');
    b.output('x', 'float32', ['N', 'D']);
    return b;
  });
  return (await run(s, { f: t32(f, [rows, mRows]), m: t32(m, [mRows, dim]), mean: t32(mean, [dim]) })).x!;
}

/** C = Aᵀ·B for A n × p, B n × q → p × q (statistics summed over rows). */
export async function matmulAtB(a: Float32Array, n: number, p: number, bm: Float32Array, q: number): Promise<Float32Array> {
  const s = await cachedKernel('atb', () => {
    const b = new GraphBuilder({ name: 'atb' });
    const ai = b.input('a', 'float32', ['N', 'P']);
    const bi = b.input('b', 'float32', ['N', 'Q']);
    b.gemm(ai, bi, undefined, { transA: true, output: 'c' });
    b.output('c', 'float32', ['P', 'Q']);
    return b;
  });
  return (await run(s, { a: t32(a, [n, p]), b: t32(bm, [n, q]) })).c!;
}

/** C = A·Bᵀ for A n × p, B q × p → n × q. */
export async function matmulABt(a: Float32Array, n: number, p: number, bm: Float32Array, q: number): Promise<Float32Array> {
  const s = await cachedKernel('abt', () => {
    const b = new GraphBuilder({ name: 'abt' });
    const ai = b.input('a', 'float32', ['N', 'P']);
    const bi = b.input('b', 'float32', ['Q', 'P']);
    b.gemm(ai, bi, undefined, { transB: true, output: 'c' });
    b.output('c', 'float32', ['N', 'Q']);
    return b;
  });
  return (await run(s, { a: t32(a, [n, p]), b: t32(bm, [q, p]) })).c!;
}

/**
 * Power-iteration statistics of a centred block against a basis Q (d × l):
 * Y = (X − mean)·Q, returns XtY = (X − mean)ᵀ·Y (d × l) and YtY = Yᵀ·Y (l × l).
 */
export async function rangeStats(
  x: Float32Array,
  rows: number,
  dim: number,
  mean: Float32Array,
  q: Float32Array,
  l: number,
): Promise<{ xty: Float32Array; yty: Float32Array }> {
  const s = await cachedKernel('range', () => {
    const b = new GraphBuilder({ name: 'range' });
    const xi = b.input('x', 'float32', ['N', 'D']);
    const mu = b.input('mean', 'float32', ['D']);
    const qi = b.input('q', 'float32', ['D', 'L']);
    const xc = b.sub(xi, mu);
    const y = b.matmul(xc, qi);
    b.gemm(xc, y, undefined, { transA: true, output: 'xty' });
    b.gemm(y, y, undefined, { transA: true, output: 'yty' });
    b.output('xty', 'float32', ['D', 'L']);
    b.output('yty', 'float32', ['L', 'L']);
    return b;
  });
  const r = await run(s, { x: t32(x, [rows, dim]), mean: t32(mean, [dim]), q: t32(q, [dim, l]) });
  return { xty: r.xty!, yty: r.yty! };
}

export type IcaFun = 'logcosh' | 'cube';

/**
 * One FastICA statistics step on whitened rows Z (rows × k) for unmixing rows W (c × k):
 * U = Z·Wᵀ; g = tanh(αU) (logcosh) or U³ (cube); returns GZ = gᵀ·Z (c × k) and gp = Σ_rows g'(U) (c).
 */
export async function icaStats(
  z: Float32Array,
  rows: number,
  k: number,
  w: Float32Array,
  c: number,
  fun: IcaFun,
  alpha = 1,
): Promise<{ gz: Float32Array; gp: Float32Array }> {
  const s = await cachedKernel(`ica-${fun}`, () => {
    const b = new GraphBuilder({ name: `ica-${fun}` });
    const zi = b.input('z', 'float32', ['N', 'K']);
    const wi = b.input('w', 'float32', ['C', 'K']);
    const al = b.input('alpha', 'float32', []);
    const u = b.gemm(zi, wi, undefined, { transB: true });
    let g: string;
    let gp: string;
    if (fun === 'logcosh') {
      g = b.op('Tanh', [b.mul(u, al)]);
      // g' = α(1 − g²)
      gp = b.mul(b.sub(b.scalar(1), b.mul(g, g)), al);
    } else {
      const u2 = b.mul(u, u);
      g = b.mul(u2, u);
      gp = b.mul(u2, b.scalar(3));
    }
    b.gemm(g, zi, undefined, { transA: true, output: 'gz' });
    b.reduce('ReduceSum', gp, [0], false, 'gp');
    b.output('gz', 'float32', ['C', 'K']);
    b.output('gp', 'float32', ['C']);
    return b;
  });
  const r = await run(s, { z: t32(z, [rows, k]), w: t32(w, [c, k]), alpha: t32(Float32Array.of(alpha), []) });
  return { gz: r.gz!, gp: r.gp! };
}

/**
 * Nearest-centroid assignment of a block (squared Euclidean distance), with the statistics Lloyd and
 * mini-batch k-means need: labels, each row's squared distance to its centroid, per-centroid sums of the
 * assigned rows (k × d) and counts. `cosine` unit-normalises the rows first (inside the graph).
 */
export async function assignNearest(
  x: Float32Array,
  rows: number,
  dim: number,
  centers: Float32Array,
  k: number,
  cosine: boolean,
): Promise<{ labels: Int32Array; dist: Float32Array; sums: Float32Array; counts: Float32Array }> {
  const key = cosine ? 'assign-cos' : 'assign';
  const s = await cachedKernel(key, () => {
    const b = new GraphBuilder({ name: key });
    let xi = b.input('x', 'float32', ['N', 'D']);
    const ci = b.input('c', 'float32', ['K', 'D']);
    if (cosine) {
      const norm = b.op('Sqrt', [b.reduce('ReduceSum', b.mul(xi, xi), [1], true)]);
      xi = b.div(xi, b.op('Max', [norm, b.scalar(1e-12)]));
    }
    const xx = b.reduce('ReduceSum', b.mul(xi, xi), [1], true); // N × 1
    const cc = b.reduce('ReduceSum', b.mul(ci, ci), [1], false); // K
    // d = ‖x‖² − 2x·c + ‖c‖²
    const d = b.add(b.sub(xx, b.gemm(xi, ci, undefined, { transB: true, alpha: 2 })), cc);
    const labels = b.op('ArgMin', [d], { axis: 1, keepdims: 0 });
    b.op('Cast', [labels], { to: 6 }, { output: 'labels' });
    const mind = b.op('ReduceMin', [d], { axes: [1], keepdims: 0 });
    b.op('Max', [mind, b.scalar(0)], {}, { output: 'dist' });
    const depth = b.op('Shape', [ci], { end: 1 });
    const onehot = b.op('OneHot', [labels, depth, b.constant(Float32Array.of(0, 1), [2])], { axis: -1 });
    b.gemm(onehot, xi, undefined, { transA: true, output: 'sums' });
    b.reduce('ReduceSum', onehot, [0], false, 'counts');
    b.output('labels', 'int32', ['N']);
    b.output('dist', 'float32', ['N']);
    b.output('sums', 'float32', ['K', 'D']);
    b.output('counts', 'float32', ['K']);
    return b;
  });
  const out = await s.run({ x: t32(x, [rows, dim]), c: t32(centers, [k, dim]) });
  return {
    labels: out.labels!.data as Int32Array,
    dist: out.dist!.data as Float32Array,
    sums: out.sums!.data as Float32Array,
    counts: out.counts!.data as Float32Array,
  };
}

/** A − VW·WVᵀ in float64 (the rank-2b trailing update of the blocked tridiagonalisation). */
export async function syr2k64(a: Float64Array, vw: Float64Array, wv: Float64Array, m: number, b2: number): Promise<Float64Array> {
  const s = await cachedKernel('syr2k64', () => {
    const b = new GraphBuilder({ name: 'syr2k64' });
    const ai = b.input('a', 'float64', ['M', 'M']);
    const vi = b.input('vw', 'float64', ['M', 'B']);
    const wi = b.input('wv', 'float64', ['M', 'B']);
    b.gemm(vi, wi, ai, { transB: true, alpha: -1, beta: 1, output: 'c' });
    b.output('c', 'float64', ['M', 'M']);
    return b;
  });
  const out = await s.run({
    a: new ort.Tensor('float64', a, [m, m]),
    vw: new ort.Tensor('float64', vw, [m, b2]),
    wv: new ort.Tensor('float64', wv, [m, b2]),
  });
  return out.c!.data as Float64Array;
}

/** Z − Y·(T·(Yᵀ·Z)) in float64 (a compact-WY block of Householder reflectors applied to Z). */
export async function blockReflector64(z: Float64Array, y: Float64Array, t: Float64Array, m: number, c: number, bk: number): Promise<Float64Array> {
  const s = await cachedKernel('wy64', () => {
    const b = new GraphBuilder({ name: 'wy64' });
    const zi = b.input('z', 'float64', ['M', 'C']);
    const yi = b.input('y', 'float64', ['M', 'B']);
    const ti = b.input('t', 'float64', ['B', 'B']);
    const x = b.gemm(yi, zi, undefined, { transA: true });
    const x2 = b.matmul(ti, x);
    b.gemm(yi, x2, zi, { alpha: -1, beta: 1, output: 'out' });
    b.output('out', 'float64', ['M', 'C']);
    return b;
  });
  const out = await s.run({
    z: new ort.Tensor('float64', z, [m, c]),
    y: new ort.Tensor('float64', y, [m, bk]),
    t: new ort.Tensor('float64', t, [bk, bk]),
  });
  return out.out!.data as Float64Array;
}

/** The onnxruntime block kernels of `eighBlocked`. */
export const ortEighKernels: EighKernels = { syr2k: syr2k64, blockReflector: blockReflector64, minSize: 32 };

/** Symmetric eigendecomposition (descending): blocked Householder tridiagonalisation and back-transformation
 * with float64 block products on onnxruntime for n ≥ 128, QL with accumulated rotations below. */
export async function eighAuto(a: ArrayLike<number>, n: number): Promise<EighResult> {
  return n >= 128 ? eighBlocked(a, n, ortEighKernels) : eigh(a, n);
}
