// CP decomposition of a units × positions × stimuli tensor held as activation rows — row s·P + p holds the d units
// at position p of stimulus s — by alternating least squares (tensortools' cp_als) or non-negative hierarchical ALS
// (tensortools' ncp_hals). The tensor is streamed a block of rows at a time, never unfolded: one sweep is two passes,
// Xᵀ·(C ⊙ B) for the unit factor and Y = X·A, from which the position and stimulus MTTKRPs are reduced (a third pass
// when Y, rows × rank, is over its cache), so memory is the factors plus a few blocks whatever the harvest's size.
import type { ActivationStream, FitContext } from '../bases/types';
import { Rng } from '../util/random';
import { blockXtK, blockXUt } from './kernels';
import { columnNorms, gram, hadamard, halsUpdate, scaleColumns, solveRightSpd, sum } from './small';

export interface CpOptions {
  rank: number;
  nonneg: boolean;
  maxIter: number;
  /** Stop when the normalised residual improves by less than this (tensortools' tol). */
  tol: number;
}

/** A fitted Kruskal tensor: unit-norm factor columns (stored component-major) and weights, largest weight first. */
export interface CpModel {
  rank: number;
  dim: number;
  positions: number;
  stimuli: number;
  /** R × d, R × P, R × S: row r is component r's factor, unit norm. */
  units: Float64Array;
  positionFactors: Float64Array;
  stimulusFactors: Float64Array;
  weights: Float64Array;
  /** ‖X − X̂‖ / ‖X‖ at the end of the fit. */
  error: number;
  iterations: number;
}

/** The tensor behind a stream: its three sizes and ‖X‖². */
export interface TensorShape {
  dim: number;
  positions: number;
  stimuli: number;
  normSq: number;
}

/** One pass for the tensor's sizes and squared norm (shared by every restart of a fit or sweep). */
export async function tensorShape(stream: ActivationStream, positions: number): Promise<TensorShape> {
  let normSq = 0;
  let rows = 0;
  for await (const b of stream.blocks()) {
    const n = b.rowCount * stream.dim;
    for (let i = 0; i < n; i++) normSq += b.data[i]! * b.data[i]!;
    rows += b.rowCount;
  }
  if (rows % positions !== 0) throw new Error(`${rows} rows are not whole stimuli of ${positions} positions`);
  return { dim: stream.dim, positions, stimuli: rows / positions, normSq };
}

/** Factors stored rows × R (row-major) while fitting: A (d × R), B (P × R), C (S × R). */
export interface Factors {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

/**
 * tensortools' initialisation: standard normal factors for ALS ('randn'), uniform [0, 1) for HALS ('rand'), scaled
 * so that the initial model has the data's norm, then rebalanced.
 */
function initFactors(t: TensorShape, rank: number, nonneg: boolean, rng: Rng): Factors {
  const make = (rows: number): Float64Array => {
    const f = new Float64Array(rows * rank);
    return nonneg ? rng.fillUniform(f) as Float64Array : rng.fillNormal(f) as Float64Array;
  };
  const f = { a: make(t.dim), b: make(t.positions), c: make(t.stimuli) };
  const modelNormSq = sum(hadamard(hadamard(gram(f.a, t.dim, rank), gram(f.b, t.positions, rank)), gram(f.c, t.stimuli, rank)));
  const s = Math.cbrt(Math.sqrt(t.normSq / Math.max(modelNormSq, 1e-300)));
  for (const x of [f.a, f.b, f.c]) for (let i = 0; i < x.length; i++) x[i] *= s;
  rebalance(f, t, rank);
  return f;
}

/** tensortools' KTensor.rebalance: each component's three columns get the same norm, λ_r^(1/3). */
export function rebalance(f: Factors, t: TensorShape, rank: number): void {
  const na = columnNorms(f.a, t.dim, rank);
  const nb = columnNorms(f.b, t.positions, rank);
  const nc = columnNorms(f.c, t.stimuli, rank);
  const target = new Float64Array(rank);
  for (let r = 0; r < rank; r++) target[r] = Math.cbrt(na[r]! * nb[r]! * nc[r]!);
  const ratio = (n: Float64Array): Float64Array => n.map((v, r) => (v > 0 ? target[r]! / v : 0));
  scaleColumns(f.a, t.dim, rank, ratio(na));
  scaleColumns(f.b, t.positions, rank, ratio(nb));
  scaleColumns(f.c, t.stimuli, rank, ratio(nc));
}

function transposeF32(f: Float64Array, rows: number, rank: number): Float32Array {
  const out = new Float32Array(rows * rank);
  for (let i = 0; i < rows; i++) for (let r = 0; r < rank; r++) out[r * rows + i] = f[i * rank + r]!;
  return out;
}

/** Xᵀ·(C ⊙ B): the unit-mode MTTKRP, d × R, one ORT GEMM per block with the block's Khatri–Rao rows built in JS. */
async function unitMttkrp(stream: ActivationStream, f: Factors, t: TensorShape, rank: number): Promise<Float64Array> {
  const m = new Float64Array(t.dim * rank);
  let row = 0;
  for await (const blk of stream.blocks()) {
    const k = new Float32Array(blk.rowCount * rank);
    for (let j = 0; j < blk.rowCount; j++, row++) {
      const s = Math.floor(row / t.positions);
      const p = row - s * t.positions;
      for (let r = 0; r < rank; r++) k[j * rank + r] = f.b[p * rank + r]! * f.c[s * rank + r]!;
    }
    const part = await blockXtK(blk.data, blk.rowCount, t.dim, k, rank);
    for (let i = 0; i < part.length; i++) m[i] += part[i]!;
  }
  return m;
}

/**
 * Y = X·A block by block (rows × R, float32), handed to `use` with the block's first row: the position and stimulus
 * MTTKRPs are sums of Y against C or B.
 */
async function forEachProjected(stream: ActivationStream, f: Factors, t: TensorShape, rank: number, use: (y: Float32Array, firstRow: number, rows: number) => void): Promise<void> {
  const at = transposeF32(f.a, t.dim, rank);
  let row = 0;
  for await (const blk of stream.blocks()) {
    use(await blockXUt(blk.data, blk.rowCount, t.dim, at, rank), row, blk.rowCount);
    row += blk.rowCount;
  }
}

/** Adds Σ over the rows of y (stimulus s, position p) of y[row, r]·w[s or p, r] into m[p or s, r]. */
function reduceRows(y: Float32Array, firstRow: number, rows: number, t: TensorShape, rank: number, w: Float64Array, into: Float64Array, byPosition: boolean): void {
  for (let j = 0; j < rows; j++) {
    const row = firstRow + j;
    const s = Math.floor(row / t.positions);
    const p = row - s * t.positions;
    const [wi, mi] = byPosition ? [s, p] : [p, s];
    for (let r = 0; r < rank; r++) into[mi * rank + r] += y[j * rank + r]! * w[wi * rank + r]!;
  }
}

/** Y (rows × R float32) is kept between the position and stimulus updates up to this size, else streamed again. */
export const Y_CACHE_BYTES = 256 * 1024 * 1024;

function updateFactor(u: Float64Array, rows: number, m: Float64Array, g: Float64Array, rank: number, nonneg: boolean): Float64Array {
  if (!nonneg) return solveRightSpd(m, rows, g, rank);
  halsUpdate(u, rows, m, g, rank);
  return u;
}

/**
 * One ALS (or HALS) sweep in place. Modes are updated in tensortools' order (units, positions, stimuli), each from
 * the MTTKRP with the current other factors; the residual ‖X − X̂‖² = ‖X‖² − 2⟨X, X̂⟩ + ‖X̂‖² comes from the
 * stimulus MTTKRP and the factor Grams, so it costs no extra pass. Returns ‖X − X̂‖ / ‖X‖ before rebalancing.
 */
export async function cpSweep(
  stream: ActivationStream,
  t: TensorShape,
  f: Factors,
  rank: number,
  nonneg: boolean,
  ctx: FitContext,
  yCacheBytes = Y_CACHE_BYTES,
): Promise<number> {
  const { dim, positions: P, stimuli: S } = t;
  ctx.throwIfCancelled();
  const ma = await unitMttkrp(stream, f, t, rank);
  f.a = updateFactor(f.a, dim, ma, hadamard(gram(f.b, P, rank), gram(f.c, S, rank)), rank, nonneg);
  ctx.throwIfCancelled();
  // The position update needs Y·C and the stimulus update Y·B with the new B: one pass keeping Y when it fits the
  // cache, else a second pass for the stimulus MTTKRP (memory then stays a few blocks plus the factors).
  const y = t.positions * t.stimuli * rank * 4 <= yCacheBytes ? new Float32Array(t.positions * t.stimuli * rank) : null;
  const mb = new Float64Array(P * rank);
  await forEachProjected(stream, f, t, rank, (yb, row0, n) => {
    y?.set(yb, row0 * rank);
    reduceRows(yb, row0, n, t, rank, f.c, mb, true);
  });
  const ga = gram(f.a, dim, rank);
  f.b = updateFactor(f.b, P, mb, hadamard(ga, gram(f.c, S, rank)), rank, nonneg);
  const gb = gram(f.b, P, rank);
  const mc = new Float64Array(S * rank);
  if (y) reduceRows(y, 0, P * S, t, rank, f.b, mc, false);
  else {
    ctx.throwIfCancelled();
    await forEachProjected(stream, f, t, rank, (yb, row0, n) => reduceRows(yb, row0, n, t, rank, f.b, mc, false));
  }
  f.c = updateFactor(f.c, S, mc, hadamard(ga, gb), rank, nonneg);
  let inner = 0;
  for (let i = 0; i < mc.length; i++) inner += mc[i]! * f.c[i]!;
  const modelSq = sum(hadamard(hadamard(ga, gb), gram(f.c, S, rank)));
  return Math.sqrt(Math.max(t.normSq - 2 * inner + modelSq, 0)) / Math.sqrt(t.normSq);
}

/** One fit from one random start: sweeps until the residual improves by less than tol (tensortools' stopping rule). */
export async function fitCpOnce(
  stream: ActivationStream,
  t: TensorShape,
  opts: CpOptions,
  rng: Rng,
  ctx: FitContext,
  onIteration: (iteration: number, error: number) => void = () => {},
): Promise<CpModel> {
  const { rank, nonneg } = opts;
  const f = initFactors(t, rank, nonneg, rng);
  let prev = Infinity;
  let error = 1;
  let it = 0;
  while (it < opts.maxIter) {
    error = await cpSweep(stream, t, f, rank, nonneg, ctx);
    rebalance(f, t, rank);
    it++;
    onIteration(it, error);
    if (Math.abs(prev - error) < opts.tol) break;
    prev = error;
  }
  return normalise(f, t, rank, error, it);
}

/**
 * tensortools' normalisation: unit-norm columns, the product of the three norms as the component's weight, largest
 * weight first. A sign is fixed where CP leaves it free (flipping two factors of a component changes nothing): the
 * unit factor, then the position factor, sums non-negative, the stimulus factor taking the flips.
 */
function normalise(f: Factors, t: TensorShape, rank: number, error: number, iterations: number): CpModel {
  const parts: [Float64Array, number][] = [[f.a, t.dim], [f.b, t.positions], [f.c, t.stimuli]];
  const weights = new Float64Array(rank).fill(1);
  const cols = parts.map(([x, rows]) => {
    const n = columnNorms(x, rows, rank);
    const out = new Float64Array(rank * rows);
    for (let r = 0; r < rank; r++) {
      weights[r] *= n[r]!;
      for (let i = 0; i < rows; i++) out[r * rows + i] = n[r]! > 0 ? x[i * rank + r]! / n[r]! : 0;
    }
    return out;
  });
  const [ua, ub, uc] = cols as [Float64Array, Float64Array, Float64Array];
  for (let r = 0; r < rank; r++) {
    for (const [u, rows] of [[ua, t.dim], [ub, t.positions]] as [Float64Array, number][]) {
      if (sum(u.subarray(r * rows, (r + 1) * rows)) >= 0) continue;
      for (let i = 0; i < rows; i++) u[r * rows + i] = -u[r * rows + i]!;
      for (let i = 0; i < t.stimuli; i++) uc[r * t.stimuli + i] = -uc[r * t.stimuli + i]!;
    }
  }
  const order = [...Array(rank).keys()].sort((x, y) => weights[y]! - weights[x]!);
  const pick = (u: Float64Array, rows: number): Float64Array => {
    const out = new Float64Array(rank * rows);
    order.forEach((r, k) => out.set(u.subarray(r * rows, (r + 1) * rows), k * rows));
    return out;
  };
  return {
    rank,
    dim: t.dim,
    positions: t.positions,
    stimuli: t.stimuli,
    units: pick(ua, t.dim),
    positionFactors: pick(ub, t.positions),
    stimulusFactors: pick(uc, t.stimuli),
    weights: Float64Array.from(order, (r) => weights[r]!),
    error,
    iterations,
  };
}
