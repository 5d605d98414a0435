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
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
