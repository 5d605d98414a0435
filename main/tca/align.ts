// How alike two CP fits are, as tensortools' kruskal_align scores it (Williams et al. 2018's stability diagnostic):
// factor columns normalised, the cost of pairing component i of one fit with j of the other is 1 − the mean over
// modes of |cos|, the pairing is the cheapest (Hungarian algorithm), and the score is the mean similarity of the
// matched pairs. Normalisation and |cos| make it blind to each component's scale and sign.

/** A fit's factors for matching: per mode, R × n component-major rows (any scale). */
export interface FactorSet {
  rank: number;
  factors: { rows: number; data: ArrayLike<number> }[];
}

function cosine(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[ao + i]!;
    const y = b[bo + i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** The cheapest assignment of rows to distinct columns (n ≤ m) of an n × m cost matrix: column of each row. */
export function hungarian(cost: Float64Array, n: number, m: number): Int32Array {
  if (n > m) throw new Error('hungarian: more rows than columns');
  // Potentials u (rows), v (columns) and the matching p (column → row, 1-based, 0 = free), after Kuhn–Munkres in
  // its O(n²m) shortest-augmenting-path form.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * m + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assign = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) assign[p[j]! - 1] = j - 1;
  return assign;
}

export interface Alignment {
  /** Mean similarity of the matched components, 0..1. */
  score: number;
  /** For each component of `a` (up to the smaller rank), its match in `b`. */
  match: number[];
  /** Similarity of each matched pair. */
  similarities: number[];
}

/** kruskal_align's factor match score of two fits with the same modes. */
export function factorMatchScore(a: FactorSet, b: FactorSet): Alignment {
  const swap = a.rank > b.rank;
  const [x, y] = swap ? [b, a] : [a, b];
  const n = x.rank;
  const m = y.rank;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      x.factors.forEach((fx, k) => {
        const fy = y.factors[k]!;
        s += Math.abs(cosine(fx.data, i * fx.rows, fy.data, j * fy.rows, fx.rows));
      });
      cost[i * m + j] = 1 - s / x.factors.length;
    }
  }
  const assign = hungarian(cost, n, m);
  const sims = Array.from(assign, (j, i) => 1 - cost[i * m + j]!);
  const match = swap ? [] as number[] : Array.from(assign);
  if (swap) {
    // Report matches from a's side: a's component assign[i] is paired with b's i.
    const back = new Array<number>(a.rank).fill(-1);
    assign.forEach((j, i) => (back[j] = i));
    match.push(...back);
  }
  return { score: sims.reduce((s, v) => s + v, 0) / Math.max(n, 1), match, similarities: sims };
}
