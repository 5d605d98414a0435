// The fit parameters of the JumpReLU and Gated SAEs (#12), the part of sae-params.ts that is theirs alone: the
// shared SAE parameters come in from there, these add each architecture's own penalty and its constants.
import type { BasisParamSpec, BasisSpec } from './param-spec';

export function JUMPRELU_SPEC(common: BasisParamSpec[]): BasisSpec {
  return {
    params: [
      common[0]!,
      {
        key: 'l0Coefficient',
        kind: 'number',
        // h12def: 0.05 cut codes below ~0.2 of the mean norm, so L0 fell to 2.6 on the planted 4 and latents died; at
        // 0.02 (with θ starting at 0.1) recovery at the defaults is 0.980, L0 3.0 (bench sae-planted-defaults).
        default: 0.02,
        min: 0,
        meaning: 'λ of the L0 penalty λ·(active latents per row) (inputs are scaled to mean norm √d): higher is sparser',
      },
      ...common.slice(1),
      {
        key: 'bandwidth',
        kind: 'number',
        default: 0.001,
        min: 0,
        meaning: "Bandwidth ε of the rectangle kernel in the threshold's straight-through gradients, in units of the inputs' mean norm (paper: 0.001)",
      },
      // h12def: the paper's 0.001 leaves θ far below the codes (≈ 0.25–0.75 of the mean norm on the planted dictionary);
      // log θ moves at most about lr per Adam step, so θ spent most of a default run climbing (L0 still 29 at step
      // 7,000 of 10,000) and recovery at the defaults was 0.662; starting at 0.1 it is 0.955 (λ 0.05, no resampling),
      // 0.962 with resampling, 0.980 with λ 0.02 too (bench sae-planted-defaults).
      {
        key: 'initThreshold',
        kind: 'number',
        default: 0.1,
        min: 0,
        meaning: "Initial threshold θ of every latent, in units of the inputs' mean norm (paper: 0.001, for far longer runs; log θ moves about lr per step)",
      },
    ],
    tags: { trained: true, sweep: 'l0Coefficient' },
  };
}

export function GATED_SPEC(common: BasisParamSpec[]): BasisSpec {
  return {
    params: [
      common[0]!,
      {
        key: 'l1Coefficient',
        kind: 'number',
        default: 0.1,
        min: 0,
        meaning: 'λ of the L1 penalty on the gate pre-activations ReLU(π_gate) (inputs are scaled to mean norm √d): higher is sparser',
      },
      ...common.slice(1),
      // h12gm: the paper starts b_gate at 0, so every gate is open and the L1 penalty must walk b_gate down, at about
      // lr per Adam step (as JumpReLU's θ had to climb): on the planted dictionary L0 was still 5.9 at step 3,000 of
      // 10,000 and 27 of 256 latents ended on mixtures of atoms (recovery at the defaults 0.945). Started at JumpReLU's initial θ instead, L0 is 3.8 by step 3,000 and recovery is 0.990
      // (bench sae-planted-defaults; later resampling, tried on its own, changed nothing: no latent dies before 80 %).
      {
        key: 'initThreshold',
        kind: 'number',
        default: 0.1,
        min: 0,
        meaning: "Initial gate threshold θ₀ of every latent (b_gate starts at −θ₀, and a resampled latent's restarts there), in units of the inputs' mean norm (paper: b_gate 0)",
      },
    ],
    tags: { trained: true, sweep: 'l1Coefficient' },
  };
}
