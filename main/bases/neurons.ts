// The neuron basis: the layer's own units. directions = unit vectors e_i, encode = x, decode = f.
import { checkDim, checkInput, getTensor } from './classical-common';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from './types';

export class NeuronBasis implements Basis {
  readonly method = 'neurons' as const;
  readonly params: Record<string, unknown> = {};
  readonly nFeatures: number;
  constructor(
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    this.nFeatures = dim;
  }
  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    ctx.throwIfCancelled();
    if (stream.dim !== this.dim) throw new Error(`neurons basis of dim ${this.dim} fitted on a stream of dim ${stream.dim}.`);
    ctx.progress({ fraction: 1, message: 'Neurons need no fitting' });
  }
  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    checkInput('The neuron basis', x, rows, this.dim);
    return x.slice();
  }
  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    checkInput('The neuron basis', f, rows, this.dim, 'feature');
    return f.slice();
  }
  directions(): Float32Array {
    const d = this.dim;
    const out = new Float32Array(d * d);
    for (let i = 0; i < d; i++) out[i * d + i] = 1;
    return out;
  }
  state(): BasisState {
    return { dim: { shape: [1], data: Float32Array.of(this.dim) } };
  }
}

export const neuronsFactory: BasisFactory = {
  create: (_params, seed, dim) => new NeuronBasis(seed, dim),
  load: (_params, seed, state) => new NeuronBasis(seed, getTensor(state, 'dim', 'neurons', [1]).data[0]!),
  spec: { params: [], tags: { trained: false, sweep: null } },
};
