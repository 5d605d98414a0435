// One MSA run over any Game, the piece a job (and `cajal shapley`) calls once it has built its game: exact values up
// to 12 elements unless sampling is asked for, permutation sampling beyond (tolerance or budget), bootstrap flags with
// Holm's correction, and msapy's pairwise interactions among the top K elements by |value|. Cancellation arrives as
// an AbortSignal; coalition values go through the caller's cache, so a cancelled run resumes.
import type { Game } from '../game';
import { bootstrapSignificance, type ElementSignificance } from './bootstrap';
import { EXACT_LIMIT, exactInteractions, exactShapley } from './exact';
import { sampledInteractions } from './interactions';
import { sampleShapley } from './sampling';
import { adaptiveTopShapley } from './adaptive';

export interface MsaOptions {
  method: 'auto' | 'exact' | 'sampled' | 'adaptive';
  maxPermutations: number;
  /** adaptive: how many top contributors to settle (Neuron Shapley's k). */
  topK?: number;
  tolerance?: number;
  interactions?: number;
  seed?: number;
  alpha?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string, live?: unknown) => void;
}

export interface MsaResult {
  method: 'exact' | 'sampled' | 'adaptive';
  names: string[];
  values: number[];
  /** 0 for exact values. */
  stderr: number[];
  vAll: number;
  vNone: number;
  permutations: number;
  stoppedBy: 'exact' | 'tolerance' | 'budget' | 'settled';
  /** Running estimates as permutations accrue (the convergence plot). */
  series: Array<{ permutations: number; values: number[] }>;
  /** Bootstrap interval and Holm-corrected p per element; null for exact values. */
  significance: ElementSignificance[] | null;
  /** Elements (indices into names) of the interaction matrix. */
  interactionElements: number[];
  /** K × K row-major, symmetric, zero diagonal. */
  interactions: number[];
}

const topByMagnitude = (values: ArrayLike<number>, k: number) =>
  Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!))
    .slice(0, Math.min(k, values.length));

export async function runMsa(game: Game, o: MsaOptions): Promise<MsaResult> {
  const k = o.interactions ?? 0;
  const exact = o.method === 'exact' || (o.method === 'auto' && game.players <= EXACT_LIMIT);
  if (exact) {
    o.onProgress?.(0.05, `Evaluating all ${2 ** Math.min(game.players, 31)} coalitions`);
    const r = await exactShapley(game, o.signal);
    const top = topByMagnitude(r.values, k);
    return {
      method: 'exact',
      names: [...game.names],
      values: Array.from(r.values),
      stderr: new Array<number>(game.players).fill(0),
      vAll: r.vAll,
      vNone: r.vNone,
      permutations: 0,
      stoppedBy: 'exact',
      series: [],
      significance: null,
      interactionElements: top,
      interactions: Array.from(exactInteractions(r.table, game.players, top)),
    };
  }
  const share = k > 1 ? 0.7 : 0.95;
  if (o.method === 'adaptive') return adaptive(game, o, share);
  const s = await sampleShapley(game, {
    maxPermutations: o.maxPermutations,
    tolerance: o.tolerance,
    seed: o.seed,
    signal: o.signal,
    onBatch: (p) =>
      o.onProgress?.(share * (p.permutations / o.maxPermutations), `${p.permutations} permutations`, {
        permutations: p.permutations,
        maxStderr: Math.max(...p.stderr),
      }),
  });
  const [vNone, vAll] = await game.values([new Uint8Array(game.players), new Uint8Array(game.players).fill(1)], o.signal);
  const top = topByMagnitude(s.values, k);
  o.onProgress?.(share, 'Interactions');
  const interactions = top.length > 1
    ? await sampledInteractions(game, top, { permutations: Math.max(10, Math.round(s.permutations / 2)), seed: o.seed, signal: o.signal })
    : new Float64Array(top.length * top.length);
  return {
    method: 'sampled',
    names: [...game.names],
    values: Array.from(s.values),
    stderr: Array.from(s.stderr),
    vAll: vAll!,
    vNone: vNone!,
    permutations: s.permutations,
    stoppedBy: s.stoppedBy,
    series: s.series,
    significance: bootstrapSignificance(s.marginals, game.players, { alpha: o.alpha, seed: o.seed }),
    interactionElements: top,
    interactions: Array.from(interactions),
  };
}

/** Neuron Shapley's truncated, bandit-adaptive sampling: the top K contributors settled, the rest left rough. */
async function adaptive(game: Game, o: MsaOptions, share: number): Promise<MsaResult> {
  const r = await adaptiveTopShapley(game, {
    topK: Math.min(o.topK ?? 10, game.players),
    maxPermutations: o.maxPermutations,
    seed: o.seed,
    signal: o.signal,
    onBatch: (p) => o.onProgress?.(share * (p.permutations / o.maxPermutations), `${p.permutations} permutations · ${p.active} elements still active`, p),
  });
  const [vNone, vAll] = await game.values([new Uint8Array(game.players), new Uint8Array(game.players).fill(1)], o.signal);
  const top = r.top.slice(0, Math.min(o.interactions ?? 0, r.top.length));
  o.onProgress?.(share, 'Interactions');
  const interactions = top.length > 1
    ? await sampledInteractions(game, top, { permutations: Math.max(10, Math.round(r.permutations / 2)), seed: o.seed, signal: o.signal })
    : new Float64Array(top.length * top.length);
  return {
    method: 'adaptive',
    names: [...game.names],
    values: Array.from(r.values),
    stderr: Array.from(r.stderr),
    vAll: vAll!,
    vNone: vNone!,
    permutations: r.permutations,
    stoppedBy: r.stoppedBy === 'settled' ? 'settled' : 'budget',
    series: [],
    significance: null,
    interactionElements: top,
    interactions: Array.from(interactions),
  };
}
