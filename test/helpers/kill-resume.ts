// Kill-and-resume scaffolding shared by the tests that SIGKILL a `cajal` command half-way and resume it: start the
// command in a child process, wait until the project file shows a committed state (rows, a checkpoint), kill it, and
// read back what was committed. The waits are on committed state read from the file, never on time, so they hold on a
// loaded machine; the resumed and uninterrupted runs go in this process (runCliInProcess) to spare two start-ups.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliProcess, runCliInProcess } from './cli';

/**
 * Runs `args` in a child process (`start`, the CLI from the sources by default) until `reached()` says the project holds
 * the state to kill at, waits `delayMs` more, SIGKILLs it and waits for it to exit. Fails if it ends on its own first.
 */
export async function killOnceCommitted(
  args: string[],
  reached: () => boolean,
  o: { start?: (args: string[]) => ChildProcess; pollMs?: number; delayMs?: number; moment?: string } = {},
): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = (o.start ?? cliProcess)(args);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  while (!reached()) {
    assert.equal(child.exitCode, null, `the command ended before it could be ${o.moment ?? 'killed'}: ${stderr}`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 20));
  }
  if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
  child.kill('SIGKILL');
  const signal = await exited;
  return { signal, stderr };
}

function read<T>(project: string, query: (db: Database.Database) => T): T {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

/** Rows the project's harvests have committed (0 before the file exists). */
export function committedRows(project: string): number {
  try {
    return read(project, (db) => (db.prepare('SELECT coalesce(max(rows_done), 0) AS n FROM harvests').get() as { n: number }).n);
  } catch {
    return 0; // not created yet
  }
}

/** The step of the newest fit job's last checkpoint (0 before one). */
export function fitCheckpointStep(project: string): number {
  const row = read(project, (db) => db.prepare("SELECT checkpoint_json FROM jobs WHERE kind = 'fit' ORDER BY id DESC LIMIT 1").get() as { checkpoint_json: string | null } | undefined);
  return row?.checkpoint_json ? (JSON.parse(row.checkpoint_json) as { step: number }).step : 0;
}

/** The weights stored for the newest basis of `method`, checkpoint tensors left out, by name. */
export function basisWeights(project: string, method: string): { name: string; data: Float32Array }[] {
  return read(project, (db) => {
    const id = (db.prepare('SELECT id FROM bases WHERE method = ? ORDER BY id DESC LIMIT 1').get(method) as { id: number }).id;
    const rows = db.prepare("SELECT name, data FROM basis_tensors WHERE basis_id = ? AND name NOT LIKE 'ckpt/%' ORDER BY name").all(id) as { name: string; data: Buffer }[];
    return rows.map((r) => ({ name: r.name, data: new Float32Array(r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength)) }));
  });
}

/**
 * An SAE fit (`fitArgs(project)`, with --json) on two copies of `project`: one killed with SIGKILL once its checkpoint
 * has reached `killAtStep` and resumed with `cajal resume`, one run straight through. Returns the two projects' weights.
 */
export async function killedAndStraightFit(
  project: string,
  fitArgs: (project: string) => string[],
  o: { dir: string; prefix: string; method: string; killAtStep: number },
): Promise<{ resumed: ReturnType<typeof basisWeights>; straight: ReturnType<typeof basisWeights> }> {
  const copy = (name: string) => {
    const p = join(o.dir, `${o.prefix}${name}`);
    writeFileSync(p, readFileSync(project));
    return p;
  };
  const killedProject = copy('killed.cajal');
  const freshProject = copy('fresh.cajal');
  await killOnceCommitted(fitArgs(killedProject), () => fitCheckpointStep(killedProject) >= o.killAtStep, { pollMs: 50, moment: `killed at step ${o.killAtStep}` });
  const jobId = read(killedProject, (db) => (db.prepare("SELECT id FROM jobs WHERE kind = 'fit' ORDER BY id DESC LIMIT 1").get() as { id: number }).id);
  const resumed = await runCliInProcess(['resume', '--project', killedProject, '--job', String(jobId), '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const straight = await runCliInProcess(fitArgs(freshProject));
  assert.equal(straight.code, 0, straight.stderr);
  return { resumed: basisWeights(killedProject, o.method), straight: basisWeights(freshProject, o.method) };
}

/** Same tensor names, and every value within `tolerance` (a resumed fit replays the same batches in the same order). */
export function assertSameWeights(a: ReturnType<typeof basisWeights>, b: ReturnType<typeof basisWeights>, tolerance = 1e-6): void {
  assert.deepEqual(a.map((r) => r.name), b.map((r) => r.name));
  for (let i = 0; i < a.length; i++) {
    let max = 0;
    for (let j = 0; j < a[i]!.data.length; j++) max = Math.max(max, Math.abs(a[i]!.data[j]! - b[i]!.data[j]!));
    assert.ok(max <= tolerance, `${a[i]!.name} differs by ${max}`);
  }
}
