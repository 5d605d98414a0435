// The order bases are shown in (neurons, random, PCA, ICA, NMF, K-means, SAEs — baselines first, then by how much a
// method learns), the short names that tell them apart on an axis, and the quantile every box plot uses. Shared by the
// contract's method enum, the renderer and the report builder, so it imports nothing: any of them can load it.

export const BASIS_METHODS = ['neurons', 'random', 'pca', 'ica', 'nmf', 'kmeans', 'sae-l1', 'sae-topk', 'sae-batchtopk', 'sae-matryoshka', 'sae-jumprelu', 'sae-gated', 'sparse-coding', 'tca'] as const;

/** Position of a method in BASIS_METHODS; methods it does not list come last. */
export function methodRank(method: string): number {
  const i = (BASIS_METHODS as readonly string[]).indexOf(method);
  return i < 0 ? BASIS_METHODS.length : i;
}

/** Indices of `bases` in method order, then by id. */
export function methodOrder(bases: readonly { method: string; basisId: number }[]): number[] {
  return bases.map((_, i) => i).sort((a, b) => methodRank(bases[a]!.method) - methodRank(bases[b]!.method) || bases[a]!.basisId - bases[b]!.basisId);
}

/** The bases themselves in method order, then by id. */
export function basesInMethodOrder<B extends { method: string; basisId: number }>(bases: B[]): B[] {
  return [...bases].sort((a, b) => methodRank(a.method) - methodRank(b.method) || a.basisId - b.basisId);
}

/** Axis label of a basis: its method, with its id where the method occurs more than once. */
export function shortName(b: { method: string; basisId: number }, all: readonly { method: string }[]): string {
  return all.filter((x) => x.method === b.method).length > 1 ? `${b.method} #${b.basisId}` : b.method;
}

/** Quantile q of sorted values, linear interpolation between order statistics (NumPy's default); NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export type BasisMethodName = (typeof BASIS_METHODS)[number];
