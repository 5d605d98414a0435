// A disk that fills up mid-harvest: the job fails with one sentence saying so, every chunk committed before stays
// readable, and once space is freed the same command resumes and finishes with exactly the rows asked for.
// The "disk" is a small tmpfs mounted for the test (needs root, as in CI; skipped with the reason otherwise).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { streamChunks, streamRowMeta } from '../../main/store/activations';
import { openProjectDb } from '../../main/store/project';
import { getHarvest } from '../../main/store/repo';
import { runCli } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const mountPoint = join(tempDir(), 'small-disk');
mkdirSync(mountPoint);
const mount = (options: string) => spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountPoint], { encoding: 'utf8' });
// The disk holds an empty project (its size grows with every migration: one 64 KiB page per table at least) plus
// about 2 MB, so some chunks commit before it fills, whatever the schema.
const empty = join(tempDir(), 'empty.cajal');
openProjectDb(empty, { create: true }).close();
const emptyBytes = ['', '-wal', '-shm'].reduce((sum, suffix) => sum + (existsSync(empty + suffix) ? statSync(empty + suffix).size : 0), 0);
const diskKb = Math.ceil(emptyBytes / 1024) + 2048;
const mounted = mount(`size=${diskKb}k`);
const skip = mounted.status === 0 ? false : `cannot mount a small tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()}); run as root to test a full disk`;

after(() => {
  if (!skip) spawnSync('umount', [mountPoint]);
});

// cifar10-cnn's conv map "40" at all 144 positions: 144 rows × 24 floats ≈ 14 KB per stimulus, so 600 noise images
// (≈ 8.6 MB with row metadata) cannot fit in the 2 MB left.
const ITEMS = 600;
const args = (project: string) => [
  'harvest', '--project', project, '--model', fixtureModels.cifar10(), '--tensor', '40', '--positions', 'all',
  '--stimuli', `noise:white:${ITEMS}`, '--batch', '16', '--chunk-rows', '1440', '--json',
];

test('a full disk mid-harvest: clear error, committed rows kept, resumes after space is freed', { skip, timeout: 180_000 }, async () => {
  const project = join(mountPoint, 'full.cajal');
  const failed = await runCli(args(project));
  assert.notEqual(failed.code, 0, 'the harvest cannot fit');
  const lines = failed.stderr.trim().split('\n').filter((l) => l.trim() && !l.startsWith('\r'));
  assert.equal(lines.length, 1, `one sentence, got:\n${failed.stderr}`);
  assert.match(lines[0]!, /disk is full/i);
  assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');

  // What was committed before the disk filled is intact and consistent with the harvest's row count.
  let db = openProjectDb(project);
  const before = getHarvest(db, 1);
  assert.ok(before.rowsDone > 0 && before.rowsDone < ITEMS * 144, `rows committed before the disk filled: ${before.rowsDone}`);
  assert.equal(before.rowsDone % 1440, 0, 'only whole chunks are committed');
  let rows = 0;
  for (const c of streamChunks(db, 1)) rows += c.rowCount;
  assert.equal(rows, before.rowsDone);
  db.close();

  // Free space (grow the disk) and run the same command: it resumes where the last chunk ended.
  const grown = spawnSync('mount', ['-o', 'remount,size=64m', mountPoint], { encoding: 'utf8' });
  assert.equal(grown.status, 0, grown.stderr);
  const resumed = await runCli(args(project));
  assert.equal(resumed.code, 0, resumed.stderr);
  const report = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as { resumedFromRow: number; harvests: { rows: number }[] };
  assert.equal(report.resumedFromRow, before.rowsDone);
  assert.equal(report.harvests[0]!.rows, ITEMS * 144);

  db = openProjectDb(project);
  rows = 0;
  const stimuli = new Set<number>();
  for (const c of streamChunks(db, 1)) rows += c.rowCount;
  for (const r of db.prepare('SELECT status FROM harvests').pluck().all()) assert.equal(r, 'done');
  for (const c of streamRowMeta(db, 1)) for (let i = 0; i < c.meta.length; i += 4) stimuli.add(c.meta[i]!);
  db.close();
  assert.equal(rows, ITEMS * 144);
  assert.equal(stimuli.size, ITEMS, 'every stimulus exactly once');
});
