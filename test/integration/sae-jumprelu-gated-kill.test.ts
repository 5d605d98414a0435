// h12jg (#12): a JumpReLU or Gated SAE fit run by the CLI, killed with SIGKILL after a checkpoint and resumed with
// `cajal resume`, ends with the weights of an uninterrupted run (log θ; r_mag and b_mag included), and `cajal fit`
// accepts both methods by name. The switching runs (#12/#14, below) add sae-l1, the third kind whose step changes graph
// with its codes' density.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeNpy } from '../../main/io/npy';
import { runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { assertSameWeights, killedAndStraightFit } from '../helpers/kill-resume';
import { plantedData } from './sae-planted';

const dir = tempDir();
const project = join(dir, 'kill.cajal');
const d = 16;
let harvest = 0;

before(async () => {
  const planted = plantedData(4, d, 48, 6000, 3);
  writeFileSync(join(dir, 'x.npy'), writeNpy(planted.data, [planted.rows, d]));
  const r = await runCliInProcess(['import-activations', '--project', project, '--npy', join(dir, 'x.npy'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  harvest = (JSON.parse(r.stdout) as { harvest: { id: number } }).harvest.id;
});

// #12/#14: the last three runs' codes start dense and become sparse (a high threshold or penalty), so the fit
// switches from the dense to the sparse graph (sae-jumprelu-sparse.ts, sae-gated-sparse.ts, sae-l1-sparse.ts)
// before the kill: the choice rides in the checkpoint (the last step's density), so the resumed run picks the same
// graphs, bit for bit.
for (const [method, extra] of [
  ['sae-jumprelu', []],
  ['sae-gated', []],
  ['sae-jumprelu', ['--param', 'l0Coefficient=1', '--param', 'initThreshold=0.5']],
  ['sae-gated', ['--param', 'initThreshold=0.6']],
  ['sae-l1', ['--param', 'l1Coefficient=1.5', '--param', 'l1WarmupSteps=0', '--param', 'lr=0.01']],
] as const) {
  test(`${method}${extra.length ? ' (switching to the sparse graph)' : ''}: a CLI fit killed with SIGKILL resumes from its checkpoint to the weights of an uninterrupted run`, { timeout: 240_000 }, async () => {
    const args = (p: string) => ['fit', '--project', p, '--harvest', String(harvest), '--method', method, '--k', '256', '--steps', '500', '--seed', '3',
      '--param', 'batchSize=512', '--param', 'checkpointEvery=100', ...extra, '--json'];
    const { resumed: a, straight: b } = await killedAndStraightFit(project, args, { dir, prefix: `${method}-${extra.length}-`, method, killAtStep: 200 });
    if (method !== 'sae-l1') assert.ok(a.some((r) => r.name === (method === 'sae-jumprelu' ? 'log_threshold' : 'r_mag')), `the stored ${method} keeps its own tensors`);
    // The switching run is compared bit for bit: a step on the other graph differs only by float rounding (~1e-7).
    assertSameWeights(a, b, extra.length ? 0 : undefined);
  });
}
