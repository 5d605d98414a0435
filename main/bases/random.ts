// The random basis: m random orthonormal directions (seeded), the null control. encode = x·Dᵀ, decode = f·D.
import { randomOrthonormalRows } from '../linalg/dense';
import { affineProject, affineReconstruct } from '../linalg/ort';
import { Rng } from '../util/random';
import { checkComponents, checkDim, checkInput, getTensor, intParam, mapRowChunks, notFitted, tensor, toF32 } from './classical-common';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from './types';
import { defaultFor, type BasisSpec } from './param-spec';

export interface RandomParams {
  /** Number of directions m ≤ d (default d). */
  nComponents?: number;
}

export class RandomBasis implements Basis {
  readonly method = 'random' as const;
  readonly params: Record<string, unknown>;
  readonly nFeatures: number;
  private dirs: Float32Array | null = null;
  private readonly zero: Float32Array;
  constructor(
    params: RandomParams,
    readonly seed: number,
    readonly dim: number,
  ) {
    checkDim(dim);
    const m = intParam(params as Record<string, unknown>, 'nComponents', defaultFor(randomSpec, 'nFeatures', dim) as number, 1, 'number of random directions');
    checkComponents('A random basis', m, dim);
    this.nFeatures = m;
    this.params = { nComponents: m };
    this.zero = new Float32Array(dim);
  }
  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    ctx.throwIfCancelled();
    if (stream.dim !== this.dim) throw new Error(`random basis of dim ${this.dim} fitted on a stream of dim ${stream.dim}.`);
    this.dirs = toF32(randomOrthonormalRows(new Rng(this.seed), this.nFeatures, this.dim));
    ctx.progress({ fraction: 1, message: 'Random orthonormal directions drawn' });
  }
  /** @internal */
  setDirections(d: Float32Array): this {
    this.dirs = d;
    return this;
  }
  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.dirs) throw notFitted('random');
    checkInput('The random basis', x, rows, this.dim);
    const dirs = this.dirs;
    return mapRowChunks(x, rows, this.dim, this.nFeatures, (c, n) => affineProject(c, n, this.dim, this.zero, dirs, this.nFeatures));
  }
  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    if (!this.dirs) throw notFitted('random');
    checkInput('The random basis', f, rows, this.nFeatures, 'feature');
    const dirs = this.dirs;
    return mapRowChunks(f, rows, this.nFeatures, this.dim, (c, n) => affineReconstruct(c, n, dirs, this.nFeatures, this.dim, this.zero));
  }
  directions(): Float32Array {
    if (!this.dirs) throw notFitted('random');
    return this.dirs.slice();
  }
  state(): BasisState {
    if (!this.dirs) throw notFitted('random');
    return { directions: tensor([this.nFeatures, this.dim], this.dirs) };
  }
}

export const randomSpec: BasisSpec = {
  params: [{ key: 'nFeatures', kind: 'int', default: null, perDim: 1, min: 1, meaning: 'Number of random directions (default d)' }],
  tags: { trained: false, sweep: null },
};

export const randomFactory: BasisFactory = {
  spec: randomSpec,
  create: (params, seed, dim) => new RandomBasis(params as RandomParams, seed, dim),
  load(params, seed, state) {
    const t = getTensor(state, 'directions', 'random', [null, null]);
    const b = new RandomBasis({ ...(params as RandomParams), nComponents: t.shape[0] }, seed, t.shape[1]!);
    return b.setDirections(t.data.slice());
  },
};
