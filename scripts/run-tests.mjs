#!/usr/bin/env node
// Runs the test files under the given folders or files (default: unit, integration, e2e) with node's test runner. Node 20's
// runner does not expand globs itself, so the files are listed here, in a stable order: fast tests first.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const folders = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/integration', 'test/e2e'];

function collect(dir) {
  if (!statSync(dir).isDirectory()) return [dir]; // a single test file
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = folders.flatMap((f) => collect(join(root, f))).map((f) => relative(root, f));
if (files.length === 0) {
  console.error(`no test files under ${folders.join(', ')}`);
  process.exit(1);
}
// Unit and integration files run two at a time: much of their time is process start-up, transpiling and waiting on
// child processes, which overlaps on two cores (CI went from 22 to 27 minutes serially). The end-to-end files share
// one Chromium-heavy machine and time their waits, so they run one at a time. CAJAL_TEST_CONCURRENCY overrides both.
const forced = process.env.CAJAL_TEST_CONCURRENCY;
const isE2e = (f) => f.split(/[\\/]/).includes('e2e');
const groups = [
  { files: files.filter((f) => !isE2e(f)), concurrency: forced ?? '2' },
  { files: files.filter(isE2e), concurrency: forced ?? '1' },
];
let status = 0;
for (const group of groups) {
  if (group.files.length === 0) continue;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${group.concurrency}`, ...group.files], { cwd: root, stdio: 'inherit' });
  if ((result.status ?? 1) !== 0) status = result.status ?? 1;
}
process.exit(status);
