// Exact Shapley values by enumerating all 2^n coalitions (Keinan et al. 2004; msapy), and msapy's pairwise network
// interactions γ_ij − γ_i − γ_j computed from the same table: γ_ij is the Shapley value of i and j merged into one
// player, γ_i is i's value in the game where j is always lesioned. Enumeration is refused above 12 elements.
import { UserError } from '../../errors';
import { coalitionFromMask, type Game } from '../game';

export const EXACT_LIMIT = 12;

export interface ExactResult {
  values: Float64Array;
  /** v over every coalition, indexed by bitmask (player i = bit i). */
  table: Float64Array;
  vAll: number;
  vNone: number;
}

export async function exactShapley(game: Game, signal?: AbortSignal): Promise<ExactResult> {
  const n = game.players;
  if (n > EXACT_LIMIT) {
    throw new UserError(
      'SHAPLEY_TOO_MANY',
      `Exact Shapley values enumerate 2^n coalitions and are limited to ${EXACT_LIMIT} elements (you chose ${n}); choose fewer elements or use sampling.`,
    );
  }
  const size = 1 << n;
  const table = await game.values(
    Array.from({ length: size }, (_, m) => coalitionFromMask(m, n)),
    signal,
  );
  const values = shapleyFromTable(table, allPlayers(n));
  return { values: Float64Array.from(values), table, vAll: table[size - 1]!, vNone: table[0]! };
}

const allPlayers = (n: number) => Array.from({ length: n }, (_, i) => 1 << i);

function factorials(n: number): number[] {
  const f = [1];
  for (let i = 1; i <= n; i++) f.push(f[i - 1]! * i);
  return f;
}

function popcount(m: number): number {
  let c = 0;
  for (; m; m &= m - 1) c++;
  return c;
}

/**
 * Shapley values of a game whose players are disjoint groups of the table's bits (`players[k]` = the bits of player
 * k); bits in none of the groups are always lesioned. Grouping gives the merged-pair game, omission the game with an
 * element removed.
 */
export function shapleyFromTable(table: Float64Array, players: readonly number[]): number[] {
  const p = players.length;
  const fact = factorials(p);
  const phi = new Array<number>(p).fill(0);
  for (let s = 0; s < 1 << p; s++) {
    let mask = 0;
    for (let k = 0; k < p; k++) if ((s >> k) & 1) mask |= players[k]!;
    const size = popcount(s);
    for (let k = 0; k < p; k++) {
      if ((s >> k) & 1) continue;
      const weight = (fact[size]! * fact[p - size - 1]!) / fact[p]!;
      phi[k]! += weight * (table[mask | players[k]!]! - table[mask]!);
    }
  }
  return phi;
}

/** msapy's network interaction of elements i and j: γ_ij − γ_i − γ_j. */
export function pairInteraction(table: Float64Array, n: number, i: number, j: number): number {
  const others = allPlayers(n).filter((_, k) => k !== i && k !== j);
  const merged = shapleyFromTable(table, [...others, (1 << i) | (1 << j)]);
  const gammaIJ = merged[merged.length - 1]!;
  const withoutJ = shapleyFromTable(table, [...others, 1 << i]);
  const withoutI = shapleyFromTable(table, [...others, 1 << j]);
  return gammaIJ - withoutJ[withoutJ.length - 1]! - withoutI[withoutI.length - 1]!;
}

/** Interactions among the given elements (symmetric, zero diagonal), row-major K × K. */
export function exactInteractions(table: Float64Array, n: number, elements: readonly number[]): Float64Array {
  const k = elements.length;
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const g = pairInteraction(table, n, elements[a]!, elements[b]!);
      out[a * k + b] = g;
      out[b * k + a] = g;
    }
  }
  return out;
}
