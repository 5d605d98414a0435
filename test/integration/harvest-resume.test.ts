// A harvest of 10,000 MNIST digits killed with SIGKILL half-way resumes from its last committed chunk and ends with
// exactly the rows an uninterrupted harvest writes. The killed run is a child process; the resumed and uninterrupted
// runs are the same command line run in this process.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { computeUnitStats } from '../../main/harvest/unit-stats';
import { streamChunks, streamRowMeta } from '../../main/store/activations';
import { openProjectDb } from '../../main/store/project';
import { loadUnitStats } from '../../main/store/repo';
import { runCliInProcess as runCli } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';
import { committedRows, killOnceCommitted } from '../helpers/kill-resume';

const args = (project: string) => [
  'harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU114_Output_0',
  '--stimuli', 'mnist', '--limit', '10000', '--scale', '1', '--chunk-rows', '250', '--json',
];

function allRows(project: string): { data: Float32Array; meta: number[] } {
  const db = openProjectDb(project);
  const parts: Float32Array[] = [];
  for (const c of streamChunks(db, 1)) parts.push(c.data);
  const meta: number[] = [];
  for (const c of streamRowMeta(db, 1)) for (let i = 0; i < c.rowCount; i++) meta.push(c.meta[i * 4]!);
  db.close();
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, meta };
}

test('SIGKILL half-way, then the same command resumes and finishes with exactly 10,000 rows', { timeout: 240_000 }, async () => {
  const dir = tempDir();
  const killed = join(dir, 'killed.cajal');
  let seen = 0;
  const { signal } = await killOnceCommitted(args(killed), () => (seen = committedRows(killed)) >= 5000);
  assert.equal(signal, 'SIGKILL');
  const atKill = committedRows(killed);
  assert.ok(atKill >= seen && atKill < 10000, `killed at ${atKill} rows`);

  const resumed = await runCli(args(killed));
  assert.equal(resumed.code, 0, resumed.stderr);
  const report = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as { resumedFromRow: number; harvests: { id: number; rows: number }[] };
  assert.equal(report.resumedFromRow, atKill);
  assert.equal(report.harvests[0]!.rows, 10000);

  const fresh = join(dir, 'fresh.cajal');
  const straight = await runCli(args(fresh));
  assert.equal(straight.code, 0, straight.stderr);

  const a = allRows(killed);
  const b = allRows(fresh);
  assert.equal(a.data.length, 10000 * 16);
  assert.deepEqual(a.meta, Array.from({ length: 10000 }, (_, i) => i));
  assert.deepEqual(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer));

  const db = openProjectDb(killed);
  const jobs = db.prepare('SELECT status FROM jobs').pluck().all();
  assert.deepEqual(jobs, ['done']);
  // Unit statistics are accumulated while chunks commit; the resumed run started from the chunks already there,
  // so they equal the uninterrupted run's and a recomputation from the stored rows, to the last bit.
  const resumedStats = loadUnitStats(db, 1);
  const freshDb = openProjectDb(fresh);
  const freshStats = loadUnitStats(freshDb, 1);
  freshDb.close();
  assert.equal(resumedStats.length, 16);
  assert.deepEqual(resumedStats, freshStats);
  assert.deepEqual(resumedStats, computeUnitStats(db, 1));
  assert.ok(resumedStats.some((u) => u.fracActive > 0 && u.std > 0), 'statistics of real activations');
  db.close();
});
