// h12jg (#12): a JumpReLU or Gated SAE fit run by the CLI, killed with SIGKILL after a checkpoint and resumed with
// `cajal resume`, ends with the weights of an uninterrupted run (log θ; r_mag and b_mag included), and `cajal fit`
// accepts both methods by name.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { writeNpy } from '../../main/io/npy';
import { cliProcess, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { plantedData } from './sae-planted';

const dir = tempDir();
const project = join(dir, 'kill.cajal');
const d = 16;
let harvest = 0;

before(async () => {
  const planted = plantedData(4, d, 48, 6000, 3);
  writeFileSync(join(dir, 'x.npy'), writeNpy(planted.data, [planted.rows, d]));
  const r = await runCli(['import-activations', '--project', project, '--npy', join(dir, 'x.npy'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  harvest = (JSON.parse(r.stdout) as { harvest: { id: number } }).harvest.id;
});

function weights(p: string, method: string): { name: string; data: Float32Array }[] {
  const db = new Database(p, { readonly: true });
  const id = (db.prepare('SELECT id FROM bases WHERE method = ? ORDER BY id DESC LIMIT 1').get(method) as { id: number }).id;
  const rows = db.prepare("SELECT name, data FROM basis_tensors WHERE basis_id = ? AND name NOT LIKE 'ckpt/%' ORDER BY name").all(id) as { name: string; data: Buffer }[];
  db.close();
  return rows.map((r) => ({ name: r.name, data: new Float32Array(r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength)) }));
}

for (const method of ['sae-jumprelu', 'sae-gated'] as const) {
  test(`${method}: a CLI fit killed with SIGKILL resumes from its checkpoint to the weights of an uninterrupted run`, { timeout: 240_000 }, async () => {
    const args = (p: string) => ['fit', '--project', p, '--harvest', String(harvest), '--method', method, '--k', '256', '--steps', '500', '--seed', '3',
      '--param', 'batchSize=512', '--param', 'checkpointEvery=100', '--json'];
    const copy = (name: string) => {
      const p = join(dir, `${method}-${name}`);
      writeFileSync(p, readFileSync(project));
      return p;
    };
    const killedProject = copy('killed.cajal');
    const freshProject = copy('fresh.cajal');
    const child = cliProcess(args(killedProject));
    const exited = new Promise((r) => child.on('exit', r));
    const checkpointStep = () => {
      const db = new Database(killedProject, { readonly: true });
      try {
        const row = db.prepare("SELECT checkpoint_json FROM jobs WHERE kind = 'fit' ORDER BY id DESC LIMIT 1").get() as { checkpoint_json: string | null } | undefined;
        return row?.checkpoint_json ? (JSON.parse(row.checkpoint_json) as { step: number }).step : 0;
      } finally {
        db.close();
      }
    };
    while (checkpointStep() < 200) {
      assert.equal(child.exitCode, null, 'the fit ended before it could be killed');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    const db = new Database(killedProject, { readonly: true });
    const jobId = (db.prepare("SELECT id FROM jobs WHERE kind = 'fit' ORDER BY id DESC LIMIT 1").get() as { id: number }).id;
    db.close();
    const resumed = await runCli(['resume', '--project', killedProject, '--job', String(jobId), '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const straight = await runCli(args(freshProject));
    assert.equal(straight.code, 0, straight.stderr);

    const a = weights(killedProject, method);
    const b = weights(freshProject, method);
    assert.deepEqual(a.map((r) => r.name), b.map((r) => r.name));
    assert.ok(a.some((r) => r.name === (method === 'sae-jumprelu' ? 'log_threshold' : 'r_mag')), `the stored ${method} keeps its own tensors`);
    for (let i = 0; i < a.length; i++) {
      let max = 0;
      for (let j = 0; j < a[i]!.data.length; j++) max = Math.max(max, Math.abs(a[i]!.data[j]! - b[i]!.data[j]!));
      assert.ok(max <= 1e-6, `${a[i]!.name} differs by ${max}`);
    }
  });
}
