// The big products of reverse correlation on onnxruntime (MLAS GEMM, multithreaded), each a small cached graph with
// symbolic dims: every unit's weighted stimulus sum as one GEMM (W·X, the STA numerators, null shuffles included as
// extra rows of W), and the weighted second moments Xᵀ·diag(w)·X of spike-triggered covariance as one batched MatMul.
import * as ort from 'onnxruntime-node';
import { cachedKernel } from '../linalg/ort';
import { GraphBuilder } from '../onnx/builder';

/** W·X for W k × n (unit-major weights) and X n × d (stimulus rows) → k × d. */
export async function weightedSums(w: Float32Array, k: number, x: Float32Array, n: number, d: number): Promise<Float32Array> {
  const s = await cachedKernel('revcorr-wx', () => {
    const b = new GraphBuilder({ name: 'revcorr-wx' });
    const wi = b.input('w', 'float32', ['K', 'N']);
    const xi = b.input('x', 'float32', ['N', 'D']);
    b.gemm(wi, xi, undefined, { output: 'y' });
    b.output('y', 'float32', ['K', 'D']);
    return b;
  });
  const out = await s.run({ w: new ort.Tensor('float32', w, [k, n]), x: new ort.Tensor('float32', x, [n, d]) });
  return out.y!.data as Float32Array;
}

/** Σ_t w_kt x_t x_tᵀ for each of k weight rows: W k × n, X n × d → k × d × d (k·d² floats; keep k·d² modest). */
export async function weightedGrams(w: Float32Array, k: number, x: Float32Array, n: number, d: number): Promise<Float32Array> {
  const s = await cachedKernel('revcorr-xwx', () => {
    const b = new GraphBuilder({ name: 'revcorr-xwx' });
    const wi = b.input('w', 'float32', ['K', 'N']);
    const xi = b.input('x', 'float32', ['N', 'D']);
    // (K, N, 1) ⊙ (N, D) → K × N × D; then Xᵀ (D × N) broadcast-multiplied: K × D × D.
    const scaled = b.mul(b.op('Unsqueeze', [wi, b.int64s([2])]), xi);
    b.matmul(b.transpose(xi, [1, 0]), scaled, 'g');
    b.output('g', 'float32', ['K', 'D', 'D']);
    return b;
  });
  const out = await s.run({ w: new ort.Tensor('float32', w, [k, n]), x: new ort.Tensor('float32', x, [n, d]) });
  return out.g!.data as Float32Array;
}

/** Y = X·Fᵀ for X n × d and F m × d → n × m (projections of stimuli on filters). */
export async function project(x: Float32Array, n: number, d: number, f: Float32Array, m: number): Promise<Float32Array> {
  const s = await cachedKernel('revcorr-xft', () => {
    const b = new GraphBuilder({ name: 'revcorr-xft' });
    const xi = b.input('x', 'float32', ['N', 'D']);
    const fi = b.input('f', 'float32', ['M', 'D']);
    b.gemm(xi, fi, undefined, { transB: true, output: 'y' });
    b.output('y', 'float32', ['N', 'M']);
    return b;
  });
  const out = await s.run({ x: new ort.Tensor('float32', x, [n, d]), f: new ort.Tensor('float32', f, [m, d]) });
  return out.y!.data as Float32Array;
}

/** acc += part, element-wise (float32 chunk products summed in double across chunks). */
export function accumulate(acc: Float64Array, part: ArrayLike<number>, offset = 0): void {
  for (let i = 0; i < part.length; i++) acc[offset + i]! += part[i]!;
}

/** C = A·B for A m × k and B k × n → m × n. */
export async function matmul(a: Float32Array, m: number, k: number, bm: Float32Array, n: number): Promise<Float32Array> {
  const s = await cachedKernel('revcorr-mm', () => {
    const b = new GraphBuilder({ name: 'revcorr-mm' });
    const ai = b.input('a', 'float32', ['M', 'K']);
    const bi = b.input('b', 'float32', ['K', 'N']);
    b.matmul(ai, bi, 'c');
    b.output('c', 'float32', ['M', 'N']);
    return b;
  });
  const out = await s.run({ a: new ort.Tensor('float32', a, [m, k]), b: new ort.Tensor('float32', bm, [k, n]) });
  return out.c!.data as Float32Array;
}
