// h12jg (#12): a JumpReLU or Gated SAE fit run by the CLI, killed with SIGKILL after a checkpoint and resumed with
// `cajal resume`, ends with the weights of an uninterrupted run (log θ; r_mag and b_mag included), and `cajal fit`
// accepts both methods by name.
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

for (const method of ['sae-jumprelu', 'sae-gated'] as const) {
  test(`${method}: a CLI fit killed with SIGKILL resumes from its checkpoint to the weights of an uninterrupted run`, { timeout: 240_000 }, async () => {
    const args = (p: string) => ['fit', '--project', p, '--harvest', String(harvest), '--method', method, '--k', '256', '--steps', '500', '--seed', '3',
      '--param', 'batchSize=512', '--param', 'checkpointEvery=100', '--json'];
    const { resumed: a, straight: b } = await killedAndStraightFit(project, args, { dir, prefix: `${method}-`, method, killAtStep: 200 });
    assert.ok(a.some((r) => r.name === (method === 'sae-jumprelu' ? 'log_threshold' : 'r_mag')), `the stored ${method} keeps its own tensors`);
    assertSameWeights(a, b);
  });
}
