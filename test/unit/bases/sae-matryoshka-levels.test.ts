// h12gm (#12): Matryoshka's default nested prefixes start at about the input width d and double up to m (Bussmann et
// al.'s groups start at d), instead of m/16 at every m; an explicit nestLevels still wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matryoshkaDefaultLevels, matryoshkaPrefixes } from '../../../main/bases/sae-graph';
import { resolveSaeParams } from '../../../main/bases/sae';

test('sae-matryoshka: the default prefixes are d, 2d, …, m (at least two levels); an explicit nestLevels is kept', () => {
  assert.equal(matryoshkaDefaultLevels(256, 64), 3);
  assert.equal(matryoshkaDefaultLevels(4096, 512), 4);
  assert.equal(matryoshkaDefaultLevels(300, 64), 3, 'm not a power-of-two multiple of d: the smallest prefix is ≥ d');
  assert.equal(matryoshkaDefaultLevels(64, 64), 2, 'm = d still nests (m/2, m)');
  assert.equal(matryoshkaDefaultLevels(20, 64), 2);
  const planted = resolveSaeParams('matryoshka', { nFeatures: 256 }, 64);
  assert.deepEqual(matryoshkaPrefixes(planted.nFeatures, planted.nestLevels), [64, 128, 256]);
  const wide = resolveSaeParams('matryoshka', {}, 48);
  assert.deepEqual(matryoshkaPrefixes(wide.nFeatures, wide.nestLevels), [48, 96, 192, 384], 'the default m = 8·d');
  assert.equal(resolveSaeParams('matryoshka', { nFeatures: 256, nestLevels: 5 }, 64).nestLevels, 5);
});
