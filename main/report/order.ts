// The order a report shows bases in — the contract's method order (neurons, random, PCA, ICA, NMF, K-means, SAEs),
// then by id — and the short names that tell them apart on an axis.
import { basisMethodSchema, type ComparisonBasis } from '../api/contract';

const rank = (method: string) => {
  const i = (basisMethodSchema.options as readonly string[]).indexOf(method);
  return i < 0 ? basisMethodSchema.options.length : i;
};

export function basesInMethodOrder<B extends { method: string; basisId: number }>(bases: B[]): B[] {
  return [...bases].sort((a, b) => rank(a.method) - rank(b.method) || a.basisId - b.basisId);
}

/** The method, with the basis id where the method occurs more than once. */
export function shortName(b: Pick<ComparisonBasis, 'method' | 'basisId'>, all: Pick<ComparisonBasis, 'method'>[]): string {
  return all.filter((x) => x.method === b.method).length > 1 ? `${b.method} #${b.basisId}` : b.method;
}
