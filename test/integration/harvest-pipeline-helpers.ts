// Shared by the pipelined-harvest tests (#14): the CLI with pipelining on or off, and everything a harvest stored.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, type CliResult } from '../helpers/cli';
import { repoRoot } from '../helpers/fixtures';

/** The CLI from source with pipelining on or off (the writer thread inherits the environment). */
export function cli(args: string[], pipeline: boolean) {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/cli/index.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CAJAL_HARVEST_PIPELINE: pipeline ? '1' : '0' },
  });
}

export async function harvest(args: string[], pipeline: boolean): Promise<CliResult> {
  const run = await runCli(args, (a) => cli(a, pipeline));
  assert.equal(run.code, 0, run.stderr);
  return run;
}

/** Everything a harvest stored: each chunk's bytes and row metadata, the row counts, the unit statistics as stored. */
export function stored(project: string) {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    return {
      chunks: db.prepare('SELECT harvest_id, chunk_index, first_row, row_count, data, row_meta FROM activation_chunks ORDER BY harvest_id, chunk_index').all(),
      harvests: db.prepare('SELECT id, rows_done, rows_expected, status, params_json FROM harvests ORDER BY id').all(),
      stats: db.prepare('SELECT * FROM unit_stats ORDER BY harvest_id, unit').all(),
      pipelined: (db.prepare('SELECT result_json FROM jobs ORDER BY id DESC LIMIT 1').pluck().get() as string).includes('"pipelined":true'),
    };
  } finally {
    db.close();
  }
}

export function assertSameHarvest(a: ReturnType<typeof stored>, b: ReturnType<typeof stored>, rows: number): void {
  assert.equal((a.harvests[0] as { rows_done: number }).rows_done, rows);
  assert.deepEqual(a.harvests, b.harvests);
  assert.equal(a.chunks.length, b.chunks.length);
  // deepEqual on Buffers compares bytes: every chunk's activations and row metadata, bit for bit.
  a.chunks.forEach((chunk, i) => assert.deepEqual(chunk, b.chunks[i], `chunk ${i}`));
  assert.ok(a.stats.length > 0);
  assert.deepEqual(a.stats, b.stats);
  assert.ok((a.stats as { std: number }[]).some((u) => u.std > 0), 'statistics of real activations');
}
