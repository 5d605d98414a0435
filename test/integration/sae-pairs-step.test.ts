// sae-l1's, sae-jumprelu's and sae-gated's sparse step in JS over their pairs (main/bases/sae-pairs-step.ts, the products by
// linalg/pairs-wasm.ts) against the dense graph: one split step (gradients, Adam, renormalisation) from the same
// state gives the same state and metrics with codes dense, sparse, or all zero (no pair at all), and the same step
// twice gives the same bits; and the Basis conformance suite passes with the step forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaeStepGraph, type SaeKind } from '../../main/bases/sae-graph';
import { saePairsStep } from '../../main/bases/sae-pairs-step';
import { batchTopkPrimary } from '../../main/bases/sae-batchtopk-pairs';
import { buildSaeSparsePrelude } from '../../main/bases/sae-sparse-encoder';
import { SplitAdamStepRunner } from '../../main/train/split-step';
import { Rng } from '../../main/util/random';
import { assertConformanceWithSparseForced, assertStepsClose, seedStepState, stepAndSnapshot } from '../helpers/sae-sparse';

const D = 16;
const M = 64;
const B = 32;
const EPS = 0.05;
const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

type PairsKind = 'l1' | 'jumprelu' | 'gated';

async function oneStep(kind: PairsKind, route: 'dense' | 'pairs', shift: number, coef: number): Promise<Record<string, Float32Array>> {
  // The dense reference: L1's fused hand-written gradients, the tape's for JumpReLU and Gated.
  const dense = buildSaeStepGraph({ d: D, m: M, kind, batch: B, bandwidth: EPS, adam, optimizer: 'js', impl: kind === 'l1' ? 'fused' : 'tape' });
  const alternate = route === 'pairs' ? { bytes: new Uint8Array(), prelude: { bytes: buildSaeSparsePrelude(kind as SaeKind, D, M, B), shape: [B, M] }, kernel: saePairsStep(kind, { d: D, m: M, batch: B, bandwidth: EPS, adam }) } : undefined;
  const runner = await SplitAdamStepRunner.create(dense.bytes, dense.spec, dense.params, adam, { intraOpThreads: 1, alternate });
  runner.useAlternate = route === 'pairs';
  const rng = new Rng(kind === 'l1' ? 29 : kind === 'jumprelu' ? 21 : 23);
  if (kind === 'gated') {
    seedStepState(runner, rng, ['W_enc', 'W_dec', 'b_dec', 'r_mag', 'b_mag', 'm_W_enc', 'm_W_dec'], () => {
      runner.state('b_enc').set(runner.state('b_enc').map(() => shift + 0.3 * (rng.float() - 0.5)));
    });
  } else if (kind === 'l1') {
    seedStepState(runner, rng, ['W_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec'], () => {
      runner.state('b_enc').set(runner.state('b_enc').map(() => shift + 0.3 * (rng.float() - 0.5)));
    });
  } else {
    seedStepState(runner, rng, ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec'], () => {
      // Thresholds spread around exp(shift), so some pre-activations fall within ε/2 of theirs.
      runner.state('log_threshold').set(runner.state('log_threshold').map(() => shift + (rng.float() - 0.5)));
    });
  }
  return stepAndSnapshot(runner, coef);
}

const cases: Record<PairsKind, [number, number][]> = {
  l1: [[0, 0.3], [-1.5, 0.3], [-1.5, 0], [-1e4, 0.3]],
  jumprelu: [[Math.log(0.05), 0.3], [Math.log(1.2), 0.3], [Math.log(1.2), 0], [Math.log(1e4), 0.3]],
  gated: [[0.5, 0.3], [-1.5, 0.3], [-1.5, 0], [-1e4, 0.3]],
};

for (const kind of ['l1', 'jumprelu', 'gated'] as const) {
  test(`sae-${kind}: one step on the pairs in JS gives the dense graph’s state and metrics, the same bits twice`, async () => {
    const densities: number[] = [];
    for (const [shift, coef] of cases[kind]) {
      const dense = await oneStep(kind, 'dense', shift, coef);
      const pairs = await oneStep(kind, 'pairs', shift, coef);
      assertStepsClose(dense, pairs, 2e-5, `sae-${kind}, shift ${shift}, λ ${coef}`);
      const again = await oneStep(kind, 'pairs', shift, coef);
      for (const name of Object.keys(pairs)) assert.deepEqual(again[name], pairs[name], `${name} the same bits twice`);
      densities.push(pairs.l0![0]! / M);
    }
    // The cases really span dense codes, sparse ones and none at all.
    assert.ok(densities[0]! > 0.3 && densities[1]! < densities[0]! / 2 && densities[1]! > 0 && densities[3] === 0, `densities ${densities}`);
  });
}

test('the Basis conformance suite passes for sae-l1, sae-jumprelu and sae-gated with the JS pair step forced', () => {
  // At d = 12 (a multiple of 4) their sparse step is this file's JS one; the per-kind sparse tests run the suite at
  // d = 10, where it is the ORT graph.
  assertConformanceWithSparseForced('^sae-(l1|jumprelu|gated):', 12, 'sae-l1, sae-jumprelu and sae-gated', 360_000, { CAJAL_CONFORMANCE_D: '12' });
});

// The TopK family (sae-batchtopk-pairs.ts): each row's k or the batch's K pairs, Matryoshka's nested prefixes, and the
// dead-latent aux loss's onnxruntime graph between them.
async function topkFamilyStep(kind: 'topk' | 'batchtopk' | 'matryoshka', route: 'dense' | 'pairs', coef: number, dead: Float32Array): Promise<Record<string, Float32Array>> {
  const shape = { d: D, m: M, kind, k: 4, kAux: 8, nestLevels: 3, nestLossDecay: 0.5, batch: B };
  const dense = buildSaeStepGraph({ ...shape, adam, optimizer: 'js', impl: 'tape', deadAux: 'tape' });
  const primary = route === 'pairs' ? batchTopkPrimary({ ...shape, adam, session: { intraOpThreads: 1 } }, dense.bytes) : undefined;
  assert.ok(route === 'dense' || primary?.kernel, 'the JS step applies at this shape');
  const runner = await SplitAdamStepRunner.create(dense.bytes, dense.spec, dense.params, adam, { intraOpThreads: 1, primary });
  const rng = new Rng(13);
  seedStepState(runner, rng, ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec']);
  return stepAndSnapshot(runner, coef, dead);
}

for (const kind of ['topk', 'batchtopk', 'matryoshka'] as const) {
  test(`sae-${kind}: one step on the selected pairs in JS gives the dense graph’s state and metrics, the same bits twice`, async () => {
    const dead = new Float32Array(M);
    for (let j = 0; j < M; j += 3) dead[j] = 1;
    for (const coef of [0, 0.5]) {
      const dense = await topkFamilyStep(kind, 'dense', coef, dead);
      const pairs = await topkFamilyStep(kind, 'pairs', coef, dead);
      // The tape evaluates the aux loss even when it is multiplied by 0; the aux graph's If skips it.
      assertStepsClose(dense, pairs, 2e-5, `${kind}, coef ${coef}`, coef === 0 ? ['aux'] : []);
      assert.equal(pairs.fired!.reduce((s, v) => s + v, 0), 4 * B);
      if (kind !== 'topk') assert.ok(pairs.minpos![0]! > 0 && pairs.minpos![0]! < 1e30);
      const again = await topkFamilyStep(kind, 'pairs', coef, dead);
      for (const name of Object.keys(pairs)) assert.deepEqual(again[name], pairs[name], `${name} the same bits twice`);
    }
  });
}

test('the Basis conformance suite passes for sae-topk, sae-batchtopk and sae-matryoshka with the JS step forced', () => {
  assertConformanceWithSparseForced('^sae-(topk|batchtopk|matryoshka):', 12, 'sae-topk, sae-batchtopk and sae-matryoshka', 360_000, { CAJAL_CONFORMANCE_D: '12' });
});
