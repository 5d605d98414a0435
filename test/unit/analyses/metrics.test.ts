// Similarities, metrics and statistics against values computed by hand on tiny inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afcTrial, compressionScore, consistency, deflatedBytes, labelNegEntropy, labelPurity, twoAfc } from '../../../main/analyses/metrics';
import { colourSimilarity, labelSimilarity, perceptualEmbedding, perceptualSimilarity, pixelSimilarity, SimilarityTable, type StimulusView } from '../../../main/analyses/similarity';
import { bootstrapMedianCi, mannWhitneyU, median } from '../../../main/analyses/stats';
import { TopK } from '../../../main/analyses/feature-stats';
import { Rng } from '../../../main/util/random';

const img = (rgb: number[], label: number | null = null): StimulusView => ({ width: 2, height: 1, rgb: Uint8Array.from(rgb), label });
const A = img([0, 0, 0, 10, 10, 10], 1);
const B = img([3, 4, 0, 10, 10, 10], 1);
const C = img([0, 0, 0, 10, 10, 10], 2);

test('pixel, colour and label similarities by hand', () => {
  assert.equal(pixelSimilarity(A, B), -5); // ‖(3,4,0,0,0,0)‖
  // mean RGB A = (5,5,5), B = (6.5,7,5): −‖(1.5, 2, 0)‖ = −2.5
  assert.equal(colourSimilarity(A, B), -2.5);
  assert.equal(labelSimilarity(A, B), 1);
  assert.equal(labelSimilarity(A, C), 0);
  assert.equal(labelSimilarity({ label: null }, { label: null }), 0);
  const t = new SimilarityTable('pixel');
  [A, B, C].forEach((v, i) => t.add(i, v));
  assert.equal(t.sim(0, 1), -5);
  const c = new SimilarityTable('colour');
  [A, B].forEach((v, i) => c.add(i, v));
  assert.ok(Math.abs(c.sim(0, 1) + 2.5) < 1e-6);
});

test('perceptual embedding: channel-normalised maps, squared distance averaged over positions and layers', () => {
  // One layer, 2 channels, 1×2 positions, channel-major. u: positions (3,4)/5 and (0,2)/2; v: (1,0) twice.
  const u = perceptualEmbedding([{ data: Float32Array.from([3, 0, 4, 2]), channels: 2, height: 1, width: 2 }]);
  const v = perceptualEmbedding([{ data: Float32Array.from([1, 1, 0, 0]), channels: 2, height: 1, width: 2 }]);
  // (1/2)·(‖(0.6,0.8) − (1,0)‖² + ‖(0,1) − (1,0)‖²) = (1/2)(0.8 + 2) = 1.4
  assert.ok(Math.abs(perceptualSimilarity(u, v) + 1.4) < 1e-6);
  // Two identical layers average to the same distance.
  const u2 = perceptualEmbedding([0, 1].map(() => ({ data: Float32Array.from([3, 0, 4, 2]), channels: 2, height: 1, width: 2 })));
  const v2 = perceptualEmbedding([0, 1].map(() => ({ data: Float32Array.from([1, 1, 0, 0]), channels: 2, height: 1, width: 2 })));
  assert.ok(Math.abs(perceptualSimilarity(u2, v2) + 1.4) < 1e-6);
});

test('consistency, label purity and negative entropy by hand', () => {
  const views = [A, B, C];
  const pix = (i: number, j: number) => pixelSimilarity(views[i]!, views[j]!);
  // pairs: (A,B) −5, (A,C) 0, (B,C) −5
  assert.ok(Math.abs(consistency([0, 1, 2], pix) + 10 / 3) < 1e-12);
  const lab = (i: number, j: number) => labelSimilarity(views[i]!, views[j]!);
  assert.ok(Math.abs(consistency([0, 1, 2], lab) - 1 / 3) < 1e-12);
  assert.ok(Number.isNaN(consistency([0], lab)));
  assert.ok(Math.abs(labelPurity([1, 1, 2, null]) - 2 / 3) < 1e-12);
  assert.equal(labelPurity([4, 4, 4]), 1);
  assert.ok(Math.abs(labelNegEntropy([1, 1, 2]) - -0.6365141682948128) < 1e-12);
  assert.equal(labelNegEntropy([7, 7]), 0);
  assert.ok(Number.isNaN(labelPurity([null])));
});

test('one 2AFC trial by hand: labels give z = ±1 and P = 1/(1 + e⁻⁴)', () => {
  const labels = [1, 1, 2, 2]; // qT, t1, qB, b1
  const sim = (i: number, j: number) => (labels[i] === labels[j] ? 1 : 0);
  // a = s(qT,t1) = 1, b = s(qT,b1) = 0, c = s(qB,t1) = 0, d = s(qB,b1) = 1; mean ½, sd ½ → z = ±1; E⁺ = 2, E⁻ = −2.
  assert.ok(Math.abs(afcTrial(0, 2, [1], [3], sim) - 0.9820137900379085) < 1e-12);
  // Identical similarities everywhere: sd = 0, z = 0, chance.
  assert.equal(afcTrial(0, 2, [1], [3], () => 0.3), 0.5);
  // Swapped queries: the mirror probability.
  assert.ok(Math.abs(afcTrial(2, 0, [1], [3], sim) - (1 - 0.9820137900379085)) < 1e-12);
});

test('2AFC pooling: mean equals sum with the evidence divided by 9 in the softmax (hand-computed)', () => {
  // Stimuli 0 = q⁺ (label 1), 1 = q⁻ (label 2); top references 2..10 carry labels 1,1,1,1,1,1,2,2,2 and bottom
  // references 11..19 carry 1,1,1,2,2,2,2,2,2. Label similarity: s(q⁺, T) = six 1s, three 0s; s(q⁺, B) = three 1s;
  // s(q⁻, T) = three 1s; s(q⁻, B) = six 1s. 18 of the 36 are 1: mean ½, sd ½, so every z = ±1.
  const labels = [1, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2];
  const sim = (i: number, j: number) => (labels[i] === labels[j] ? 1 : 0);
  const T = [2, 3, 4, 5, 6, 7, 8, 9, 10];
  const B = [11, 12, 13, 14, 15, 16, 17, 18, 19];
  // Sum: E⁺ = (6 − 3) + (6 − 3) = 6, E⁻ = (3 − 6) + (3 − 6) = −6 → P = 1/(1 + e⁻¹²).
  const pSum = 1 / (1 + Math.exp(-12));
  // Mean: E⁺ = 3/9 + 3/9 = 2/3, E⁻ = −2/3 → P = 1/(1 + e^(−4/3)) = 1/(1 + e^(−12/9)).
  const pMean = 1 / (1 + Math.exp(-12 / 9));
  assert.ok(Math.abs(pMean - 0.7913915) < 1e-6);
  assert.ok(Math.abs(afcTrial(0, 1, T, B, sim) - pSum) < 1e-15);
  assert.ok(Math.abs(afcTrial(0, 1, T, B, sim, 'sum') - pSum) < 1e-15);
  assert.ok(Math.abs(afcTrial(0, 1, T, B, sim, 'mean') - pMean) < 1e-15);
  // Over many trials of one feature the two poolings see the same draws: mean-pooled P is the sum-pooled logit / 9.
  const rng = new Rng(4);
  const feats = Array.from({ length: 40 }, () => [rng.normal(), rng.normal()]);
  const pix = (i: number, j: number) => -Math.hypot(feats[i]![0]! - feats[j]![0]!, feats[i]![1]! - feats[j]![1]!);
  const top = Array.from({ length: 20 }, (_, i) => i);
  const bottom = Array.from({ length: 20 }, (_, i) => 20 + i);
  const meanScore = twoAfc(top, bottom, pix, 7, new Rng(3), 9, 'mean');
  const r = new Rng(3);
  let expected = 0;
  for (let t = 0; t < 7; t++) {
    const it = r.sampleIndices(20, 10);
    const ib = r.sampleIndices(20, 10);
    const p = afcTrial(top[it[0]!]!, bottom[ib[0]!]!, Array.from(it.subarray(1), (i) => top[i]!), Array.from(ib.subarray(1), (i) => bottom[i]!), pix, 'sum');
    expected += 1 / (1 + Math.exp(-Math.log(p / (1 - p)) / 9)) / 7;
  }
  assert.ok(Math.abs(meanScore - expected) < 1e-12, `${meanScore} vs ${expected}`);
});

test('2AFC equals an independent re-computation with a plain loop', () => {
  const rng = new Rng(9);
  const n = 60;
  const feats = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const sim = (i: number, j: number) => -Math.hypot(feats[i]![0]! - feats[j]![0]!, feats[i]![1]! - feats[j]![1]!, feats[i]![2]! - feats[j]![2]!);
  const top = Array.from({ length: 32 }, (_, i) => i);
  const bottom = Array.from({ length: 28 }, (_, i) => 32 + i);
  const ours = twoAfc(top, bottom, sim, 20, new Rng(123));
  // Independent: same draws (the documented order: top sample of 10, then bottom sample of 10, per trial).
  const r = new Rng(123);
  let total = 0;
  for (let t = 0; t < 20; t++) {
    const it = r.sampleIndices(32, 10);
    const ib = r.sampleIndices(28, 10);
    const qT = top[it[0]!]!;
    const qB = bottom[ib[0]!]!;
    const s: number[] = [];
    const side: number[] = []; // +1 correct-assignment evidence, −1 swapped
    for (let k = 1; k < 10; k++) {
      s.push(sim(qT, top[it[k]!]!)); side.push(1);
      s.push(sim(qT, bottom[ib[k]!]!)); side.push(-1);
      s.push(sim(qB, top[it[k]!]!)); side.push(-1);
      s.push(sim(qB, bottom[ib[k]!]!)); side.push(1);
    }
    let m = 0;
    for (const x of s) m += x / s.length;
    let v = 0;
    for (const x of s) v += (x - m) ** 2 / s.length;
    let ePlus = 0;
    let eMinus = 0;
    for (let i = 0; i < s.length; i++) {
      const z = (s[i]! - m) / Math.sqrt(v);
      if (side[i] === 1) ePlus += z;
      else eMinus += z;
    }
    total += Math.exp(ePlus) / (Math.exp(ePlus) + Math.exp(eMinus));
  }
  assert.ok(Math.abs(ours - total / 20) < 1e-12, `${ours} vs ${total / 20}`);
  // Fewer than 9 references + 1 query on a side: not scored.
  assert.ok(Number.isNaN(twoAfc([1], bottom, sim, 5, new Rng(1))));
  assert.ok(Number.isNaN(twoAfc(top.slice(0, 9), bottom, sim, 5, new Rng(1))));
  assert.ok(Number.isNaN(twoAfc(top, bottom.slice(0, 9), sim, 5, new Rng(1))));
  assert.ok(Number.isFinite(twoAfc(top.slice(0, 10), bottom.slice(0, 10), sim, 5, new Rng(1))));
});

test('compression score: definition and deflate sanity', () => {
  assert.equal(compressionScore(50, [100, 100]), 0.5);
  assert.equal(compressionScore(150, [100]), 0);
  const same = Array.from({ length: 8 }, () => new Uint8Array(400).fill(7));
  const rng = new Rng(2);
  const noise = Array.from({ length: 8 }, () => Uint8Array.from({ length: 400 }, () => rng.int(0, 256)));
  assert.ok(deflatedBytes(same) < deflatedBytes(noise) / 10);
  assert.ok(compressionScore(deflatedBytes(same), [deflatedBytes(noise)]) > 0.9);
});

test('Mann–Whitney U: hand-computed U, tie-corrected normal p, effect size', () => {
  // a = [1,2,3], b = [4,5]: U₁ = 0, μ = 3, σ = √3, z = (6 − 3 − 0.5)/√3, p = 2·Φ̄(z) = 0.148914673…
  const r = mannWhitneyU([1, 2, 3], [4, 5])!;
  assert.equal(r.u, 0);
  assert.equal(r.effect, 0);
  assert.ok(Math.abs(r.p - 0.14891467317876567) < 1e-6, String(r.p));
  // Ties: a = [1,2,2], b = [2,3]: ranks 1, 3, 3 | 3, 5 → R₁ = 7, U₁ = 1; tie term 3³ − 3 = 24;
  // σ² = (6/12)(6 − 24/20) = 2.4; z = (5 − 3 − 0.5)/√2.4; p = 0.332921608…
  const t = mannWhitneyU([1, 2, 2], [2, 3])!;
  assert.equal(t.u, 1);
  assert.ok(Math.abs(t.effect - 1 / 6) < 1e-12);
  assert.ok(Math.abs(t.p - 0.33292160806556603) < 1e-6, String(t.p));
  // Symmetry: swapping the samples keeps p and mirrors the effect.
  const s = mannWhitneyU([2, 3], [1, 2, 2])!;
  assert.ok(Math.abs(s.p - t.p) < 1e-12 && Math.abs(s.effect - 5 / 6) < 1e-12);
  assert.equal(mannWhitneyU([], [1]), null);
});

test('bootstrap interval of the median: deterministic per seed, brackets the median', () => {
  const rng = new Rng(5);
  const v = Array.from({ length: 101 }, () => rng.normal(3, 1));
  const a = bootstrapMedianCi(v, 1000, 11);
  assert.deepEqual(bootstrapMedianCi(v, 1000, 11), a);
  assert.notDeepEqual(bootstrapMedianCi(v, 1000, 12), a);
  const m = median(v);
  assert.ok(a[0] < m && m < a[1], `${a} ∌ ${m}`);
  assert.ok(a[1] - a[0] < 1, 'interval of the median of 101 N(3,1) values is narrow');
  assert.equal(median([3, 1, 2, 10]), 2.5);
});

test('TopK keeps the k largest per feature, largest first', () => {
  const rng = new Rng(3);
  const m = 3;
  const k = 5;
  const top = new TopK(m, k);
  const all: number[][] = [[], [], []];
  for (let row = 0; row < 200; row++) {
    for (let f = 0; f < m; f++) {
      const v = Math.fround(rng.normal());
      all[f]!.push(v);
      if (v > top.threshold[f]!) top.push(f, v, row);
    }
  }
  for (let f = 0; f < m; f++) {
    const s = top.sorted(f);
    const want = all[f]!.map((v, row) => ({ v, row })).sort((a, b) => b.v - a.v).slice(0, k);
    assert.deepEqual(Array.from(s.rows), want.map((w) => w.row));
    assert.deepEqual(Array.from(s.vals), want.map((w) => w.v));
  }
});
