// Gated SAE (Rajamanoharan et al. 2024, "Improving Dictionary Learning with Gated Sparse Autoencoders"): a gating path
// decides which latents fire, a magnitude path how strongly; both read the same W_enc, the magnitude path rescaled per
// latent by exp(r_mag). Split from sae-graph.ts so each architecture's loss lives in its own file.
//
//   h = (x − b_dec)·W_enc;  π_gate = h + b_gate;  π_mag = h ⊙ exp(r_mag) + b_mag;
//   f = 1[π_gate > 0] ⊙ ReLU(π_mag);  x̂ = f·W_dec + b_dec;
//   loss = mse(x̂, x) + λ·(1/B)·Σ ReLU(π_gate) + mse(ReLU(π_gate)·stop(W_dec) + stop(b_dec), x)
// The indicator has derivative 0 (true a.e.), so the gate path learns only from the sparsity and auxiliary terms, as in
// the paper; the auxiliary reconstruction reaches W_enc and b_gate but not the decoder (a frozen copy).
// The lab stores b_gate under b_enc (the standard SAE tensor it replaces) and exports it as SAELens' b_gate.
import type { GraphBuilder } from '../onnx/builder';
import type { Tape, T } from '../train/autodiff';

export interface GatedParts {
  f: T;
  /** (1/B)·Σ ReLU(π_gate): the sparsity penalty before λ. */
  sparsity: T;
  /** The auxiliary reconstruction loss through the frozen decoder. */
  aux: T;
}

/**
 * The gated encoder and its two extra loss terms on a tape. `h` is (x − b_dec)·W_enc [B, m]; `frozen` holds the
 * decoder the auxiliary loss reads (stop-gradient copies in training; plain inputs in gradient checks).
 */
export function gatedOnTape(
  tape: Tape,
  h: T,
  p: { b_enc: T; r_mag: T; b_mag: T },
  x: T,
  frozen: { W_dec: T; b_dec: T },
): GatedParts {
  const b = tape.b;
  const batch = h.shape[0]!;
  const piGate = tape.add(h, p.b_enc);
  const piMag = tape.add(tape.mul(h, tape.exp(p.r_mag)), p.b_mag);
  const gate = b.op('Cast', [b.op('Greater', [piGate.name, tape.scalar(0)])], { to: tape.dtype === 'float64' ? 11 : 1 });
  const f = tape.applyMask(tape.relu(piMag), gate);
  const gateCodes = tape.relu(piGate);
  const sparsity = tape.scale(tape.sumAll(gateCodes), 1 / batch);
  const xhatFrozen = tape.add(tape.matmul(gateCodes, frozen.W_dec), frozen.b_dec);
  return { f, sparsity, aux: tape.mse(xhatFrozen, x) };
}

/** Inference on plain graph tensors (float32): h = (x − b_dec)·W_enc → f. */
export function gatedEncode(b: GraphBuilder, h: string, bGate: string, rMag: string, bMag: string, out?: string): string {
  const open = b.op('Cast', [b.op('Greater', [b.add(h, bGate), b.scalar(0, 'float32')])], { to: 1 });
  const mag = b.relu(b.add(b.mul(h, b.op('Exp', [rMag])), bMag));
  return b.mul(open, mag, out);
}
