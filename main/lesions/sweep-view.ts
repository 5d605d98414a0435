// What a sweep's stored rows say, derived the same way wherever they are shown (the Ablation panel, the feature card,
// the report): changes against the clean model, the effect table's sorting, the lesion map's matrix, the steering
// curves and, per class, the elements whose loss hurts it most. Plain functions over structural types (the API's
// LesionResultRow and SweepSummary fit them), so no room below the API imports it.

export interface ClassEffectsView {
  accuracy: number;
  perClassAccuracy: (number | null)[];
  meanDeltaLogit: number[];
  /** Absent in runs made before it was stored. */
  meanProbability?: number[];
  crossEntropy: number;
  klCleanToLesioned: number;
}

/** One stored lesion of a sweep. */
export interface SweepRow {
  position: number;
  element: number;
  name: string;
  alpha: number | null;
  effects: { mse: number; cosine: number; classes: ClassEffectsView | null };
}

/** What the rows are compared with: the clean model's accuracies and the class names. */
export interface SweepClean {
  classNames: string[] | null;
  clean: { accuracy: number | null; perClassAccuracy: (number | null)[] | null; meanProbability?: number[] | null };
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

export function effectRows(results: SweepRow[], summary: SweepClean | null): EffectRow[] {
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

export type MapMeasure = 'accuracy' | 'logit' | 'probability';

/** The rows at one α (steering) or all rows (other modes), one per element, in the run's element order. */
export function rowsAt(results: SweepRow[], alpha: number | null): SweepRow[] {
  return results.filter((r) => alpha === null || r.alpha === alpha);
}

/** Elements × classes: Δ per-class accuracy (lesioned − clean) or mean Δ logit; null where a class has no stimulus. */
export function lesionMatrix(rows: SweepRow[], summary: SweepClean | null, measure: MapMeasure): (number | null)[][] {
  const clean = summary?.clean.perClassAccuracy ?? null;
  return rows.map((r) => {
    const c = r.effects.classes;
    if (!c) return [];
    if (measure === 'logit') return c.meanDeltaLogit.slice();
    if (measure === 'probability') {
      const base = summary?.clean.meanProbability ?? null;
      return (c.meanProbability ?? []).map((p, k) => (base?.[k] === undefined ? null : p - base[k]!));
    }
    return c.perClassAccuracy.map((a, k) => (a === null || clean?.[k] === null || clean?.[k] === undefined ? null : a - clean[k]!));
  });
}

/** Class names of a run: the stimulus set's label names, else the class indices. */
export function classNames(results: SweepRow[], summary: SweepClean | null): string[] {
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
export function worstPerClass(rows: SweepRow[], summary: SweepClean | null, top = 3): Culprit[][] {
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

/** For one element of a steering sweep: α ascending, and per class the mean Δ logit, mean probability or accuracy at each α. */
export function steeringCurve(results: SweepRow[], element: number, measure: MapMeasure): { alphas: number[]; perClass: (number | null)[][] } {
  const rows = results.filter((r) => r.element === element && r.alpha !== null && r.effects.classes).sort((a, b) => a.alpha! - b.alpha!);
  const k = rows[0]?.effects.classes?.meanDeltaLogit.length ?? 0;
  return {
    alphas: rows.map((r) => r.alpha!),
    perClass: Array.from({ length: k }, (_, cls) =>
      rows.map((r) => {
        const c = r.effects.classes!;
        if (measure === 'logit') return c.meanDeltaLogit[cls] ?? null;
        if (measure === 'probability') return c.meanProbability?.[cls] ?? null;
        return c.perClassAccuracy[cls] ?? null;
      }),
    ),
  };
}

/** The α values of a run's rows, ascending (empty for runs without steering). */
export function alphasOf(results: SweepRow[]): number[] {
  return [...new Set(results.flatMap((r) => (r.alpha === null ? [] : [r.alpha])))].sort((a, b) => a - b);
}
