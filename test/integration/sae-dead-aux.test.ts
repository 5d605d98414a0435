// The TopK family's dead-latent aux loss over the dead latents' columns (main/bases/sae-dead-aux.ts) against the
// same loss on the whole code through saeLoss and the tape: one training step of sae-topk, sae-batchtopk and
// sae-matryoshka from the same state gives the same state and metrics — with more dead latents than kAux, with fewer,
// with none, and with coef 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaeStepGraph, type SaeKind } from '../../main/bases/sae-graph';
import { StepRunner } from '../../main/train/session';
import { Rng } from '../../main/util/random';
import { seedStepState, stepAndSnapshot } from '../helpers/sae-sparse';

const D = 16;
const M = 64;
const B = 32;

async function oneStep(kind: SaeKind, deadAux: 'tape' | 'dead-columns', coef: number, dead: Float32Array): Promise<Record<string, Float32Array>> {
  const { bytes, spec } = buildSaeStepGraph({ d: D, m: M, kind, k: 4, kAux: 8, nestLevels: 3, batch: B, deadAux });
  const runner = await StepRunner.create(bytes, spec, { intraOpThreads: 1 });
  const rng = new Rng(7);
  seedStepState(runner, rng, ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'm_W_enc', 'm_W_dec']);
  return stepAndSnapshot(runner, coef, dead);
}

const mask = (idx: number[]) => {
  const m = new Float32Array(M);
  for (const j of idx) m[j] = 1;
  return m;
};
const CASES: { name: string; coef: number; dead: Float32Array }[] = [
  { name: '22 dead (more than kAux = 8)', coef: 0.5, dead: mask(Array.from({ length: 22 }, (_, i) => 3 * i)) },
  { name: '5 dead (fewer than kAux)', coef: 0.5, dead: mask([2, 17, 30, 41, 63]) },
  { name: 'none dead', coef: 0.5, dead: mask([]) },
  { name: 'coef 0', coef: 0, dead: mask([1, 4, 9]) },
];

for (const kind of ['topk', 'batchtopk', 'matryoshka'] as const) {
  test(`sae-${kind}: the aux loss over the dead columns gives the tape's step`, async () => {
    let auxSeen = 0;
    for (const c of CASES) {
      const ref = await oneStep(kind, 'tape', c.coef, c.dead);
      const ours = await oneStep(kind, 'dead-columns', c.coef, c.dead);
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(ref).sort());
      for (const name of Object.keys(ref)) {
        // The tape evaluates the aux loss even when it is multiplied by 0, and with no dead latent its aux is the
        // residual's own MSE (nothing reconstructs it), reported and in the loss, though its gradient is 0; the If
        // skips both (sae.ts sets coef 0 then, and reports aux 0). The gradients and the state still agree.
        const none = c.dead.every((v) => v === 0);
        if ((name === 'aux' && (c.coef === 0 || none)) || (name === 'loss' && none)) {
          if (name === 'aux') assert.equal(ours.aux![0], 0, `${c.name}: a skipped aux loss reports 0`);
          continue;
        }
        const x = ref[name]!;
        const y = ours[name]!;
        for (let i = 0; i < x.length; i++) {
          assert.ok(Math.abs(x[i]! - y[i]!) <= 2e-5 * Math.max(1, Math.abs(x[i]!)), `${kind}, ${c.name}: ${name}[${i}] tape ${x[i]} vs dead columns ${y[i]}`);
        }
      }
      if (c.coef > 0 && c.dead.some((v) => v > 0)) {
        assert.ok(ours.aux![0]! > 0, `${c.name}: the aux loss is computed`);
        auxSeen++;
      }
    }
    assert.equal(auxSeen, 2);
    // The aux loss moves the weights: the same step without it differs.
    const off = await oneStep(kind, 'dead-columns', 0, CASES[0]!.dead);
    const on = await oneStep(kind, 'dead-columns', 0.5, CASES[0]!.dead);
    let moved = 0;
    for (let i = 0; i < on.W_enc!.length; i++) moved = Math.max(moved, Math.abs(on.W_enc![i]! - off.W_enc![i]!));
    assert.ok(moved > 1e-6, `aux changes W_enc (max ${moved})`);
  });
}
