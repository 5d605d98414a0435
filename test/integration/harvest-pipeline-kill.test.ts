// A pipelined harvest (#14) killed with SIGKILL at a random moment, then resumed, stores exactly what an
// uninterrupted harvest with pipelining off stores: rows, row metadata and unit statistics, bit for bit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, tempDir } from '../helpers/fixtures';
import { assertSameHarvest, cli, harvest, rowsDone, stored } from './harvest-pipeline-helpers';

test('a pipelined harvest killed at a random moment resumes to exactly the uninterrupted harvest', { timeout: 180_000 }, async () => {
  const items = 2000;
  const args = (project: string) => [
    'harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU114_Output_0',
    '--stimuli', 'mnist', '--limit', String(items), '--scale', '1', '--chunk-rows', '100', '--json',
  ];
  const dir = tempDir();
  const killed = join(dir, 'killed.cajal');
  // The moment: once a random number of rows is committed, after a random further delay (both in the message).
  const threshold = 100 + Math.floor(Math.random() * 1300);
  const delayMs = Math.floor(Math.random() * 40);
  const moment = `killed after ${threshold} rows + ${delayMs} ms`;
  const child = cli(args(killed), true);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  while (rowsDone(killed) < threshold) {
    assert.equal(child.exitCode, null, `the harvest ended before it could be ${moment}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', moment);
  const atKill = rowsDone(killed);
  assert.ok(atKill >= threshold && atKill < items && atKill % 100 === 0, `${moment}: ${atKill} rows committed`);

  const resumed = await harvest(args(killed), true);
  const report = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as { resumedFromRow: number; harvests: { rows: number }[] };
  assert.equal(report.resumedFromRow, atKill, moment);
  assert.equal(report.harvests[0]!.rows, items);

  // The reference is uninterrupted and written inline, so this also compares the two paths across a resume.
  const fresh = join(dir, 'fresh.cajal');
  await harvest(args(fresh), false);
  const a = stored(killed);
  const b = stored(fresh);
  assert.equal(a.pipelined, true);
  assertSameHarvest(a, b, items);
});
