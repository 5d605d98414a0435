// h12bench: the lasso codes of a block of rows by FISTA as ONE onnxruntime call. The iteration used to run from JS,
// one ORT product and two JS passes over the [rows, m] codes per iteration (50 by default), with new arrays each
// time: the profile of a fit showed those loops, the per-call marshalling and the garbage collector taking most of
// the main thread. Here the whole unrolled iteration is one graph, the momentum weights (which do not depend on the
// data) are constants in it, and the proximal gradient step is folded into one GEMM:
//   y − s·(y·G − X·Dᵀ) = y·(I − s·G) + s·X·Dᵀ      (G = D·Dᵀ symmetric, s = 1/L)
//   c ← y·H + sP − Clip(y·H + sP, −s·α, s·α)         (soft thresholding at s·α)
//   y ← c + ((t − 1)/t′)·(c − c_prev),  t′ = (1 + √(1 + 4t²))/2,  t₀ = 1
import * as ort from 'onnxruntime-node';
import { cachedKernel } from '../linalg/ort';
import { GraphBuilder } from '../onnx/builder';

/** FISTA's momentum weights (t − 1)/t′ for each iteration, from t₀ = 1. */
export function fistaMomenta(iters: number): number[] {
  const out: number[] = [];
  let t = 1;
  for (let it = 0; it < iters; it++) {
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    out.push((t - 1) / tn);
    t = tn;
  }
  return out;
}

function buildFista(iters: number): GraphBuilder {
  const b = new GraphBuilder({ name: `sparse-coding-fista-${iters}` });
  const x = b.input('x', 'float32', ['N', 'D']);
  const dict = b.input('dict', 'float32', ['M', 'D']);
  const gram = b.input('gram', 'float32', ['M', 'M']);
  const step = b.input('step', 'float32', []);
  const thr = b.input('thr', 'float32', []);
  const negThr = b.op('Neg', [thr]);
  const sp = b.gemm(x, dict, undefined, { transB: true }); // X·Dᵀ
  const spScaled = b.mul(sp, step);
  const h = b.sub(b.op('EyeLike', [gram]), b.mul(gram, step));
  const shrink = (v: string, out?: string) => b.sub(v, b.op('Clip', [v, negThr, thr]), out);
  const momenta = fistaMomenta(iters);
  // Iteration 0 starts from y = 0, so its gradient step is s·X·Dᵀ alone.
  let c = shrink(spScaled, iters === 1 ? 'codes' : undefined);
  let y = c; // momentum 0 at the first iteration
  for (let it = 1; it < iters; it++) {
    const next = shrink(b.gemm(y, h, spScaled), it === iters - 1 ? 'codes' : undefined);
    if (it < iters - 1) y = b.add(next, b.mul(b.sub(next, c), b.scalar(momenta[it]!)));
    c = next;
  }
  b.output('codes', 'float32', ['N', 'M']);
  return b;
}

/**
 * Lasso codes min ½‖x − c·D‖² + α‖c‖₁ of `rows` rows by `iters` FISTA iterations from c = 0, given the dictionary
 * D [m, d], its Gram matrix G = D·Dᵀ and the step s = 1/L (L ≥ the largest eigenvalue of G); thr = s·α.
 */
export async function fistaCodes(
  x: Float32Array,
  rows: number,
  d: number,
  dict: Float32Array,
  gram: Float32Array,
  m: number,
  step: number,
  thr: number,
  iters: number,
): Promise<Float32Array> {
  const s = await cachedKernel(`sparse-coding-fista-${iters}`, () => buildFista(iters));
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', x, [rows, d]),
    dict: new ort.Tensor('float32', dict, [m, d]),
    gram: new ort.Tensor('float32', gram, [m, m]),
    step: new ort.Tensor('float32', Float32Array.of(step), []),
    thr: new ort.Tensor('float32', Float32Array.of(thr), []),
  };
  return (await s.run(feeds)).codes!.data as Float32Array;
}
