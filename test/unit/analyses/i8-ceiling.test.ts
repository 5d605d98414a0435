// Issue #8 item 9: a metric whose random-direction null sits at its ceiling (or floor) is flagged as unable to
// discriminate; the demo leads with the first metric that is not flagged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leadingMetric, nullSaturation, saturationSentence } from '../../../main/analyses/ceiling';
import { Rng } from '../../../main/util/random';

test('a 2AFC null at 1.000 (as random directions on MNIST hidden1) is at the ceiling; one near chance is not', () => {
  const rng = new Rng(3);
  const atCeiling = Array.from({ length: 256 }, (_, i) => (i % 10 === 0 ? 0.9 + 0.1 * rng.float() : 1));
  const s = nullSaturation('2afc-label', atCeiling);
  assert.ok(s);
  assert.equal(s.at, 'ceiling');
  assert.equal(s.bound, 1);
  assert.equal(s.nullMedian, 1);
  assert.ok(Math.abs(s.atBound - 0.9) < 0.01);
  assert.equal(saturationSentence('2afc-label', s), '2afc-label cannot discriminate on this harvest: random directions sit at its ceiling (null median 1.000, 90% of them at 1).');
  const nearChance = Array.from({ length: 256 }, () => 0.45 + 0.2 * rng.float());
  assert.equal(nullSaturation('2afc-label', nearChance), null);
});

test('floors and metrics without a bound', () => {
  assert.equal(nullSaturation('label-purity', [0, 0, 0, 0.1])?.at, 'floor');
  assert.equal(nullSaturation('label-entropy', [0, 0, -0.2])?.at, 'ceiling');
  assert.equal(nullSaturation('label-entropy', [-1.2, -2, -0.5]), null);
  // Pixel consistency is a negative distance and compression a ratio: no fixed bound, never flagged.
  assert.equal(nullSaturation('consistency-pixel', [0, 0, 0]), null);
  assert.equal(nullSaturation('compression', [1, 1, 1]), null);
  assert.equal(nullSaturation('2afc-pixel', []), null);
});

test('the leading metric is the first preferred one that is not flagged', () => {
  const flagged = { '2afc-label': { at: 'ceiling' as const, bound: 1, nullMedian: 1, atBound: 1 } };
  assert.equal(leadingMetric(['2afc-label', 'label-purity', 'consistency-pixel'], ['2afc-label', 'consistency-pixel', 'label-purity'], flagged), 'label-purity');
  assert.equal(leadingMetric(['2afc-label'], ['2afc-label', 'compression'], flagged), 'compression');
  assert.equal(leadingMetric(['2afc-label'], ['2afc-label'], flagged), null);
});
