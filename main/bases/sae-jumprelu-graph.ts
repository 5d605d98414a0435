// JumpReLU SAE (Rajamanoharan et al. 2024, "Jumping Ahead: Improving Reconstruction Fidelity with JumpReLU Sparse
// Autoencoders"): a per-latent threshold θ = exp(log θ) trained through straight-through estimators (STEs) with a
// rectangle kernel, and an L0 penalty. Split from sae-graph.ts so each architecture's loss lives in its own file.
//
//   pre = (x − b_dec)·W_enc + b_enc;  f = pre ⊙ H(pre − θ);  loss = mse + λ·(1/B)·Σ H(pre − θ)
// Backward (the paper's pseudo-derivatives, K(u) = 1[−½ < u < ½], ε the bandwidth):
//   ∂f/∂pre = H(pre − θ) (the true derivative, a.e.);  ð f/ð θ = −(θ/ε)·K((pre − θ)/ε);
//   ∂H/∂pre = 0 (the true derivative: the L0 term moves only θ);  ð H/ð θ = −(1/ε)·K((pre − θ)/ε).
// Each pseudo-derivative rides on a term whose value is exactly 0: c ⊙ (θ − stop(θ)) with c = stop(pseudo-derivative),
// so the forward values are the exact JumpReLU and L0, and the tape's own rules carry c to θ and on to log θ.
import type { GraphBuilder } from '../onnx/builder';
import type { Tape, T } from '../train/autodiff';

/** The paper's bandwidth and initial threshold, stated for inputs with unit mean squared norm. */
export const JUMPRELU_PAPER_EPS = 0.001;

export interface JumpReluParts {
  /** The codes f [B, m] with θ's pseudo-gradient attached. */
  f: T;
  /** (1/B)·Σ H(pre − θ) with θ's pseudo-gradient attached. */
  l0: T;
}

/** The JumpReLU activation and its L0 count on a tape, given pre [B, m] and log θ [m]. */
export function jumpReluOnTape(tape: Tape, pre: T, logThreshold: T, bandwidth: number): JumpReluParts {
  const b = tape.b;
  const batch = pre.shape[0]!;
  const theta = tape.exp(logThreshold);
  const diff = b.sub(pre.name, theta.name);
  const castTo = tape.dtype === 'float64' ? 11 : 1;
  const gate = b.op('Cast', [b.op('Greater', [diff, tape.scalar(0)])], { to: castTo });
  // K((pre − θ)/ε) = 1 where |pre − θ| < ε/2.
  const kernel = b.op('Cast', [b.op('Less', [b.op('Abs', [diff]), tape.scalar(bandwidth / 2)])], { to: castTo });
  const zeroTheta = tape.sub(theta, tape.stopGradient(theta)); // value 0, derivative 1 to θ
  const cF = tape.leaf(b.mul(kernel, b.mul(theta.name, tape.scalar(-1 / bandwidth))), pre.shape);
  const cH = tape.leaf(b.mul(kernel, tape.scalar(-1 / bandwidth)), pre.shape);
  const f = tape.add(tape.applyMask(pre, gate), tape.mul(cF, zeroTheta));
  const h = tape.add(tape.leaf(gate, pre.shape), tape.mul(cH, zeroTheta));
  return { f, l0: tape.scale(tape.sumAll(h), 1 / batch) };
}

/** Inference: f = pre ⊙ H(pre − exp(log θ)) on plain graph tensors (float32). */
export function jumpReluEncode(b: GraphBuilder, pre: string, logThreshold: string, out?: string): string {
  const theta = b.op('Exp', [logThreshold]);
  return b.mul(pre, b.op('Cast', [b.op('Greater', [pre, theta])], { to: 1 }), out);
}
