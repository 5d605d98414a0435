// What the lesion panels send (#10): the typed element list and α list, and the target draft turned into API
// parameters — a pinned collection becomes the features of the chosen basis only, a clamp needs its value, and every
// mistake is one sentence. The params are then checked by the contract's own zod schema, as the router would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { methodSchemas } from '../../../main/api/contract';
import { parseAlphas, parseIndexList } from '../../../renderer/src/panels/Ablation/lesionMath';
import { drafts, targetParams, type TargetDraft } from '../../../renderer/src/panels/Ablation/targetDraft';

test('element lists: indices and ranges, sorted and distinct; bad input is one sentence', () => {
  assert.deepEqual(parseIndexList('17, 3, 20-23, 3'), [3, 17, 20, 21, 22, 23]);
  assert.deepEqual(parseIndexList(' 0 - 2 '), [0, 1, 2]);
  assert.throws(() => parseIndexList('3, x'), /^Error: “x” is not an index or a range like 20-25\.$/);
  assert.throws(() => parseIndexList('5-2'), /runs backwards/);
  assert.throws(() => parseIndexList(' , '), /at least one element/);
  assert.throws(() => parseIndexList('0-5000'), /At most 4096 elements/);
  assert.deepEqual(parseAlphas('-4, -2.5, 0, 1e1'), [-4, -2.5, 0, 10]);
  assert.throws(() => parseAlphas('1, two'), /“two” is not a number/);
});

test('target drafts become parameters the contract accepts', () => {
  const collections = [
    { name: 'fav', items: [{ basisId: 2, feature: 9 }, { basisId: 3, feature: 1 }, { basisId: 2, feature: 4 }] },
    { name: 'other', items: [{ basisId: 3, feature: 0 }] },
  ];
  const d: TargetDraft = { ...drafts.ablation, harvestId: 1, basisId: 2, source: 'basis', elementsKind: 'collection', collection: 'fav', mode: 'zero', stimuli: '500' };
  const p = targetParams(d, collections);
  assert.deepEqual(p, { basisId: 2, elements: { kind: 'list', indices: [4, 9] }, mode: 'zero', positions: 'all', stimuli: 500 });
  assert.ok(methodSchemas['lesions.ablate'].safeParse(p).success);
  assert.throws(() => targetParams({ ...d, collection: 'other' }, collections), /has no pinned feature of this basis/);
  assert.throws(() => targetParams({ ...d, source: 'harvest' }, collections), /Collections pin features of a basis/);

  const units = targetParams({ ...d, source: 'harvest', elementsKind: 'list', listText: '0-3', mode: 'clamp', value: '2.5' }, collections);
  assert.deepEqual(units, { harvestId: 1, elements: { kind: 'list', indices: [0, 1, 2, 3] }, mode: 'clamp', value: 2.5, positions: 'all', stimuli: 500 });
  const shapley = { ...units, game: 'logit:3', method: 'auto', samples: 100, interactions: 4 };
  assert.ok(methodSchemas['lesions.shapley'].safeParse(shapley).success);
  assert.throws(() => targetParams({ ...d, mode: 'clamp', value: '' }, collections), /Clamp needs a value/);
  assert.throws(() => targetParams({ ...d, elementsKind: 'top', topBy: ' ' }, collections), /Name the metric/);
  assert.deepEqual(targetParams({ ...d, elementsKind: 'top', topN: 5, topBy: '2afc-label' }, collections).elements, { kind: 'top', n: 5, by: '2afc-label' });
  assert.throws(() => targetParams({ ...d, stimuli: 0 }, collections), /Stimuli must be a whole number from 1 to 100,000/);
  assert.throws(() => targetParams({ ...d, harvestId: null }, collections), /Choose a finished harvest/);
});
