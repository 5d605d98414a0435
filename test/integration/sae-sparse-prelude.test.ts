// The sparse SAE steps' encoder prelude (main/bases/sae-sparse-encoder.ts): the encoder product computed by a graph
// of its own on two threads and fed to the sparse graph (one thread) gives the same bits as the sparse graph
// computing it itself, for every architecture, over three split steps (train/split-step.ts's prelude and
// alternate routes both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaeStepGraph, type SaeKind } from '../../main/bases/sae-graph';
import { sparseStepGraph } from '../../main/bases/sae-sparse-encoder';
import { SplitAdamStepRunner } from '../../main/train/split-step';
import { Rng } from '../../main/util/random';
import { snapshotAndRelease } from '../helpers/sae-sparse';

const D = 16;
const M = 128;
const B = 64;
const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

async function threeSteps(kind: SaeKind, route: 'in-graph' | 'prelude' | 'alternate'): Promise<Record<string, Float32Array>> {
  const shape = { d: D, m: M, kind, k: 4, kAux: 8, nestLevels: 3, bandwidth: 0.05, batch: B, adam, optimizer: 'js' as const };
  const sparse = buildSaeStepGraph({ ...shape, impl: 'sparse', encInput: route !== 'in-graph' });
  const runner =
    route === 'alternate'
      ? await SplitAdamStepRunner.create(buildSaeStepGraph(shape).bytes, sparse.spec, sparse.params, adam, { intraOpThreads: 2, alternate: sparseStepGraph(kind, D, M, B, sparse.bytes) })
      : await SplitAdamStepRunner.create(sparse.bytes, sparse.spec, sparse.params, adam, { intraOpThreads: route === 'prelude' ? 2 : 1, primary: route === 'prelude' ? sparseStepGraph(kind, D, M, B, sparse.bytes, shape.k) : undefined });
  runner.useAlternate = route === 'alternate';
  const rng = new Rng(41);
  for (const name of runner.stateNames()) if (!name.startsWith('m_') && !name.startsWith('v_')) rng.fillNormal(runner.state(name), 0, 0.3);
  if (kind === 'jumprelu') runner.state('log_threshold').fill(Math.log(0.3));
  const dead = runner.inputs.dead as Float32Array | undefined;
  if (dead) for (let j = 0; j < M; j += 5) dead[j] = 1;
  (runner.inputs.coef as Float32Array)[0] = 0.1;
  (runner.inputs.lr as Float32Array)[0] = 1e-2;
  for (let t = 1; t <= 3; t++) {
    rng.fillNormal(runner.inputs.x as Float32Array);
    (runner.inputs.t as Float32Array)[0] = t;
    await runner.step();
  }
  return snapshotAndRelease(runner);
}

for (const kind of ['l1', 'topk', 'batchtopk', 'matryoshka', 'jumprelu', 'gated'] as const) {
  test(`sae-${kind}: the sparse graph after the encoder prelude gives the bits of the sparse graph alone`, async () => {
    const ref = await threeSteps(kind, 'in-graph');
    for (const route of kind === 'l1' || kind === 'jumprelu' || kind === 'gated' ? (['prelude', 'alternate'] as const) : (['prelude'] as const)) {
      const got = await threeSteps(kind, route);
      for (const name of Object.keys(ref)) assert.deepEqual(got[name], ref[name], `${kind} via ${route}: ${name}`);
    }
    assert.ok(ref.l0![0]! > 0, 'codes fired');
  });
}
