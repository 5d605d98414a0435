// A pipelined harvest (#14) killed with SIGKILL at a random moment, then resumed, stores exactly what an
// uninterrupted harvest with pipelining off stores: rows, row metadata and unit statistics, bit for bit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, tempDir } from '../helpers/fixtures';
import { committedRows, killOnceCommitted } from '../helpers/kill-resume';
import { assertSameHarvest, cli, harvest, stored } from './harvest-pipeline-helpers';

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
  const { signal } = await killOnceCommitted(args(killed), () => committedRows(killed) >= threshold, { start: (a) => cli(a, true), pollMs: 10, delayMs, moment });
  assert.equal(signal, 'SIGKILL', moment);
  const atKill = committedRows(killed);
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
