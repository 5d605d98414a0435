// TCA against planted ground truth: a rank-4 non-negative units × positions × stimuli tensor with noise, made here,
// stored as harvest rows (stimulus-major, one row per position). The fit must recover the planted factors (factor
// match score ≥ 0.95 after the best permutation and scaling), and the rank sweep must show Williams et al.'s two
// signatures: the error elbow at rank 4 and the stability drop past it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStream } from '../../main/bases/stream';
import { factorMatchScore, hungarian } from '../../main/tca/align';
import { tcaFactory } from '../../main/tca/basis';
import { fitCpRestarts } from '../../main/tca/restarts';
import { factorSet, tcaSweep } from '../../main/tca/sweep';
import { Rng } from '../../main/util/random';
import { quietCtx } from './bases-helpers';

const D = 24; // units
const P = 16; // positions
const S = 200; // stimuli
const R = 4;
const NOISE = 0.1; // noise std relative to the RMS of the planted tensor

/** Planted factors: each unit factor a sparse non-negative assembly, positions a bump, stimuli exponential amplitudes. */
function planted(seed: number): { x: Float32Array; truth: { rows: number; data: Float64Array }[] } {
  const rng = new Rng(seed);
  const a = new Float64Array(R * D);
  const b = new Float64Array(R * P);
  const c = new Float64Array(R * S);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < D; i++) a[r * D + i] = rng.float() < 0.35 ? 0.5 + rng.float() : 0.05 * rng.float();
    const centre = (r + 0.5) * (P / R);
    for (let p = 0; p < P; p++) b[r * P + p] = Math.exp(-(((p - centre) / 2.5) ** 2));
    for (let s = 0; s < S; s++) c[r * S + s] = -Math.log(1 - rng.float());
  }
  const x = new Float32Array(S * P * D);
  let sq = 0;
  for (let s = 0; s < S; s++) {
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < D; i++) {
        let v = 0;
        for (let r = 0; r < R; r++) v += a[r * D + i]! * b[r * P + p]! * c[r * S + s]!;
        x[(s * P + p) * D + i] = v;
        sq += v * v;
      }
    }
  }
  const rms = Math.sqrt(sq / x.length);
  for (let k = 0; k < x.length; k++) x[k] = Math.max(0, x[k]! + NOISE * rms * rng.normal());
  return { x, truth: [{ rows: D, data: a }, { rows: P, data: b }, { rows: S, data: c }] };
}

const { x, truth } = planted(2018);
const stream = memoryStream(x, D, 1000, P);
const truthSet = { rank: R, factors: truth };

test('hungarian finds the cheapest assignment (checked against every permutation of 5)', () => {
  const rng = new Rng(5);
  const cost = Float64Array.from({ length: 25 }, () => rng.float());
  const assign = hungarian(cost, 5, 5);
  const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((v, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [v, ...p])));
  const best = Math.min(...perms([0, 1, 2, 3, 4]).map((p) => p.reduce((s, j, i) => s + cost[i * 5 + j]!, 0)));
  assert.ok(Math.abs(Array.from(assign).reduce((s, j, i) => s + cost[i * 5 + j]!, 0) - best) < 1e-12);
});

test('the factor match score is 1 for a permuted, rescaled copy and low for unrelated factors', () => {
  const perm = [2, 0, 3, 1];
  const scaled = truth.map((f, k) => {
    const out = new Float64Array(f.data.length);
    perm.forEach((src, r) => {
      for (let i = 0; i < f.rows; i++) out[r * f.rows + i] = f.data[src * f.rows + i]! * (k + 1.5) * (k === 1 ? -1 : 1);
    });
    return { rows: f.rows, data: out };
  });
  const same = factorMatchScore(truthSet, { rank: R, factors: scaled });
  assert.ok(Math.abs(same.score - 1) < 1e-9, `score ${same.score}`);
  assert.deepEqual(same.match, [1, 3, 0, 2]);
  const rng = new Rng(9);
  const noise = truth.map((f) => ({ rows: f.rows, data: Float64Array.from(f.data, () => rng.normal()) }));
  assert.ok(factorMatchScore(truthSet, { rank: R, factors: noise }).score < 0.6);
});

for (const nonneg of [true, false]) {
  test(`${nonneg ? 'non-negative HALS' : 'ALS'} recovers the planted rank-4 factors (factor match ≥ 0.95)`, async () => {
    const res = await fitCpRestarts(stream, P, { rank: R, nonneg, maxIter: 300, tol: 1e-6, restarts: 3, seed: 1 }, quietCtx);
    const align = factorMatchScore(truthSet, factorSet(res.best));
    console.log(`${nonneg ? 'HALS' : 'ALS'}: factor match ${align.score.toFixed(4)}, residual ${res.best.error.toFixed(4)}`);
    assert.ok(align.score >= 0.95, `factor match score ${align.score.toFixed(4)} (per component ${align.similarities.map((v) => v.toFixed(3)).join(', ')})`);
    // Noise of 10 % RMS leaves a residual of about 0.1 of the norm (less: ReLU clipping and the tensor's mean).
    assert.ok(res.best.error > 0.03 && res.best.error < 0.12, `residual ${res.best.error}`);
    if (nonneg) for (const v of [...res.best.units, ...res.best.positionFactors, ...res.best.stimulusFactors]) assert.ok(v >= 0);
  });
}

test('the basis encodes a row by least squares on the unit factors: the CP codes λ·B[p]·C[s] for a fitted row', async () => {
  const basis = tcaFactory.create({ rank: R, nonneg: true, restarts: 2, maxIter: 300 }, 4, D);
  await basis.fit(stream, quietCtx);
  const st = basis.state();
  const w = st.weights!.data;
  const pos = st.positions!.data;
  const stim = st.stimuli!.data;
  const rows = [0, 17, 1234, 3199];
  const x2 = new Float32Array(rows.length * D);
  // The model's own reconstruction of these rows, made from the stored factors.
  rows.forEach((row, k) => {
    const s = Math.floor(row / P);
    const p = row % P;
    for (let r = 0; r < R; r++) {
      const code = w[r]! * pos[r * P + p]! * stim[r * S + s]!;
      for (let i = 0; i < D; i++) x2[k * D + i] += code * st.units!.data[r * D + i]!;
    }
  });
  const codes = await basis.encode(x2, rows.length);
  rows.forEach((row, k) => {
    const s = Math.floor(row / P);
    const p = row % P;
    for (let r = 0; r < R; r++) {
      const want = w[r]! * pos[r * P + p]! * stim[r * S + s]!;
      assert.ok(Math.abs(codes[k * R + r]! - want) < 1e-3 * Math.max(1, want), `row ${row} component ${r}: ${codes[k * R + r]} vs ${want}`);
    }
  });
});

test('a stream without positions (one row per stimulus) is refused in one sentence', async () => {
  const basis = tcaFactory.create({ rank: 2 }, 0, D);
  await assert.rejects(basis.fit(memoryStream(x, D), quietCtx), (e: Error) => {
    assert.match(e.message, /needs a harvest recorded at all positions/);
    assert.equal(e.message.split(/\.\s/).length, 1, 'one sentence');
    return true;
  });
});

test('the rank sweep shows the error elbow at 4 and the stability drop past 4', async () => {
  const sweep = await tcaSweep(stream, P, { ranks: [1, 2, 3, 4, 5, 6, 7], nonneg: true, restarts: 4, maxIter: 200, tol: 1e-6, seed: 3 }, quietCtx);
  const err = (r: number): number => sweep.ranks.find((x) => x.rank === r)!.bestError;
  const sim = (r: number): number => sweep.ranks.find((x) => x.rank === r)!.meanSimilarity!;
  console.log(JSON.stringify(sweep.ranks.map((r) => ({ rank: r.rank, err: r.bestError.toFixed(4), sim: r.meanSimilarity?.toFixed(3) }))));
  // Elbow: going from 3 to 4 components removes far more error than going from 4 to 7.
  assert.ok(err(3) - err(4) > 5 * (err(4) - err(7)), `errors ${[3, 4, 7].map(err).join(', ')}`);
  for (let r = 2; r <= 7; r++) assert.ok(err(r) <= err(r - 1) + 1e-6, `error rises from rank ${r - 1} to ${r}`);
  // Stability: every restart finds the same 4 components; past 4 they disagree.
  assert.ok(sim(4) >= 0.95, `stability at rank 4: ${sim(4)}`);
  assert.ok(Math.max(sim(6), sim(7)) < sim(4) - 0.05, `stability ${[4, 5, 6, 7].map(sim).join(', ')}`);
});
