// What a lesion run is aimed at — harvest or basis, which elements, which intervention, where, on how many stimuli —
// as the form holds it (strings as typed), one draft per panel kept across panel switches, and its translation into
// the API's parameters with one sentence per mistake.
import { reactive } from 'vue';
import type { ElementSelection, LesionMode } from '../../../../main/api/schemas/lesions';
import type { Collection } from '../Features/featureState';
import { parseAlphas, parseIndexList } from './lesionMath';

export type ElementsKind = 'collection' | 'list' | 'top' | 'all';

export interface TargetDraft {
  source: 'basis' | 'harvest';
  harvestId: number | null;
  basisId: number | null;
  elementsKind: ElementsKind;
  collection: string;
  listText: string;
  topN: string | number;
  topBy: string;
  mode: LesionMode;
  value: string | number;
  alphasText: string;
  positions: 'all' | 'centre';
  stimuli: string | number;
}

function newDraft(mode: LesionMode, elementsKind: ElementsKind): TargetDraft {
  return reactive({
    source: 'basis',
    harvestId: null,
    basisId: null,
    elementsKind,
    collection: 'favourites',
    listText: '0-7',
    topN: 8,
    topBy: '',
    mode,
    value: 0,
    alphasText: '-4, -2, 0, 2, 4',
    positions: 'all',
    stimuli: 1000,
  }) as TargetDraft;
}

export const drafts = { ablation: newDraft('zero', 'all'), shapley: newDraft('zero', 'list') };
export type DraftRoom = keyof typeof drafts;

export interface TargetParams {
  harvestId?: number;
  basisId?: number;
  elements: ElementSelection;
  mode: LesionMode;
  value?: number;
  positions: 'all' | 'centre';
  stimuli: number;
}

function wholeNumber(v: string | number, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be a whole number from ${min} to ${max.toLocaleString('en-US')}.`);
  return n;
}

/** The draft as API parameters; throws one sentence when something is missing or malformed. */
export function targetParams(d: TargetDraft, collections: Collection[]): TargetParams {
  if (d.harvestId === null) throw new Error('Choose a finished harvest first.');
  if (d.source === 'basis' && d.basisId === null) throw new Error('Choose a basis, or lesion the harvest’s units instead.');
  let elements: ElementSelection;
  if (d.elementsKind === 'all') elements = { kind: 'all' };
  else if (d.elementsKind === 'top') {
    if (!d.topBy.trim()) throw new Error('Name the metric the top elements are ranked by.');
    elements = { kind: 'top', n: wholeNumber(d.topN, 'N', 1, 4096), by: d.topBy.trim() };
  } else if (d.elementsKind === 'list') elements = { kind: 'list', indices: parseIndexList(d.listText) };
  else {
    if (d.source !== 'basis') throw new Error('Collections pin features of a basis: choose a basis, or list the units.');
    const c = collections.find((x) => x.name === d.collection);
    const indices = (c?.items ?? []).filter((i) => i.basisId === d.basisId).map((i) => i.feature);
    if (!indices.length) throw new Error(`Collection “${d.collection}” has no pinned feature of this basis; pin some in Features.`);
    elements = { kind: 'list', indices: [...new Set(indices)].sort((a, b) => a - b) };
  }
  const p: TargetParams = {
    ...(d.source === 'basis' ? { basisId: d.basisId! } : { harvestId: d.harvestId }),
    elements,
    mode: d.mode,
    positions: d.positions,
    stimuli: wholeNumber(d.stimuli, 'Stimuli', 1, 100000),
  };
  if (d.mode === 'clamp') {
    const v = Number(d.value);
    if (d.value === '' || !Number.isFinite(v)) throw new Error('Clamp needs a value.');
    p.value = v;
  }
  return p;
}

/** The α list of a steering draft (throws a sentence when malformed). */
export function draftAlphas(d: TargetDraft): number[] {
  return parseAlphas(d.alphasText);
}
