// sae-topk's sparse training graph (main/bases/sae-topk-sparse.ts, #18 item 5) against the dense one: one step from
// the same state (aux loss on and off) gives the same state and metrics; a whole fit from the same seed ends with
// the same weights; 'auto' picks by m/k; and the Basis conformance suite passes with the sparse path forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaeStepGraph, type SaeGradImpl } from '../../main/bases/sae-graph';
import { SparseAutoencoder } from '../../main/bases/sae';
import { resolveTopkTraining, SPARSE_TOPK_MIN_RATIO, topkStepImpl } from '../../main/bases/sae-topk-sparse';
import { SplitAdamStepRunner } from '../../main/train/split-step';
import { memoryStream } from '../../main/bases/stream';
import type { FitContext } from '../../main/bases/types';
import { StepRunner } from '../../main/train/session';
import { Rng } from '../../main/util/random';
import { plantedData } from './sae-planted';
import { assertConformanceWithSparseForced, seedStepState, stepAndSnapshot, assertStepsClose } from '../helpers/sae-sparse';

const D = 16;
const M = 64;
const FIT_M = 256;
const B = 32;

/** One step from a seeded state: the dense or sparse step graph with Adam in ORT, or the sparse graph with Adam after it (the split step sae.ts trains with on the CPU). */
async function oneStep(impl: SaeGradImpl | 'split', coef: number, deadMask: Float32Array): Promise<Record<string, Float32Array>> {
  const shape = { d: D, m: M, kind: 'topk' as const, k: 4, kAux: 8, batch: B };
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const runner =
    impl === 'split'
      ? await (() => {
          const { bytes, spec, params } = buildSaeStepGraph({ ...shape, impl: 'sparse', adam, optimizer: 'js' });
          return SplitAdamStepRunner.create(bytes, spec, params, adam, { intraOpThreads: 1 });
        })()
      : await (() => {
          const { bytes, spec } = buildSaeStepGraph({ ...shape, impl, adam, deadAux: 'tape' }); // the reference: saeLoss's aux on the tape
          return StepRunner.create(bytes, spec, { intraOpThreads: 1 });
        })();
  const rng = new Rng(31);
  seedStepState(runner, rng, ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec']);
  return stepAndSnapshot(runner, coef, deadMask);
}

test('one training step: the sparse graph, with Adam in ORT or after it, gives the dense graph’s state and metrics, with and without the aux loss', async () => {
  const dead = new Float32Array(M);
  for (let j = 0; j < M; j += 3) dead[j] = 1; // 22 dead latents: more than kAux = 8, so the aux TopK really selects
  // Fewer dead latents than kAux (5 < 8): the dense loss's TopK then also takes live latents, which its mask zeroes;
  // the aux loss over the dead columns (sae-dead-aux.ts) takes all 5.
  const fewDead = new Float32Array(M);
  for (const j of [2, 17, 30, 41, 63]) fewDead[j] = 1;
  for (const [coef, mask] of [[0, dead], [0.5, dead], [0.5, fewDead]] as const) {
    const dense = await oneStep('tape', coef, mask);
    const sparse = await oneStep('sparse', coef, mask);
    // With coef 0 the dense graph still evaluates the aux loss (reported, multiplied by 0); sae.ts shows 0 then.
    assertStepsClose(dense, sparse, 2e-5, `coef ${coef}, ${mask === dead ? 22 : 5} dead`, coef === 0 ? ['aux'] : []);
    assertStepsClose(dense, await oneStep('split', coef, mask), 2e-5, `split step, coef ${coef}`, coef === 0 ? ['aux'] : []);
    if (coef > 0) assert.ok(sparse.aux![0]! > 0, 'the aux loss is computed when coef > 0');
    // A step that moves nothing would pass trivially: W_dec must have changed from its initial value.
    assert.ok(sparse.fired!.reduce((s, v) => s + v, 0) === 4 * B, 'k latents fire on every row');
  }
  // The aux branch really contributes: with coef > 0 the gradients differ from coef = 0.
  const off = await oneStep('sparse', 0, dead);
  const on = await oneStep('sparse', 0.5, dead);
  let moved = 0;
  for (let i = 0; i < off.W_enc!.length; i++) moved = Math.max(moved, Math.abs(off.W_enc![i]! - on.W_enc![i]!));
  assert.ok(moved > 1e-6, `the aux loss changes W_enc's update (max change ${moved})`);
});

const planted = plantedData(9, D, 48, 1500, 3);
const fitParams = { nFeatures: FIT_M, k: 2, steps: 120, batchSize: 32, lr: 3e-3, shuffleBufferRows: 500, deadWindow: 5, progressEvery: 10 };

async function fit(topkTraining: 'dense' | 'sparse', lives: Record<string, number>[]): Promise<SparseAutoencoder> {
  const sae = new SparseAutoencoder('topk', { ...fitParams, topkTraining }, 5, D);
  const ctx: FitContext = { progress: (p) => p.live && lives.push({ ...p.live }), throwIfCancelled() {} };
  await sae.fit(memoryStream(planted.data, D, 400), ctx);
  return sae;
}

test('a whole sae-topk fit (120 steps, dead latents feeding the aux loss) ends with the dense path’s weights', async () => {
  const denseLives: Record<string, number>[] = [];
  const sparseLives: Record<string, number>[] = [];
  const dense = await fit('dense', denseLives);
  const sparse = await fit('sparse', sparseLives);
  assert.ok(sparseLives.some((l) => l.aux! > 0), 'some steps had dead latents and an aux loss');
  let worst = 0;
  for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) {
    const a = dense.weights![p];
    const b = sparse.weights![p];
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  assert.ok(worst < 1e-4, `max weight difference after 120 steps: ${worst}`);
  console.log(`# sparse vs dense after 120 steps: max |Δweight| = ${worst.toExponential(2)}`);
  assert.equal(denseLives.length, sparseLives.length);
  for (let i = 0; i < denseLives.length; i++) {
    for (const key of ['mse', 'l0', 'deadFraction', 'aux']) {
      assert.ok(Math.abs(denseLives[i]![key]! - sparseLives[i]![key]!) <= 1e-4 * Math.max(1, Math.abs(denseLives[i]![key]!)), `step ${denseLives[i]!.step} ${key}`);
    }
  }
  // And the weights really trained (not a trivially equal pair of untouched initialisations).
  assert.ok(sparseLives.at(-1)!.mse! < sparseLives[0]!.mse! * 0.8, 'the reconstruction error fell');
});

test("'auto' trains sparsely from the measured m/k crossover; the parameter and CAJAL_SAE_TOPK_TRAINING force a path", () => {
  assert.equal(topkStepImpl('auto', 32 * SPARSE_TOPK_MIN_RATIO, 32), 'sparse');
  assert.equal(topkStepImpl('auto', 32 * SPARSE_TOPK_MIN_RATIO - 1, 32), 'tape');
  assert.equal(topkStepImpl('sparse', 12, 3), 'sparse');
  assert.equal(topkStepImpl('dense', 131072, 32), 'tape');
  assert.throws(() => resolveTopkTraining('fast'), /"auto", "sparse" or "dense"/);
  const before = process.env.CAJAL_SAE_TOPK_TRAINING;
  process.env.CAJAL_SAE_TOPK_TRAINING = 'sparse';
  try {
    assert.equal(resolveTopkTraining(undefined), 'sparse');
    assert.equal(resolveTopkTraining('dense'), 'dense');
  } finally {
    if (before === undefined) delete process.env.CAJAL_SAE_TOPK_TRAINING;
    else process.env.CAJAL_SAE_TOPK_TRAINING = before;
  }
});

test('the Basis conformance suite passes for sae-topk with the sparse path forced', () => {
  assertConformanceWithSparseForced('^sae-topk:', 4, 'sae-topk', 120_000);
});
