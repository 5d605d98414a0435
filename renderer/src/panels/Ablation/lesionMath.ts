// What the lesion panels compute from a run's stored rows: changes against the clean model, the effect table's
// sorting, the lesion map's matrix, the steering curves and, per class, the elements whose loss hurts it most.
// Plain functions over the API's types (no Vue), so they are tested under Node on real runs.
import type { LesionResultRow, SweepSummary } from '../../../../main/api/schemas/lesions';

/** Parse "3, 17, 20-25" into sorted distinct indices; throws a sentence on bad input. */
export function parseIndexList(text: string, max = 4096): number[] {
  const out = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`“${part}” is not an index or a range like 20-25.`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new Error(`The range ${part} runs backwards.`);
    for (let i = a; i <= b; i++) {
      out.add(i);
      if (out.size > max) throw new Error(`At most ${max} elements can be chosen.`);
    }
  }
  if (!out.size) throw new Error('Name at least one element, e.g. 3, 17, 20-25.');
  return [...out].sort((x, y) => x - y);
}

/** Parse the α list of a steering sweep ("-4, -2, 0, 2, 4"). */
export function parseAlphas(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new Error('Steering needs at least one α, e.g. -4, -2, 0, 2, 4.');
  if (parts.length > 64) throw new Error('At most 64 values of α.');
  return parts.map((p) => {
    const v = Number(p);
    if (!Number.isFinite(v)) throw new Error(`“${p}” is not a number.`);
    return v;
  });
}

/** One row of the effect table: a lesion and its changes against the clean model. */
export interface EffectRow {
  key: string;
  element: number;
  name: string;
  alpha: number | null;
  deltaAccuracy: number | null;
  crossEntropy: number | null;
  kl: number | null;
  mse: number;
  cosine: number;
}

export function effectRows(results: LesionResultRow[], summary: SweepSummary | null): EffectRow[] {
  const clean = summary?.clean.accuracy ?? null;
  return results.map((r) => {
    const c = r.effects.classes;
    return {
      key: `${r.element}:${r.alpha ?? ''}:${r.position}`,
      element: r.element,
      name: r.name,
      alpha: r.alpha,
      deltaAccuracy: c && clean !== null ? c.accuracy - clean : null,
      crossEntropy: c?.crossEntropy ?? null,
      kl: c?.klCleanToLesioned ?? null,
      mse: r.effects.mse,
      cosine: r.effects.cosine,
    };
  });
}

export type EffectKey = 'element' | 'name' | 'alpha' | 'deltaAccuracy' | 'crossEntropy' | 'kl' | 'mse' | 'cosine';

/** Rows sorted by a column; missing values last whatever the direction. */
export function sortRows(rows: EffectRow[], key: EffectKey, dir: 1 | -1): EffectRow[] {
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return x === y ? a.element - b.element : x === null ? 1 : -1;
    if (typeof x === 'string' || typeof y === 'string') return dir * String(x).localeCompare(String(y));
    return dir * (x - y) || a.element - b.element;
  });
}

export type MapMeasure = 'accuracy' | 'logit';

/** The rows at one α (steering) or all rows (other modes), one per element, in the run's element order. */
export function rowsAt(results: LesionResultRow[], alpha: number | null): LesionResultRow[] {
  return results.filter((r) => alpha === null || r.alpha === alpha);
}

/** Elements × classes: Δ per-class accuracy (lesioned − clean) or mean Δ logit; null where a class has no stimulus. */
export function lesionMatrix(rows: LesionResultRow[], summary: SweepSummary | null, measure: MapMeasure): (number | null)[][] {
  const clean = summary?.clean.perClassAccuracy ?? null;
  return rows.map((r) => {
    const c = r.effects.classes;
    if (!c) return [];
    if (measure === 'logit') return c.meanDeltaLogit.slice();
    return c.perClassAccuracy.map((a, k) => (a === null || clean?.[k] === null || clean?.[k] === undefined ? null : a - clean[k]!));
  });
}

/** Class names of a run: the stimulus set's label names, else the class indices. */
export function classNames(results: LesionResultRow[], summary: SweepSummary | null): string[] {
  if (summary?.classNames?.length) return summary.classNames;
  const k = results.find((r) => r.effects.classes)?.effects.classes?.meanDeltaLogit.length ?? 0;
  return Array.from({ length: k }, (_, i) => String(i));
}

export interface Culprit {
  element: number;
  name: string;
  delta: number;
}

/**
 * For each class, the elements whose loss hurts it most: the largest drops of that class's accuracy (most negative
 * Δ), ties broken by the larger fall of its logit; only lesions that lower the class's accuracy are listed.
 */
export function worstPerClass(rows: LesionResultRow[], summary: SweepSummary | null, top = 3): Culprit[][] {
  const acc = lesionMatrix(rows, summary, 'accuracy');
  const logit = lesionMatrix(rows, summary, 'logit');
  const k = classNames(rows, summary).length;
  return Array.from({ length: k }, (_, cls) =>
    rows
      .map((r, i) => ({ element: r.element, name: r.name, delta: acc[i]?.[cls] ?? null, logit: logit[i]?.[cls] ?? 0 }))
      .filter((x): x is { element: number; name: string; delta: number; logit: number } => x.delta !== null && x.delta < 0)
      .sort((a, b) => a.delta - b.delta || a.logit - b.logit)
      .slice(0, top)
      .map(({ element, name, delta }) => ({ element, name, delta })),
  );
}

/** For one element of a steering sweep: α ascending, and per class the mean Δ logit or the accuracy at each α. */
export function steeringCurve(results: LesionResultRow[], element: number, measure: MapMeasure): { alphas: number[]; perClass: (number | null)[][] } {
  const rows = results.filter((r) => r.element === element && r.alpha !== null && r.effects.classes).sort((a, b) => a.alpha! - b.alpha!);
  const k = rows[0]?.effects.classes?.meanDeltaLogit.length ?? 0;
  return {
    alphas: rows.map((r) => r.alpha!),
    perClass: Array.from({ length: k }, (_, cls) =>
      rows.map((r) => (measure === 'logit' ? (r.effects.classes!.meanDeltaLogit[cls] ?? null) : (r.effects.classes!.perClassAccuracy[cls] ?? null))),
    ),
  };
}

/** The α values of a run's rows, ascending (empty for runs without steering). */
export function alphasOf(results: LesionResultRow[]): number[] {
  return [...new Set(results.flatMap((r) => (r.alpha === null ? [] : [r.alpha])))].sort((a, b) => a - b);
}
