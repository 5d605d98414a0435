// What the Features panel works on — harvest, basis, selected feature, the collection pins go to — kept outside the
// components so a click elsewhere (a neighbour in another basis, a pinned item, the Compare panel) can jump here.
import { reactive } from 'vue';
import type { MetricDefinition, MetricName } from '../../../../main/api/contract';
import { call } from '../../api';
import { state } from '../../store';

export interface Collection {
  name: string;
  items: { basisId: number; feature: number }[];
}

export const fview = reactive({
  harvestId: null as number | null,
  basisId: null as number | null,
  feature: null as number | null,
  /** The collection `p` pins to. */
  collection: localStorage.getItem('cajal.collection') ?? 'favourites',
  collections: [] as Collection[],
  definitions: [] as MetricDefinition[],
});

/** Open a feature of a basis in the Features panel (from anywhere). */
export function jumpToFeature(basisId: number, feature: number): void {
  const b = state.bases.find((x) => x.id === basisId);
  if (b) fview.harvestId = b.harvestId;
  fview.basisId = basisId;
  fview.feature = feature;
  state.panel = 'features';
}

let defsPromise: Promise<MetricDefinition[]> | null = null;
/** The metric definitions (formula, source, departure), fetched once. */
export function loadDefinitions(): Promise<MetricDefinition[]> {
  if (!defsPromise) {
    defsPromise = call('metrics.definitions', {})
      .then((d) => {
        fview.definitions = d;
        return d;
      })
      .catch((err: unknown) => {
        defsPromise = null;
        throw err;
      });
  }
  return defsPromise;
}

export function definitionOf(name: MetricName): MetricDefinition | undefined {
  return fview.definitions.find((d) => d.name === name);
}

/** Short column/axis title of a metric. */
export function metricTitle(name: MetricName): string {
  return definitionOf(name)?.title ?? name;
}

/** The definition as hover text: title, formula, source, and where the lab departs from it. */
export function metricTooltip(name: MetricName): string {
  const d = definitionOf(name);
  if (!d) return name;
  const lines = [`${d.title} (${d.name})`, d.formula, `Source: ${d.source}`];
  if (d.departure) lines.push(`Departure: ${d.departure}`);
  if (d.needsLabels) lines.push('Needs a labelled stimulus set.');
  if (d.needsPerceptualModel) lines.push('Needs a perceptual model.');
  return lines.join('\n');
}

export async function refreshCollections(): Promise<void> {
  fview.collections = await call('collections.list', {});
}

export function isPinned(name: string, basisId: number, feature: number): boolean {
  const c = fview.collections.find((x) => x.name === name);
  return !!c && c.items.some((i) => i.basisId === basisId && i.feature === feature);
}

/** Pin or unpin a feature in the current collection; returns whether it is pinned now. */
export async function togglePin(basisId: number, feature: number): Promise<boolean> {
  const name = fview.collection.trim() || 'favourites';
  const pinned = !isPinned(name, basisId, feature);
  const c = await call('collections.pin', { name, basisId, feature, pinned });
  const i = fview.collections.findIndex((x) => x.name === c.name);
  if (i >= 0) fview.collections[i] = c;
  else fview.collections.push(c);
  return pinned;
}

export function setCollection(name: string): void {
  fview.collection = name;
  localStorage.setItem('cajal.collection', name);
}

/** Methods in the order every comparison shows them. */
export const METHOD_ORDER = ['neurons', 'random', 'pca', 'ica', 'nmf', 'kmeans', 'sae-l1', 'sae-topk', 'sparse-coding'] as const; // sparse-coding: i12
