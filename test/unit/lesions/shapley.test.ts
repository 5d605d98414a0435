// MSA on pure games: hand-computed 3-player values, additive games (values = contributions, interactions 0),
// permutation sampling against enumeration, efficiency, the coalition cache, bootstrap flags with Holm's correction,
// and the game conformance check every game (pure or lesion-backed) must pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalitionFromMask, functionGame, type Game } from '../../../main/lesions/game';
import { bootstrapSignificance, holm } from '../../../main/lesions/shapley/bootstrap';
import { cachedGame, memoryStore } from '../../../main/lesions/shapley/cache';
import { exactInteractions, exactShapley } from '../../../main/lesions/shapley/exact';
import { sampledInteractions } from '../../../main/lesions/shapley/interactions';
import { sampleShapley } from '../../../main/lesions/shapley/sampling';
import { UserError } from '../../../main/errors';

const names = (n: number) => Array.from({ length: n }, (_, i) => `e${i}`);

/** Conformance: every Game answers one value per coalition, the same however the coalitions are batched. */
export async function assertGameConforms(game: Game): Promise<void> {
  assert.equal(game.names.length, game.players);
  const n = game.players;
  const cs = [new Uint8Array(n), new Uint8Array(n).fill(1), coalitionFromMask(1, n), coalitionFromMask(2, n)];
  const together = await game.values(cs);
  assert.equal(together.length, cs.length);
  for (let i = 0; i < cs.length; i++) {
    const alone = await game.values([cs[i]!]);
    assert.ok(Math.abs(alone[0]! - together[i]!) < 1e-9, `coalition ${i} the same alone and batched`);
    assert.ok(Number.isFinite(together[i]!));
  }
  const reversed = await game.values([...cs].reverse());
  reversed.forEach((v, i) => assert.ok(Math.abs(v - together[cs.length - 1 - i]!) < 1e-9));
}

// Table game: v({})=0, v(A)=10, v(B)=20, v(C)=30, v(AB)=40, v(AC)=50, v(BC)=60, v(ABC)=90. By hand over the six
// orderings: φ_A = (10+10+20+30+20+30)/6 = 20, φ_B = (30+40+20+20+40+30)/6 = 30, φ_C = (50+40+50+40+30+30)/6 = 40.
const table3 = [0, 10, 20, 40, 30, 50, 60, 90];
const tableGame = functionGame(['A', 'B', 'C'], (c) => table3[c[0]! | (c[1]! << 1) | (c[2]! << 2)]!);

test('exact values of hand-computed 3-player games', async () => {
  await assertGameConforms(tableGame);
  const r = await exactShapley(tableGame);
  [20, 30, 40].forEach((want, i) => assert.ok(Math.abs(r.values[i]! - want) < 1e-12, `φ_${i} = ${r.values[i]}`));
  // Veto game: v(S) = 1 when S holds player 0 and at least one other. φ = (2/3, 1/6, 1/6).
  const veto = functionGame(names(3), (c) => (c[0] && (c[1] || c[2]) ? 1 : 0));
  const v = await exactShapley(veto);
  [2 / 3, 1 / 6, 1 / 6].forEach((want, i) => assert.ok(Math.abs(v.values[i]! - want) < 1e-12));
  // Pure complementarity: v = 1 only with both A and B: γ_AB = 1, γ_A (B lesioned) = 0 = γ_B, so interaction 1.
  const both = functionGame(names(2), (c) => (c[0] && c[1] ? 1 : 0));
  const b = await exactShapley(both);
  assert.equal(exactInteractions(b.table, 2, [0, 1])[1], 1);
});

test('additive game: each value is its contribution and every interaction is 0, exact and sampled', async () => {
  const contribution = [3, -1, 0.5, 7, 0, 2.25];
  const additive = functionGame(names(6), (c) => 4 + contribution.reduce((s, w, i) => s + w * c[i]!, 0));
  await assertGameConforms(additive);
  const exact = await exactShapley(additive);
  contribution.forEach((w, i) => assert.ok(Math.abs(exact.values[i]! - w) < 1e-12));
  exactInteractions(exact.table, 6, [0, 1, 2, 3]).forEach((g) => assert.ok(Math.abs(g) < 1e-12));
  const sampled = await sampleShapley(additive, { maxPermutations: 20, seed: 3 });
  contribution.forEach((w, i) => assert.ok(Math.abs(sampled.values[i]! - w) < 1e-12, 'every marginal is exact'));
  (await sampledInteractions(cachedGame(additive), [0, 3], { permutations: 10 })).forEach((g) =>
    assert.ok(Math.abs(g) < 1e-12),
  );
});

// A nonlinear 10-player game: a saturating sum with a pairwise synergy and a redundancy.
const w10 = [5, 3, 2, 1, 0.5, 0, 4, 2, 1, 0.25];
const nonlinear = functionGame(names(10), (c) => {
  let s = w10.reduce((acc, w, i) => acc + w * c[i]!, 0);
  if (c[0] && c[1]) s += 3;
  if (c[6] || c[7]) s += 2;
  return 20 * Math.tanh(s / 15);
});

test('sampled values fall within 3 standard errors of exact ones; efficiency to 1e-6', async () => {
  const exact = await exactShapley(nonlinear);
  const sum = exact.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - (exact.vAll - exact.vNone)) < 1e-9, 'exact efficiency');
  const sampled = await sampleShapley(cachedGame(nonlinear), { maxPermutations: 300, seed: 7, batch: 32 });
  const sampledSum = sampled.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sampledSum - (exact.vAll - exact.vNone)) < 1e-6, `sampled efficiency ${sampledSum}`);
  let outside = 0;
  exact.values.forEach((phi, i) => {
    const se = sampled.stderr[i]!;
    if (se === 0) assert.ok(Math.abs(sampled.values[i]! - phi) < 1e-9);
    else if (Math.abs(sampled.values[i]! - phi) > 3 * se) outside++;
  });
  assert.equal(outside, 0, 'no value more than 3 standard errors from the exact one');
  assert.equal(sampled.series.length, Math.ceil(300 / 32));
  assert.equal(sampled.series.at(-1)!.permutations, 300);
});

test('sampling stops at the tolerance, else at the budget', async () => {
  const loose = await sampleShapley(nonlinear, { maxPermutations: 5000, tolerance: 0.2, seed: 1, batch: 8 });
  assert.equal(loose.stoppedBy, 'tolerance');
  assert.ok(loose.permutations < 5000);
  loose.stderr.forEach((s) => assert.ok(s <= 0.2));
  const tight = await sampleShapley(nonlinear, { maxPermutations: 40, tolerance: 1e-9, seed: 1 });
  assert.equal(tight.stoppedBy, 'budget');
  assert.equal(tight.permutations, 40);
});

test('each distinct coalition is evaluated once; a bigger sample on the same store reuses the values', async () => {
  let calls = 0;
  const counting: Game = {
    ...nonlinear,
    values: (cs, s) => {
      calls += cs.length;
      return nonlinear.values(cs, s);
    },
  };
  const store = memoryStore();
  const first = cachedGame(counting, store);
  await sampleShapley(first, { maxPermutations: 50, seed: 2 });
  assert.equal(calls, store.size(), 'no coalition evaluated twice');
  assert.ok(calls < 50 * 11, 'shared coalitions (none, all) evaluated once');
  const before = calls;
  const second = cachedGame(counting, store);
  const bigger = await sampleShapley(second, { maxPermutations: 100, seed: 2 });
  const again = await sampleShapley(nonlinear, { maxPermutations: 100, seed: 2 });
  assert.deepEqual(Array.from(bigger.values), Array.from(again.values), 'cached values are the same values');
  assert.ok(calls - before < 100 * 11 - 2 * 50, 'the first 50 permutations came from the store');
  await exactShapley(second);
  assert.equal(store.size(), 1024);
});

test('exact MSA over more than 12 elements is refused in one sentence, nothing evaluated', async () => {
  let calls = 0;
  const big = functionGame(names(13), () => calls++);
  await assert.rejects(exactShapley(big), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /limited to 12 elements \(you chose 13\)/);
    assert.equal(e.message.split('. ').length, 1);
    return true;
  });
  assert.equal(calls, 0);
});

test('bootstrap with Holm correction flags the elements that matter and no others', async () => {
  assert.deepEqual(holm([0.01, 0.04, 0.03, 0.005]).map((p) => +p.toFixed(6)), [0.03, 0.06, 0.06, 0.02]);
  // Exact values: φ1 = 2, φ4 = 1.875, φ5 = 0.375, φ8 = 1, φ2 = +0.005, φ3 = −0.005 (small but in every sample),
  // φ0 = 0.005 − 0.005 = 0 although its marginals are ±0.01 (a noisy null), the rest exactly 0.
  const planted = functionGame(names(10), (c) => {
    const base = 2 * c[1]! + 1.5 * c[4]! * (1 + 0.5 * c[5]!) + 1 * c[8]!;
    return base + (c[0]! && c[2]! ? 0.01 : 0) - (c[0]! && c[3]! ? 0.01 : 0);
  });
  const s = await sampleShapley(planted, { maxPermutations: 200, seed: 5 });
  const flags = bootstrapSignificance(s.marginals, 10, { resamples: 500, seed: 4 });
  const matters = flags.flatMap((f, i) => (f.matters ? [i] : []));
  const exact = await exactShapley(planted);
  assert.ok(Math.abs(exact.values[0]!) < 1e-12 && Math.abs(exact.values[2]! - 0.005) < 1e-12);
  assert.deepEqual(matters, [1, 2, 3, 4, 5, 8], 'the noisy null 0 and the exact nulls are not flagged');
  flags.forEach((f, i) => assert.ok(f.low <= s.values[i]! && s.values[i]! <= f.high));
});

test('a cancelled sample stops with an AbortError', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(sampleShapley(nonlinear, { maxPermutations: 10, signal: ac.signal }), /abort/i);
});

test('adaptive (Neuron Shapley) sampling finds the planted top contributors among 200 with few evaluations', async () => {
  const { adaptiveTopShapley } = await import('../../../main/lesions/shapley/adaptive');
  const n = 200;
  const weight = Array.from({ length: n }, (_, i) => (i === 17 ? 12 : i === 120 ? 9 : i === 64 ? 7 : 0.05 + (i % 7) * 0.02));
  let evaluated = 0;
  const inner = functionGame(names(n), (c) => 30 * Math.tanh(weight.reduce((s, w, i) => s + w * c[i]!, 0) / 25));
  const game: Game = { ...inner, values: (cs, s) => ((evaluated += cs.length), inner.values(cs, s)) };
  const r = await adaptiveTopShapley(game, { topK: 3, maxPermutations: 200, minPermutations: 4, seed: 11, truncation: 0.01 });
  assert.deepEqual([...r.top].sort((a, b) => a - b), [17, 64, 120]);
  assert.equal(r.stoppedBy, 'settled');
  const plain = r.permutations * (n + 1);
  assert.ok(evaluated < plain / 2, `evaluated ${evaluated} coalitions, plain sampling would take ${plain}`);
  // The big three's estimates agree with plain permutation sampling of the same game within their errors.
  const reference = await sampleShapley(inner, { maxPermutations: 100, seed: 12 });
  for (const e of [17, 64, 120]) {
    const tol = 3 * Math.hypot(r.stderr[e]!, reference.stderr[e]!);
    assert.ok(Math.abs(r.values[e]! - reference.values[e]!) <= tol, `element ${e}`);
  }
});

test('runMsa: exact up to 12 elements, sampled beyond, interactions among the top K', async () => {
  const { runMsa } = await import('../../../main/lesions/shapley/msa');
  const small = await runMsa(tableGame, { method: 'auto', maxPermutations: 10, interactions: 3 });
  assert.equal(small.method, 'exact');
  assert.deepEqual(small.interactionElements, [2, 1, 0]);
  assert.ok(Math.abs(small.values.reduce((a, b) => a + b, 0) - (small.vAll - small.vNone)) < 1e-9);
  // γ_BC − γ_B − γ_C by hand: merged BC with A: (60 + (90 − 10))/2 = 70; B with C lesioned: (20 + 30)/2 = 25;
  // C with B lesioned: (30 + 40)/2 = 35; interaction 70 − 25 − 35 = 10.
  assert.ok(Math.abs(small.interactions[0 * 3 + 1]! - 10) < 1e-12);
  const contribution = Array.from({ length: 14 }, (_, i) => (i % 3) - 0.5);
  const additive = functionGame(names(14), (c) => contribution.reduce((s, w, i) => s + w * c[i]!, 0));
  await assert.rejects(runMsa(additive, { method: 'exact', maxPermutations: 10 }), /limited to 12 elements/);
  const big = await runMsa(cachedGame(additive), { method: 'auto', maxPermutations: 30, interactions: 4, seed: 2 });
  assert.equal(big.method, 'sampled');
  contribution.forEach((w, i) => assert.ok(Math.abs(big.values[i]! - w) < 1e-9));
  big.interactions.forEach((g) => assert.ok(Math.abs(g) < 1e-9));
  assert.equal(big.significance!.length, 14);
});
