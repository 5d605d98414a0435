// h12btk (#12): frontiers compared at equal L0 — linear in log L0 between neighbouring runs, nothing extrapolated,
// runs of either frontier inside the other's range compared, so a BatchTopK run at L0 4.3 meets TopK at 4.3, not at k = 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAtEqualL0, defaultFrontierPair, evAtL0, evPerDoubling } from '../../../main/bases/frontier-compare';

test('a frontier is interpolated in log L0 and has no value outside its runs', () => {
  // EV = 0.5 + 0.1·ln L0 is a straight line in log L0, so interpolation reproduces it exactly.
  const f = (l0: number) => 0.5 + 0.1 * Math.log(l0);
  const pts = [8, 2, 4].map((l0) => ({ l0, ev: f(l0) }));
  for (const l0 of [2, 2.5, 3, 4, 4.3, 7.9, 8]) assert.ok(Math.abs(evAtL0(pts, l0)! - f(l0)) < 1e-12, `L0 ${l0}`);
  assert.equal(evAtL0(pts, 1.99), null);
  assert.equal(evAtL0(pts, 8.01), null);
  assert.equal(evAtL0(pts, 0), null);
  assert.equal(evAtL0([], 4), null);
  // Not linear in L0 itself: halfway between 4 and 8 in log L0 is √32 ≈ 5.66, not 6.
  assert.ok(Math.abs(evAtL0(pts, Math.sqrt(32))! - (f(4) + f(8)) / 2) < 1e-12);
});

test('equal L0 compares each run with the other frontier at the same L0, not the run of equal k', () => {
  const topk = [
    { l0: 4, ev: 0.79 },
    { l0: 8, ev: 0.85 },
    { l0: 16, ev: 0.9 },
  ];
  // BatchTopK's runs land at L0 4.3 and 8.5 (its inference threshold), and at 17.1, beyond TopK's last run.
  const batchtopk = [
    { l0: 4.3, ev: 0.8 },
    { l0: 8.5, ev: 0.851 },
    { l0: 17.1, ev: 0.91 },
  ];
  const c = compareAtEqualL0(batchtopk, topk);
  const at = (l0: number) => c.gaps.find((g) => Math.abs(g.l0 - l0) < 1e-9)!;
  const topkAt43 = 0.79 + (0.06 * Math.log(4.3 / 4)) / Math.log(2);
  assert.ok(Math.abs(at(4.3).gap - (0.8 - topkAt43)) < 1e-12);
  assert.equal(at(4.3).measured, 'a');
  // Against the run of equal k the gap would read +0.010; at equal L0 it is +0.0037.
  assert.ok(at(4.3).gap < 0.004 && at(4.3).gap > 0.003);
  // At TopK's k = 8 BatchTopK is interpolated between its runs at 4.3 and 8.5 — here just below TopK.
  assert.equal(at(8).measured, 'b');
  const btkAt8 = 0.8 + (0.051 * Math.log(8 / 4.3)) / Math.log(8.5 / 4.3);
  assert.ok(Math.abs(at(8).gap - (btkAt8 - 0.85)) < 1e-12);
  assert.ok(at(8).gap < 0);
  // 17.1 lies outside TopK's runs, and TopK's L0 4 below BatchTopK's first: neither is compared.
  assert.deepEqual(c.gaps.map((g) => +g.l0.toFixed(2)), [4.3, 8, 8.5, 16]);
  assert.equal(c.minGap, Math.min(...c.gaps.map((g) => g.gap)));
  assert.ok(Math.abs(c.meanGap! - c.gaps.reduce((s, g) => s + g.gap, 0) / 4) < 1e-15);
  // Frontiers that do not overlap have nothing to compare.
  assert.deepEqual(compareAtEqualL0([{ l0: 1, ev: 0.5 }, { l0: 2, ev: 0.6 }], topk), { gaps: [], meanGap: null, minGap: null });
});

test('h12front: the EV a run gains over the previous one per doubling of L0, where reconstruction stops improving', () => {
  // EV = 1 − 1/(1 + L0) saturates: each doubling of L0 buys less.
  const f = (l0: number) => 1 - 1 / (1 + l0);
  const d = evPerDoubling([16, 2, 4, 8, 1].map((l0) => ({ l0, ev: f(l0) })));
  assert.deepEqual(d.map((p) => p.l0), [1, 2, 4, 8, 16]);
  assert.equal(d[0]!.perDoubling, null, 'the first run has nothing to gain over');
  for (let i = 1; i < d.length; i++) assert.ok(Math.abs(d[i]!.perDoubling! - (f(d[i]!.l0) - f(d[i - 1]!.l0))) < 1e-12, 'one doubling each');
  for (let i = 2; i < d.length; i++) assert.ok(d[i]!.perDoubling! < d[i - 1]!.perDoubling!, 'it falls towards 0');
  // Runs 3× apart in L0 gain per log₂ 3 doublings; runs at one L0 are averaged first (usable()).
  const e = evPerDoubling([{ l0: 2, ev: 0.5 }, { l0: 6, ev: 0.8 }, { l0: 6, ev: 0.6 }]);
  assert.equal(e.length, 2);
  assert.ok(Math.abs(e[1]!.perDoubling! - 0.2 / Math.log2(3)) < 1e-12);
});

test('the default pair is BatchTopK against TopK where both have runs, else the first lines, never a method against itself', () => {
  const all = ['sae-l1', 'sae-topk', 'sae-batchtopk', 'sae-gated'];
  assert.deepEqual(defaultFrontierPair(all, null, null), { a: 'sae-batchtopk', b: 'sae-topk' });
  // One side named: the other fills in around it.
  assert.deepEqual(defaultFrontierPair(all, 'sae-gated', null), { a: 'sae-gated', b: 'sae-topk' });
  assert.deepEqual(defaultFrontierPair(all, null, 'sae-gated'), { a: 'sae-batchtopk', b: 'sae-gated' });
  assert.deepEqual(defaultFrontierPair(all, 'sae-topk', null), { a: 'sae-topk', b: 'sae-l1' });
  assert.deepEqual(defaultFrontierPair(all, null, 'sae-batchtopk'), { a: 'sae-l1', b: 'sae-batchtopk' });
  // Without BatchTopK or TopK runs: the first two lines.
  assert.deepEqual(defaultFrontierPair(['sae-gated', 'sae-l1'], null, null), { a: 'sae-gated', b: 'sae-l1' });
  // One line: nothing to compare it with.
  assert.deepEqual(defaultFrontierPair(['sae-topk'], null, null), { a: 'sae-topk', b: null });
  assert.deepEqual(defaultFrontierPair([], null, null), { a: null, b: null });
  // Both named: kept as named.
  assert.deepEqual(defaultFrontierPair(all, 'sae-l1', 'sae-gated'), { a: 'sae-l1', b: 'sae-gated' });
});
