// The loss-recovered score's known answers: a splice as bad as the ablation scores 0, one as good as the clean model
// scores 1, halfway scores 0.5; an ablation that costs nothing leaves the score undefined (null), not a division by 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recoveredFraction } from '../../../main/lesions/loss-recovered';

test('loss recovered: (L_ablated − L_spliced) / (L_ablated − L_clean) at its known points', () => {
  assert.equal(recoveredFraction(2.3, 2.3, 0.4), 0, 'the zero baseline spliced in scores 0');
  assert.equal(recoveredFraction(2.3, 0.4, 0.4), 1, 'a perfect reconstruction scores 1');
  assert.ok(Math.abs(recoveredFraction(2.4, 1.4, 0.4)! - 0.5) < 1e-12);
  assert.ok(recoveredFraction(2.4, 3.4, 0.4)! < 0, 'a splice worse than ablating scores below 0');
  assert.equal(recoveredFraction(0.4, 0.5, 0.4), null, 'no loss to recover');
});
