// Run the `cajal` CLI from the TypeScript sources in a child process, as a user would run the built one.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './fixtures';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliProcess(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/cli/index.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The built `cajal` command (bin/cajal.mjs → out/main/cli.js), as `npx cajal` runs it after `npm run build`. */
export function builtCliProcess(args: string[]): ChildProcess {
  const built = join(repoRoot, 'out/main/cli.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before this test (npm test does).`);
  return spawn(process.execPath, [join(repoRoot, 'bin/cajal.mjs'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], start: (args: string[]) => ChildProcess = cliProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = start(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** SHA-256 of a file, or 'absent' — to prove a command left a project file untouched. */
export function fileDigest(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent';
}

let inProcessBusy = false;

/**
 * The same `cajal` command line run in this process: argument parsing, the command and its exit code as `main()` returns
 * them, with what it writes to stdout and stderr captured. It spares the seconds a new process spends starting tsx and
 * loading the engine; the child-process path stays covered by the tests that need it (kills, the built bin, the demo).
 * Only text is captured: the test runner's own report to its parent is binary and passes straight through. What a
 * native library writes straight to the file descriptors (onnxruntime's log) is not captured, so a test asserting that a
 * refusal prints nothing but its one sentence, where a model may be loaded, keeps the child process.
 */
export async function runCliInProcess(args: string[]): Promise<CliResult> {
  if (inProcessBusy) throw new Error('runCliInProcess: one command at a time (stdout is shared)');
  inProcessBusy = true;
  const { main } = await import('../../main/cli/index');
  const { stopServiceWorker } = await import('../../main/jobs/service');
  let stdout = '';
  let stderr = '';
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  const capture = (stream: NodeJS.WriteStream, original: typeof writeOut, add: (s: string) => void) =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string') return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      add(chunk);
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done) queueMicrotask(done);
      return true;
    } as typeof writeOut;
  process.stdout.write = capture(process.stdout, writeOut, (s) => (stdout += s));
  process.stderr.write = capture(process.stderr, writeErr, (s) => (stderr += s));
  try {
    const code = await main(args);
    // As at the exit of the command's own process: the service worker's connection to the project closes, so the
    // last close folds the write-ahead log into the file (a copy or digest of the file then sees everything written).
    await stopServiceWorker();
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    inProcessBusy = false;
  }
}
