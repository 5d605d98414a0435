// TCA as a basis method (`tca`): a CP decomposition of the units × positions × stimuli tensor of a harvest recorded at
// all positions (Williams et al. 2018). The unit factors are the directions; the position and stimulus factors and
// the weights are stored beside them. A row (one position of one stimulus) is encoded by least squares on the unit
// factors (non-negative least squares for the non-negative fit), which for a row the model explains exactly returns
// its CP codes λ_r·B[p, r]·C[s, r]; decode is codes · unit factors.
import { boolParam, checkDim, checkInput, getTensor, intParam, mapRowChunks, notFitted, numParam, tensor, BasisDataError, BasisParamError } from '../bases/classical-common';
import { affineReconstruct } from '../linalg/ort';
import { defaultFor, numDefault, optDefault, type BasisSpec } from '../bases/param-spec';
import type { ActivationStream, Basis, BasisFactory, BasisState, FitContext } from '../bases/types';
import type { CpModel } from './cp';
import { blockXUt } from './kernels';
import { fitCpRestarts } from './restarts';
import { gram, solveRightSpd } from './small';

export const tcaSpec: BasisSpec = {
  params: [
    { key: 'nFeatures', kind: 'int', default: 10, min: 1, meaning: 'Rank R: number of CP components' },
    { key: 'nonneg', kind: 'bool', default: false, meaning: 'Non-negative factors (HALS, as tensortools ncp_hals) instead of ALS (cp_als)' },
    { key: 'restarts', kind: 'int', default: 3, min: 1, meaning: 'Random restarts; the fit with the lowest residual is kept' },
    { key: 'maxIter', kind: 'int', default: 200, min: 1, meaning: 'Maximum ALS sweeps per restart' },
  ],
  // Ranks are swept by tca-sweep (both of Williams et al.'s diagnostics), not by bases.sweep's one basis per value.
  tags: { trained: false, sweep: null, wholeItems: true },
};

/** A stream that is not one whole tensor of stimuli × positions is refused in one sentence. */
export function positionsOf(stream: ActivationStream): number {
  const p = stream.rowsPerItem ?? 1;
  if (p < 2) {
    throw new BasisDataError(
      'tca.positions',
      'TCA decomposes a units × positions × stimuli tensor, so it needs a harvest recorded at all positions (of a conv map or a sequence), not one row per stimulus.',
    );
  }
  return p;
}

class TcaBasis implements Basis {
  readonly method = 'tca' as const;
  readonly params: Record<string, unknown>;
  private readonly rank: number;
  private readonly nonneg: boolean;
  private readonly restarts: number;
  private readonly maxIter: number;
  private readonly tol: number;
  private readonly encodeIter: number;
  model: CpModel | null = null;
  /** Error of every restart, in the order run. */
  restartErrors: number[] = [];
  private u32: Float32Array | null = null;
  private uGram: Float64Array | null = null;

  constructor(p: Record<string, unknown>, readonly seed: number, readonly dim: number) {
    checkDim(dim);
    this.rank = intParam(p, 'rank', defaultFor(tcaSpec, 'nFeatures', dim) as number, 1, 'rank');
    if (this.rank > dim) {
      throw new BasisParamError('basis.too-many-components', `TCA's unit factors are directions in ${dim} dimensions, so its rank is at most ${dim}, not ${this.rank}.`);
    }
    this.nonneg = boolParam(p, 'nonneg', optDefault<boolean>(tcaSpec, 'nonneg'));
    this.restarts = intParam(p, 'restarts', numDefault(tcaSpec, 'restarts'), 1, 'number of restarts');
    this.maxIter = intParam(p, 'maxIter', numDefault(tcaSpec, 'maxIter'), 1, 'maximum number of sweeps');
    this.tol = numParam(p, 'tol', 1e-5, -1, 'tolerance');
    this.encodeIter = intParam(p, 'encodeIter', 100, 1, 'number of encoding sweeps');
    this.params = { rank: this.rank, nonneg: this.nonneg, restarts: this.restarts, maxIter: this.maxIter, tol: this.tol, encodeIter: this.encodeIter };
  }

  get nFeatures(): number {
    return this.rank;
  }

  async fit(stream: ActivationStream, ctx: FitContext): Promise<void> {
    if (stream.dim !== this.dim) throw new Error(`TCA basis of dim ${this.dim} fitted on a stream of dim ${stream.dim}.`);
    const positions = positionsOf(stream);
    const res = await fitCpRestarts(stream, positions, { rank: this.rank, nonneg: this.nonneg, maxIter: this.maxIter, tol: this.tol, restarts: this.restarts, seed: this.seed }, ctx);
    this.restartErrors = res.all.map((m) => m.error);
    this.setModel(res.best);
  }

  setModel(m: CpModel): this {
    this.model = m;
    this.u32 = Float32Array.from(m.units);
    // From the float32 directions, so a basis loaded from the project file encodes exactly as the fitted one.
    this.uGram = gram(transpose(Float64Array.from(this.u32), this.rank, this.dim), this.dim, this.rank);
    return this;
  }

  private fitted(): { u: Float32Array; g: Float64Array; m: CpModel } {
    if (!this.model || !this.u32 || !this.uGram) throw notFitted('TCA');
    return { u: this.u32, g: this.uGram, m: this.model };
  }

  directions(): Float32Array {
    return this.fitted().u.slice();
  }

  async encode(x: Float32Array, rows: number): Promise<Float32Array> {
    const { u, g } = this.fitted();
    checkInput('TCA', x, rows, this.dim);
    const R = this.rank;
    const xu = await mapRowChunks(x, rows, this.dim, R, (c, n) => blockXUt(c, n, this.dim, u, R));
    if (!this.nonneg) return Float32Array.from(solveRightSpd(Float64Array.from(xu), rows, g, R));
    // NNLS per row: coordinate descent on ½‖x − cU‖² from c = 0, a fixed number of sweeps (deterministic).
    const out = new Float32Array(rows * R);
    const c = new Float64Array(R);
    for (let i = 0; i < rows; i++) {
      c.fill(0);
      for (let sweep = 0; sweep < this.encodeIter; sweep++) {
        for (let r = 0; r < R; r++) {
          let s = xu[i * R + r]!;
          for (let k = 0; k < R; k++) if (k !== r) s -= c[k]! * g[k * R + r]!;
          c[r] = Math.max(s / Math.max(g[r * R + r]!, 1e-12), 0);
        }
      }
      for (let r = 0; r < R; r++) out[i * R + r] = c[r]!;
    }
    return out;
  }

  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    const { u } = this.fitted();
    checkInput('TCA', f, rows, this.rank, 'code');
    const zero = new Float32Array(this.dim);
    return mapRowChunks(f, rows, this.rank, this.dim, (c, n) => affineReconstruct(c, n, u, this.rank, this.dim, zero));
  }

  state(): BasisState {
    const { m } = this.fitted();
    return {
      units: tensor([m.rank, m.dim], m.units),
      positions: tensor([m.rank, m.positions], m.positionFactors),
      stimuli: tensor([m.rank, m.stimuli], m.stimulusFactors),
      weights: tensor([m.rank], m.weights),
      error: tensor([1], [m.error]),
      restartErrors: tensor([this.restartErrors.length], this.restartErrors),
    };
  }
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

export const tcaFactory: BasisFactory = {
  spec: tcaSpec,
  create: (params, seed, dim) => new TcaBasis(params, seed, dim),
  load(params, seed, state) {
    const units = getTensor(state, 'units', 'TCA', [null, null]);
    const [rank, dim] = units.shape as [number, number];
    const pos = getTensor(state, 'positions', 'TCA', [rank, null]);
    const stim = getTensor(state, 'stimuli', 'TCA', [rank, null]);
    const weights = getTensor(state, 'weights', 'TCA', [rank]);
    const b = new TcaBasis({ ...params, rank }, seed, dim);
    b.restartErrors = Array.from(state.restartErrors?.data ?? []);
    return b.setModel({
      rank,
      dim,
      positions: pos.shape[1]!,
      stimuli: stim.shape[1]!,
      units: Float64Array.from(units.data),
      positionFactors: Float64Array.from(pos.data),
      stimulusFactors: Float64Array.from(stim.data),
      weights: Float64Array.from(weights.data),
      error: state.error?.data[0] ?? NaN,
      iterations: 0,
    });
  },
};
