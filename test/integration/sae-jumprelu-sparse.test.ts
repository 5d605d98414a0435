// sae-jumprelu's sparse training graph (main/bases/sae-jumprelu-sparse.ts) against the dense one (saeLoss + the
// tape with jumpReluOnTape's straight-through estimators): one step from the same state gives the same state and
// metrics, with codes dense, sparse, or all zero (no pair at all); a fit that switches between the two graphs by the
// codes' density follows the dense fit; and the Basis conformance suite passes with the sparse graph forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaeStepGraph, type SaeGradImpl } from '../../main/bases/sae-graph';
import { SparseAutoencoder } from '../../main/bases/sae';
import { memoryStream } from '../../main/bases/stream';
import type { FitContext } from '../../main/bases/types';
import { StepRunner } from '../../main/train/session';
import { plantedData } from './sae-planted';
import { assertConformanceWithSparseForced, countingSparseSteps, seedStepState, stepAndSnapshot, assertStepsClose } from '../helpers/sae-sparse';
import { Rng } from '../../main/util/random';

const D = 16;
const M = 64;
const B = 32;
const EPS = 0.05;

async function oneStep(impl: SaeGradImpl, logTheta: number, coef: number): Promise<Record<string, Float32Array>> {
  const { bytes, spec } = buildSaeStepGraph({ d: D, m: M, kind: 'jumprelu', bandwidth: EPS, batch: B, impl });
  const runner = await StepRunner.create(bytes, spec, { intraOpThreads: 1 });
  const rng = new Rng(21);
  seedStepState(runner, rng, ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec'], () => {
    // Thresholds spread around exp(logTheta), so some pre-activations fall within ε/2 of theirs.
    runner.state('log_threshold').set(runner.state('log_threshold').map(() => logTheta + (rng.float() - 0.5)));
  });
  return stepAndSnapshot(runner, coef);
}

test('sae-jumprelu: one step of the sparse graph gives the dense graph’s state and metrics', async () => {
  const densities: number[] = [];
  for (const [logTheta, coef] of [[Math.log(0.05), 0.3], [Math.log(1.2), 0.3], [Math.log(1.2), 0], [Math.log(1e4), 0.3]] as const) {
    const dense = await oneStep('tape', logTheta, coef);
    const sparse = await oneStep('sparse', logTheta, coef);
    assertStepsClose(dense, sparse, 2e-5, `θ ≈ ${Math.exp(logTheta)}, λ ${coef}`);
    densities.push(sparse.l0![0]! / M);
  }
  // The cases really span dense codes, sparse ones and none at all.
  assert.ok(densities[0]! > 0.4 && densities[1]! < 0.25 && densities[1]! > 0 && densities[3] === 0, `densities ${densities}`);
});

const planted = plantedData(4, D, 48, 1500, 3);
// A high threshold and penalty, so the codes cross the switch's density (1 %) within the run: L0 15 → 3 of 256.
const fitParams = { nFeatures: 256, l0Coefficient: 0.3, initThreshold: 0.4, steps: 150, batchSize: 32, lr: 3e-3, shuffleBufferRows: 500, progressEvery: 10 };

/** A fit, and how many of its steps ran the sparse graph (the split step's alternate, counted on the real runner). */
async function fit(topkTraining: 'auto' | 'dense' | 'sparse', lives: Record<string, number>[]): Promise<{ sae: SparseAutoencoder; sparseSteps: number }> {
  const { result: sae, sparseSteps } = await countingSparseSteps(async () => {
    const fitted = new SparseAutoencoder('jumprelu', { ...fitParams, topkTraining }, 5, D);
    const ctx: FitContext = { progress: (p) => p.live && lives.push({ ...p.live }), throwIfCancelled() {} };
    await fitted.fit(memoryStream(planted.data, D, 400), ctx);
    return fitted;
  });
  return { sae, sparseSteps };
}

test('a sae-jumprelu fit picks the sparse graph once its codes are sparse, and follows the dense fit', async () => {
  const denseLives: Record<string, number>[] = [];
  const autoLives: Record<string, number>[] = [];
  const dense = await fit('dense', denseLives);
  const auto = await fit('auto', autoLives);
  const sparse = await fit('sparse', []);
  assert.equal(dense.sparseSteps, 0);
  assert.equal(sparse.sparseSteps, fitParams.steps);
  // The codes start dense (the first step always runs dense) and become sparse: both graphs ran.
  assert.ok(auto.sparseSteps > 0 && auto.sparseSteps < fitParams.steps, `auto ran ${auto.sparseSteps} sparse steps of ${fitParams.steps}`);
  console.log(`# auto: ${auto.sparseSteps} of ${fitParams.steps} steps on the sparse graph; final L0 ${autoLives.at(-1)!.l0}`);
  for (let i = 0; i < denseLives.length; i++) {
    for (const key of ['mse', 'l0']) {
      const [a, b] = [denseLives[i]![key]!, autoLives[i]![key]!];
      assert.ok(Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(a)), `step ${denseLives[i]!.step} ${key}: dense ${a} vs auto ${b}`);
    }
  }
});

test('the Basis conformance suite passes for sae-jumprelu with the sparse graph forced', () => {
  assertConformanceWithSparseForced('^sae-jumprelu:', 4, 'sae-jumprelu');
});
