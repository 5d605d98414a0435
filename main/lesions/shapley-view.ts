// What an MSA summary says, derived the same way in the Shapley panel and in the report: the bar order, the
// efficiency check, the convergence series of the leading elements and the interaction matrix as heatmap cells.
// Plain functions over a structural type (the API's ShapleySummary fits it).

export interface ShapleyView {
  names: string[];
  values: number[];
  vAll: number;
  vNone: number;
  series: Array<{ permutations: number; values: number[] }>;
  interactionElements: number[];
  interactions: number[];
}

/** Element indices by Shapley value, largest first. */
export function shapleyOrder(s: ShapleyView): number[] {
  return s.values.map((_, i) => i).sort((a, b) => s.values[b]! - s.values[a]! || a - b);
}

/** Efficiency: the values should sum to v(all) − v(none); the gap says by how much they do not. */
export function efficiency(s: ShapleyView): { sum: number; target: number; gap: number } {
  const sum = s.values.reduce((a, b) => a + b, 0);
  const target = s.vAll - s.vNone;
  return { sum, target, gap: Math.abs(sum - target) };
}

/** The convergence plot's lines: the `top` elements of largest |value|, each its running estimate per checkpoint. */
export function convergenceLines(s: ShapleyView, top = 10): { element: number; name: string; points: [number, number][] }[] {
  const lead = s.values
    .map((v, i) => ({ i, a: Math.abs(v) }))
    .sort((x, y) => y.a - x.a)
    .slice(0, top)
    .map((x) => x.i);
  return lead.map((i) => ({ element: i, name: s.names[i]!, points: s.series.map((p) => [p.permutations, p.values[i]!] as [number, number]) }));
}

/** The K × K interaction matrix as [column, row, value] cells with the elements' names; the diagonal is left out. */
export function interactionCells(s: ShapleyView): { names: string[]; cells: [number, number, number][]; max: number } {
  const k = s.interactionElements.length;
  const names = s.interactionElements.map((e) => s.names[e] ?? String(e));
  const cells: [number, number, number][] = [];
  let max = 0;
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      if (r === c) continue;
      const v = s.interactions[r * k + c]!;
      if (!Number.isFinite(v)) continue;
      cells.push([c, r, v]);
      max = Math.max(max, Math.abs(v));
    }
  }
  return { names, cells, max };
}
