// A cooperative game over lesionable elements, the one shape every Shapley estimator consumes. v(S) is the
// performance when every element NOT in S is lesioned (msapy's convention). `values` takes many coalitions at once
// so a lesion runner can batch them into one onnxruntime run.

/** A coalition: membership per player (1 = intact, 0 = lesioned). */
export type Coalition = Uint8Array;

export interface Game {
  readonly players: number;
  readonly names: readonly string[];
  /** v(S) for each coalition, in order. May reject with an AbortError when `signal` fires. */
  values(coalitions: readonly Coalition[], signal?: AbortSignal): Promise<Float64Array>;
}

/** A stable key for a coalition: the hex of its membership bitmask (player 0 = lowest bit). */
export function coalitionKey(c: Coalition): string {
  let key = '';
  for (let start = 0; start < c.length; start += 4) {
    let nibble = 0;
    for (let b = 0; b < 4 && start + b < c.length; b++) if (c[start + b]) nibble |= 1 << b;
    key += nibble.toString(16);
  }
  return key;
}

export function coalitionFromMask(mask: number, players: number): Coalition {
  const c = new Uint8Array(players);
  for (let i = 0; i < players; i++) c[i] = (mask >> i) & 1;
  return c;
}

/** A game defined by a function of the intact set, for tests and for analytic games. */
export function functionGame(names: readonly string[], v: (intact: Coalition) => number): Game {
  return {
    players: names.length,
    names,
    values: async (coalitions) => Float64Array.from(coalitions, v),
  };
}
