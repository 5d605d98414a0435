// Adam outside the graph, bit for bit what adam.ts's nodes compute. A step graph that hands its gradients out
// (split-step.ts) updates the parameters here in one pass that reads p, m, v, g once and writes p, m, v once,
// instead of ORT's twelve elementwise kernels, each its own pass over memory and its own thread-pool hand-off
// (bench/sae.ts measures both). Every float32 operation of the graph is one Math.fround here, in the graph's
// order: +, −, ×, ÷ and √ of float32 values computed in float64 and rounded once are the correctly rounded float32
// results (float64 carries more than 2·24 + 2 bits), which is what ORT's CPU kernels return, so checkpoints
// written by either path are interchangeable and a resumed fit stays exact (test/integration/sae-split-step.test.ts).
// The split step runs adam-simd.ts, this pass as a WebAssembly SIMD kernel with the same bits.
import type { AdamConfig } from './adam';

export interface AdamConstants {
  b1: number;
  a1: number;
  b2: number;
  a2: number;
  /** lr·√(1 − β2^t)/(1 − β1^t), as the graph computed it (adamScalars' output). */
  mScale: number;
  /** ε·√(1 − β2^t), as the graph computed it. */
  epsHat: number;
}

/** The per-step constants: β's as the graph's float32 constants, the two scalars as the graph output them. */
export function adamConstants(cfg: AdamConfig, mScale: number, epsHat: number): AdamConstants {
  if ((cfg.weightDecay ?? 0) !== 0) throw new Error('adam-exact: decoupled weight decay is not implemented outside the graph.');
  const beta1 = cfg.beta1 ?? 0.9;
  const beta2 = cfg.beta2 ?? 0.999;
  return { b1: Math.fround(beta1), a1: Math.fround(1 - beta1), b2: Math.fround(beta2), a2: Math.fround(1 - beta2), mScale, epsHat };
}

/**
 * One Adam update of p with gradient g, moments m and v updated in place; the new parameter goes to `out`
 * (p itself by default). Same arithmetic and rounding as adamUpdate:
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + ((g·g)·(1−β2));  p ← p − (m·mScale) / (√v + epsHat)
 */
export function adamExact(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, c: AdamConstants, out: Float32Array = p): void {
  const f = Math.fround;
  const { b1, a1, b2, a2, mScale, epsHat } = c;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = f(f(m[i]! * b1) + f(gi * a1));
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * a2));
    m[i] = mi;
    v[i] = vi;
    out[i] = p[i]! - f(f(mi * mScale) / f(f(Math.sqrt(vi)) + epsHat));
  }
}
