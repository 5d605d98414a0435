// The gradient-trained bases, keyed by method, for the basis registry.
import type { BasisFactory } from './types';
import { saeFactory } from './sae';
import { SaeLensArchBasis } from './sae-saelens-arch';

const l1 = saeFactory('l1');

export const saeBases: Record<'sae-l1' | 'sae-topk' | 'sae-batchtopk' | 'sae-matryoshka' | 'sae-jumprelu' | 'sae-gated', BasisFactory> = {
  // h12: an imported JumpReLU or Gated SAE is stored under sae-l1 (with params.importedArchitecture naming it); its own
  // tensors (threshold; b_gate, r_mag, b_mag) say which encoder it needs, since the lab's params are stripped here.
  'sae-l1': {
    ...l1,
    load: (params, seed, state) => {
      if (state.threshold) return SaeLensArchBasis.fromState('jumprelu', params, seed, state);
      if (state.b_gate) return SaeLensArchBasis.fromState('gated', params, seed, state);
      return l1.load(params, seed, state);
    },
  },
  'sae-topk': saeFactory('topk'),
  'sae-batchtopk': saeFactory('batchtopk'), // #12
  'sae-matryoshka': saeFactory('matryoshka'), // #12
  'sae-jumprelu': saeFactory('jumprelu'), // h12jg
  'sae-gated': saeFactory('gated'), // h12jg
};
