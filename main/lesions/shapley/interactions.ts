// msapy's network interactions for games too big to enumerate: γ_ij − γ_i − γ_j with each term estimated from
// sampled permutations — γ_ij as the value of i and j merged into one player, γ_i in the game where j is always
// lesioned. All three games share the cached game, so their coalitions overlap and are evaluated once.
import type { Game } from '../game';
import { sampleShapley } from './sampling';

export async function sampledInteraction(
  game: Game,
  i: number,
  j: number,
  options: { permutations: number; seed?: number; signal?: AbortSignal },
): Promise<number> {
  const others = Array.from({ length: game.players }, (_, k) => k).filter((k) => k !== i && k !== j);
  const singles = others.map((k) => [k]);
  const run = (groups: number[][]) =>
    sampleShapley(game, { maxPermutations: options.permutations, seed: options.seed, signal: options.signal }, groups);
  const merged = await run([...singles, [i, j]]);
  const withoutJ = await run([...singles, [i]]);
  const withoutI = await run([...singles, [j]]);
  const last = (r: { values: Float64Array }) => r.values[r.values.length - 1]!;
  return last(merged) - last(withoutJ) - last(withoutI);
}

export async function sampledInteractions(
  game: Game,
  elements: readonly number[],
  options: { permutations: number; seed?: number; signal?: AbortSignal },
): Promise<Float64Array> {
  const k = elements.length;
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const g = await sampledInteraction(game, elements[a]!, elements[b]!, options);
      out[a * k + b] = g;
      out[b * k + a] = g;
    }
  }
  return out;
}
