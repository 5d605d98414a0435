// h12btk (#12): two sparsity frontiers compared at EQUAL L0. A TopK SAE's L0 is k exactly, a BatchTopK SAE's is what
// its inference threshold keeps on held-out rows (4.3 for k = 4 on the demo layer), so comparing the runs of equal k
// compares different sparsities. The SAE literature (Gao et al. 2024; Bussmann et al. 2024) compares frontiers at a
// common L0 by interpolating each one; here each frontier is linear in log L0 between its neighbouring runs, and
// nothing is extrapolated: an L0 outside a frontier's measured range has no value. Plain functions over structural
// types, shared by the Bases panel's frontier card, the tests and the bench, so all say the same.

export interface FrontierPoint {
  l0: number;
  ev: number;
}

/** One L0 at which both frontiers have a value: a run of either method, the other interpolated there. */
export interface EqualL0Gap {
  l0: number;
  /** Which frontier's run sits at this L0 (the other is interpolated). */
  measured: 'a' | 'b';
  evA: number;
  evB: number;
  /** evA − evB. */
  gap: number;
}

export interface FrontierComparison {
  gaps: EqualL0Gap[];
  /** Mean of the gaps, null when the frontiers do not overlap in L0. */
  meanGap: number | null;
  /** The smallest gap (A's worst L0 against B), null when they do not overlap. */
  minGap: number | null;
}

/**
 * The pair an equal-L0 comparison shows for the sides the user left unnamed (null): BatchTopK against TopK where both
 * have runs — the comparison #12 asks about — else the first methods with runs, never a method against itself. The
 * Bases panel's card and a frontier report sent without a pair (API, CLI) both pick with it, so they cannot disagree.
 */
export function defaultFrontierPair(methods: readonly string[], a: string | null, b: string | null): { a: string | null; b: string | null } {
  const pick = (prefer: string, not: string | null) => (methods.includes(prefer) && prefer !== not ? prefer : methods.find((m) => m !== not)) ?? null;
  const pairA = a ?? pick('sae-batchtopk', b);
  return { a: pairA, b: b ?? (pairA !== null ? pick('sae-topk', pairA) : null) };
}

/** Points with a positive L0 and a finite EV, sorted by L0; equal L0s averaged (a log scale needs L0 > 0). */
function usable(points: readonly FrontierPoint[]): FrontierPoint[] {
  const byL0 = new Map<number, number[]>();
  for (const p of points) if (p.l0 > 0 && Number.isFinite(p.l0) && Number.isFinite(p.ev)) byL0.set(p.l0, [...(byL0.get(p.l0) ?? []), p.ev]);
  return [...byL0.entries()].map(([l0, evs]) => ({ l0, ev: evs.reduce((s, e) => s + e, 0) / evs.length })).sort((x, y) => x.l0 - y.l0);
}

/** The frontier's EV at `l0`, linear in log L0 between its two neighbouring runs; null outside its L0 range. */
export function evAtL0(points: readonly FrontierPoint[], l0: number): number | null {
  const s = usable(points);
  if (!(l0 > 0) || s.length === 0 || l0 < s[0]!.l0 || l0 > s[s.length - 1]!.l0) return null;
  for (let i = 0; i < s.length; i++) {
    const a = s[i]!;
    if (a.l0 === l0) return a.ev;
    const b = s[i + 1];
    if (b && l0 > a.l0 && l0 < b.l0) {
      const t = (Math.log(l0) - Math.log(a.l0)) / (Math.log(b.l0) - Math.log(a.l0));
      return a.ev + t * (b.ev - a.ev);
    }
  }
  return null;
}

/**
 * A against B at equal L0: at every run of A inside B's L0 range (B interpolated) and every run of B inside A's
 * range (A interpolated), sorted by L0. A positive gap means A reconstructs more at that sparsity.
 */
export function compareAtEqualL0(a: readonly FrontierPoint[], b: readonly FrontierPoint[]): FrontierComparison {
  const gaps: EqualL0Gap[] = [];
  for (const p of usable(a)) {
    const evB = evAtL0(b, p.l0);
    if (evB !== null) gaps.push({ l0: p.l0, measured: 'a', evA: p.ev, evB, gap: p.ev - evB });
  }
  for (const p of usable(b)) {
    const evA = evAtL0(a, p.l0);
    if (evA !== null && !gaps.some((g) => g.l0 === p.l0)) gaps.push({ l0: p.l0, measured: 'b', evA, evB: p.ev, gap: evA - p.ev });
  }
  gaps.sort((x, y) => x.l0 - y.l0);
  const meanGap = gaps.length ? gaps.reduce((s, g) => s + g.gap, 0) / gaps.length : null;
  const minGap = gaps.length ? Math.min(...gaps.map((g) => g.gap)) : null;
  return { gaps, meanGap, minGap };
}

/**
 * h12front: where reconstruction stops improving along one frontier — for each run (in order of L0) the explained
 * variance it gains over the previous run per doubling of L0, (EVᵢ − EVᵢ₋₁) / log₂(L0ᵢ / L0ᵢ₋₁); null for the first
 * run, and for a run at the same L0 as the previous one.
 */
export function evPerDoubling(points: readonly FrontierPoint[]): { l0: number; ev: number; perDoubling: number | null }[] {
  const s = usable(points);
  return s.map((p, i) => {
    const prev = s[i - 1];
    return { l0: p.l0, ev: p.ev, perDoubling: prev && p.l0 > prev.l0 ? (p.ev - prev.ev) / Math.log2(p.l0 / prev.l0) : null };
  });
}
