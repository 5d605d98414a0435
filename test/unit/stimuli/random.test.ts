import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveSeed, Rng } from '../../../main/util/random';

/** The mean and variance of n draws, each of which must pass `valid`. */
function moments(n: number, draw: () => number, valid: (x: number) => boolean): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    if (!valid(x)) assert.fail(`draw ${i} is ${x}`);
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean };
}

describe('Rng (xoshiro128**)', () => {
  test('matches the reference algorithm on a hand-checkable state', () => {
    // With state [1,2,3,4] the first output is rotl(2·5, 7)·9 = 1280·9.
    const rng = Rng.fromState({ s: [1, 2, 3, 4], spareNormal: null });
    assert.equal(rng.nextUint32(), 11520);
  });

  test('the same seed gives the same sequence; different seeds differ', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  test('seeds beyond 32 bits and negative seeds are distinct from their truncations', () => {
    const first = (seed: number) => new Rng(seed).nextUint32();
    assert.notEqual(first(2 ** 32 + 5), first(5));
    assert.notEqual(first(-5), first(5));
  });

  test('float() lies in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12', () => {
    const rng = new Rng(1);
    const { mean, variance } = moments(200_000, () => rng.float(), (x) => x >= 0 && x < 1);
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  });

  test('normal() has the requested mean and standard deviation', () => {
    const rng = new Rng(7);
    const { mean, variance } = moments(200_000, () => rng.normal(3, 2), Number.isFinite);
    const std = Math.sqrt(variance);
    assert.ok(Math.abs(mean - 3) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(std - 2) < 0.03, `std ${std}`);
  });

  test('int() stays in range and hits every value about equally often', () => {
    const rng = new Rng(3);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) {
      const k = rng.int(-3, 4);
      assert.ok(k >= -3 && k < 4 && Number.isInteger(k));
      counts[k + 3]++;
    }
    // Chi-square with 6 degrees of freedom; 22.5 is the 0.999 quantile.
    const expected = n / 7;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 22.5, `chi2 ${chi2}`);
    assert.throws(() => rng.int(5, 5), RangeError);
  });

  test('shuffle() and permutation() produce permutations, and differ by seed', () => {
    const p = new Rng(9).permutation(1000);
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
    assert.notDeepEqual([...p], [...new Rng(10).permutation(1000)]);
    const arr = ['a', 'b', 'c', 'd'];
    assert.deepEqual(new Rng(1).shuffle([...arr]).sort(), arr);
  });

  test('sampleIndices() gives k distinct indices', () => {
    const s = new Rng(5).sampleIndices(50, 20);
    assert.equal(new Set(s).size, 20);
    assert.ok([...s].every((i) => i < 50));
  });

  test('weightedIndex() never picks a zero weight and follows the weights', () => {
    const rng = new Rng(11);
    const w = [0, 1, 0, 3];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[rng.weightedIndex(w)]++;
    assert.equal(counts[0], 0);
    assert.equal(counts[2], 0);
    assert.ok(Math.abs(counts[3] / counts[1] - 3) < 0.2);
    assert.throws(() => rng.weightedIndex([0, 0]), RangeError);
  });

  test('a saved state resumes the exact sequence, including a pending normal', () => {
    const rng = new Rng(123);
    rng.normal();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.normal(), rng.normal(), rng.float()];
    const resumed = Rng.fromState(saved);
    assert.deepEqual([resumed.normal(), resumed.normal(), resumed.float()], expected);
  });
});

describe('deriveSeed', () => {
  test('gives distinct seeds for many (seed, index) pairs and depends on key order', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 10; s++) for (let i = 0; i < 2000; i++) seen.add(deriveSeed(s, i));
    assert.equal(seen.size, 20_000);
    assert.notEqual(deriveSeed(1, 2, 3), deriveSeed(1, 3, 2));
    assert.equal(deriveSeed(1, 2, 3), deriveSeed(1, 2, 3));
  });

  test('streams for neighbouring indices are uncorrelated', () => {
    const n = 20_000;
    const a = Rng.stream(0, 0);
    const b = Rng.stream(0, 1);
    let dot = 0;
    for (let i = 0; i < n; i++) dot += a.normal() * b.normal();
    assert.ok(Math.abs(dot / n) < 0.04, `correlation ${dot / n}`);
  });
});
