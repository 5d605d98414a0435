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
