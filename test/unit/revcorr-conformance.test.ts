// The shared conformance test of reverse-correlation estimators (#11), in the manner of scikit-learn's common
// estimator checks: every estimator — and any added later — must recover a planted linear–nonlinear unit's filter
// from white noise, refuse streams that disagree in one sentence before reading anything, stop on cancel, and,
// interrupted mid-stream, resume from its checkpoint to exactly the result of an uninterrupted run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UserError } from '../../main/errors';
import { ridgeEstimator, defaultRidgeOptions } from '../../main/revcorr/ridge';
import { defaultStaOptions, staEstimator } from '../../main/revcorr/sta';
import { defaultStcOptions, stcEstimator } from '../../main/revcorr/stc';
import { arrayResponseStream, arrayStimulusStream } from '../../main/revcorr/streams';
import type { EstimateBase, Estimator, EstimatorCheckpoint, EstimatorContext, StimulusStream } from '../../main/revcorr/types';
import { Rng } from '../../main/util/random';

const SIDE = 10;
const D = SIDE * SIDE;
const N = 6000;

function planted(): { x: Float32Array; r: Float32Array; filter: Float32Array } {
  const rng = new Rng(11);
  const filter = new Float32Array(D);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) filter[y * SIDE + x] = Math.exp(-((x - 5) ** 2 + (y - 4) ** 2) / 6) * Math.cos(x);
  const x = new Float32Array(N * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const r = new Float32Array(N);
  for (let t = 0; t < N; t++) {
    let s = 0;
    for (let i = 0; i < D; i++) s += filter[i]! * x[t * D + i]!;
    r[t] = Math.max(0, s);
  }
  return { x, r, filter };
}

const absCorr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return Math.abs(ab / Math.sqrt(aa * bb));
};

const ctxWith = (over: Partial<EstimatorContext> = {}): EstimatorContext => ({ progress: () => {}, throwIfCancelled: () => {}, ...over });

const cases: { name: string; est: Estimator<never, EstimateBase>; options: unknown }[] = [
  { name: 'sta', est: staEstimator as unknown as Estimator<never, EstimateBase>, options: { ...defaultStaOptions, nulls: 4, chunkRows: 200 } },
  { name: 'ridge', est: ridgeEstimator as unknown as Estimator<never, EstimateBase>, options: { ...defaultRidgeOptions, chunkRows: 200 } },
  { name: 'stc', est: stcEstimator as unknown as Estimator<never, EstimateBase>, options: { ...defaultStcOptions, nulls: 4, maxAxes: 2, chunkRows: 200 } },
];

const data = planted();

for (const { name, est, options } of cases) {
  describe(`estimator conformance: ${name}`, () => {
    const stimuli = () => arrayStimulusStream(data.x, [1, SIDE, SIDE]);
    const responses = () => arrayResponseStream(data.r, 1, 'independent', ['planted']);

    test('recovers the planted filter (|r| ≥ 0.9) with the declared shapes', async () => {
      const res = await est.run(stimuli(), responses(), options as never, ctxWith());
      assert.equal(res.kind, name);
      assert.equal(res.units, 1);
      assert.equal(res.dim, D);
      assert.deepEqual(res.itemShape, [1, SIDE, SIDE]);
      assert.equal(res.filters.length, D);
      assert.equal(res.rowsUsed, N - N / 5);
      const r = absCorr(res.filters, data.filter);
      assert.ok(r >= 0.9, `${name}: |r| = ${r}`);
    });

    test('streams of different lengths: one sentence, nothing read', async () => {
      let reads = 0;
      const s = stimuli();
      const counting: StimulusStream = { ...s, read: (a, b) => (reads++, s.read(a, b)) };
      const short = arrayResponseStream(data.r.subarray(0, N - 1), 1, 'independent');
      await assert.rejects(est.run(counting, short, options as never, ctxWith()), (e: Error) => e instanceof UserError && e.message === `The stimuli have ${N} rows but the responses have ${N - 1}; they must describe the same stimuli.`);
      assert.equal(reads, 0);
    });

    test('cancel stops it between chunks', async () => {
      let calls = 0;
      const stop = new Error('cancelled');
      await assert.rejects(est.run(stimuli(), responses(), options as never, ctxWith({ throwIfCancelled: () => { if (++calls === 3) throw stop; } })), (e) => e === stop);
    });

    test('interrupted mid-stream, it resumes from its checkpoint to the uninterrupted result', async () => {
      const whole = await est.run(stimuli(), responses(), options as never, ctxWith());
      let saved: EstimatorCheckpoint | null = null;
      const store = { load: () => saved, save: (s: EstimatorCheckpoint) => (saved = structuredClone(s)) };
      // Killed on the 20th of 30 chunks; estimators checkpoint every 16 chunks.
      let chunks = 0;
      const s = stimuli();
      const dying: StimulusStream = { ...s, read: async (a, b) => { if (++chunks === 20) throw new Error('killed'); return s.read(a, b); } };
      await assert.rejects(est.run(dying, responses(), options as never, ctxWith({ checkpoint: store })), /killed/);
      const resumedFrom = (saved as EstimatorCheckpoint | null)?.nextRow ?? 0;
      let readsAfter = 0;
      const counting: StimulusStream = { ...s, read: (a, b) => (readsAfter++, s.read(a, b)) };
      const resumed = await est.run(counting, responses(), options as never, ctxWith({ checkpoint: store }));
      assert.deepEqual(resumed.filters, whole.filters);
      assert.equal(resumedFrom, 16 * 200, "the checkpoint of the 16th chunk");
      assert.equal(readsAfter, N / 200 - 16, "only the chunks after the checkpoint are read again");
    });
  });
}

test('temporal responses get circular-shift nulls: the z map of a lagged unit still finds its filter', async () => {
  const res = await staEstimator.run(arrayStimulusStream(data.x, [1, SIDE, SIDE]), arrayResponseStream(data.r, 1, 'temporal'), { ...defaultStaOptions, nulls: 8 }, ctxWith());
  const zmax = Math.max(...res.z);
  assert.ok(zmax > 8, `peak z ${zmax}`);
});
