// Each distinct coalition is evaluated once however many permutations contain it: a game wrapped here asks the
// underlying game only for coalitions it has not seen, in one batch, and remembers the answers (a `CoalitionStore`
// may persist them, so a cancelled run resumes and a larger sample reuses them).
import { coalitionKey, type Coalition, type Game } from '../game';

export interface CoalitionStore {
  get(keys: readonly string[]): Map<string, number>;
  put(entries: ReadonlyArray<readonly [string, number]>): void;
}

export function memoryStore(): CoalitionStore & { size(): number } {
  const m = new Map<string, number>();
  return {
    get: (keys) => new Map(keys.filter((k) => m.has(k)).map((k) => [k, m.get(k)!] as const)),
    put: (entries) => entries.forEach(([k, v]) => m.set(k, v)),
    size: () => m.size,
  };
}

export interface CachedGame extends Game {
  /** Coalitions the underlying game actually evaluated. */
  readonly evaluated: number;
}

export function cachedGame(game: Game, store: CoalitionStore = memoryStore()): CachedGame {
  let evaluated = 0;
  return {
    players: game.players,
    names: game.names,
    get evaluated() {
      return evaluated;
    },
    async values(coalitions: readonly Coalition[], signal?: AbortSignal) {
      const keys = coalitions.map(coalitionKey);
      const known = store.get([...new Set(keys)]);
      const missing: Coalition[] = [];
      const missingKeys: string[] = [];
      const queued = new Set<string>();
      keys.forEach((k, i) => {
        if (!known.has(k) && !queued.has(k)) {
          queued.add(k);
          missing.push(coalitions[i]!);
          missingKeys.push(k);
        }
      });
      if (missing.length) {
        const fresh = await game.values(missing, signal);
        evaluated += missing.length;
        const entries = missingKeys.map((k, i) => [k, fresh[i]!] as const);
        store.put(entries);
        entries.forEach(([k, v]) => known.set(k, v));
      }
      return Float64Array.from(keys, (k) => known.get(k)!);
    },
  };
}
