// sae-l1's sparse training graph (main/bases/sae-l1-sparse.ts) against its dense one (the fused hand-written
// gradients): one step from the same state gives the same state and metrics with codes dense, sparse, or all zero;
// a fit whose codes turn sparse switches to it and follows the dense fit; and the Basis conformance suite passes
// with the sparse graph forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaeStepGraph, type SaeGradImpl } from '../../main/bases/sae-graph';
import { SparseAutoencoder } from '../../main/bases/sae';
import { memoryStream } from '../../main/bases/stream';
import type { FitContext } from '../../main/bases/types';
import { StepRunner } from '../../main/train/session';
import { Rng } from '../../main/util/random';
import { plantedData } from './sae-planted';
import { assertConformanceWithSparseForced, countingSparseSteps, seedStepState, stepAndSnapshot, assertStepsClose } from '../helpers/sae-sparse';

const D = 16;
const M = 64;
const B = 32;

async function oneStep(impl: SaeGradImpl, bEnc: number, coef: number): Promise<Record<string, Float32Array>> {
  const { bytes, spec } = buildSaeStepGraph({ d: D, m: M, kind: 'l1', batch: B, impl });
  const runner = await StepRunner.create(bytes, spec, { intraOpThreads: 1 });
  const rng = new Rng(29);
  seedStepState(runner, rng, ['W_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec'], () => {
    runner.state('b_enc').set(runner.state('b_enc').map(() => bEnc + 0.3 * (rng.float() - 0.5)));
  });
  return stepAndSnapshot(runner, coef);
}

test('sae-l1: one step of the sparse graph gives the fused dense graph’s state and metrics', async () => {
  const densities: number[] = [];
  for (const [bEnc, coef] of [[0, 0.3], [-1.5, 0.3], [-1.5, 0], [-1e4, 0.3]] as const) {
    const dense = await oneStep('fused', bEnc, coef);
    const sparse = await oneStep('sparse', bEnc, coef);
    assertStepsClose(dense, sparse, 2e-5, `b_enc ≈ ${bEnc}, λ ${coef}`);
    densities.push(sparse.l0![0]! / M);
  }
  assert.ok(densities[0]! > 0.3 && densities[1]! < densities[0]! / 2 && densities[1]! > 0 && densities[3] === 0, `densities ${densities}`);
});

const planted = plantedData(4, D, 48, 1500, 3);
// A high L1 coefficient and learning rate, so the codes turn sparse (below the switch's 1 %) within the run.
const fitParams = { nFeatures: 256, l1Coefficient: 1.5, l1WarmupSteps: 0, steps: 150, batchSize: 32, lr: 1e-2, shuffleBufferRows: 500, progressEvery: 10 };

async function fit(topkTraining: 'auto' | 'dense', lives: Record<string, number>[]): Promise<number> {
  const { sparseSteps } = await countingSparseSteps(async () => {
    const sae = new SparseAutoencoder('l1', { ...fitParams, topkTraining }, 5, D);
    const ctx: FitContext = { progress: (p) => p.live && lives.push({ ...p.live }), throwIfCancelled() {} };
    await sae.fit(memoryStream(planted.data, D, 400), ctx);
  });
  return sparseSteps;
}

test('a sae-l1 fit picks the sparse graph once its codes are sparse, and follows the dense fit', async () => {
  const denseLives: Record<string, number>[] = [];
  const autoLives: Record<string, number>[] = [];
  assert.equal(await fit('dense', denseLives), 0);
  const sparseSteps = await fit('auto', autoLives);
  console.log(`# auto: ${sparseSteps} of ${fitParams.steps} steps on the sparse graph; L0 ${autoLives.map((l) => l.l0!.toFixed(1)).join(' ')}`);
  assert.ok(sparseSteps > 0 && sparseSteps < fitParams.steps, `auto ran ${sparseSteps} sparse steps of ${fitParams.steps}`);
  for (let i = 0; i < denseLives.length; i++) {
    for (const key of ['mse', 'l0']) {
      const [a, b] = [denseLives[i]![key]!, autoLives[i]![key]!];
      assert.ok(Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(a)), `step ${denseLives[i]!.step} ${key}: dense ${a} vs auto ${b}`);
    }
  }
});

test('the Basis conformance suite passes for sae-l1 with the sparse graph forced', () => {
  assertConformanceWithSparseForced('^sae-l1:', 4, 'sae-l1');
});
