#!/usr/bin/env node
// `npm test`'s checks before the tests: lint, the two type checks and the build, two at a time. eslint, tsc and
// vue-tsc each keep one core busy for most of their run, so on CI's two cores a pair takes about as long as the longer
// one; run one after another they cost CI about a minute more. They read the sources and write nothing but out/,
// which eslint ignores and neither type check includes, so their order does not matter. Each one's output is printed
// whole when it ends (no interleaved lines); every check runs to its end so that all failures are reported, and the
// exit status is non-zero if any failed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// Longest first (as measured on CI), so the last one to start is a short one.
const checks = [
  { name: 'typecheck (main, tests)', cmd: bin('tsc'), args: ['-p', 'tsconfig.node.json', '--noEmit'] },
  { name: 'lint', cmd: bin('eslint'), args: ['.'] },
  { name: 'build', cmd: bin('electron-vite'), args: ['build'] },
  { name: 'typecheck (renderer)', cmd: bin('vue-tsc'), args: ['-p', 'tsconfig.web.json', '--noEmit'] },
];
const concurrency = Number(process.env.CAJAL_CHECK_CONCURRENCY ?? '2');

function run(check) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(check.cmd, check.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let finished = false;
    const done = (code) => {
      if (finished) return; // a failed spawn reports both 'error' and 'close'
      finished = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n> ${check.name}: ${[check.cmd.replace(`${root}/`, ''), ...check.args].join(' ')} (${seconds} s, ${code === 0 ? 'ok' : `exit ${code}`})\n${output}`);
      resolve(code === 0);
    };
    child.on('error', (err) => {
      output += `${err.message}\n`;
      done(1);
    });
    child.on('close', (code) => done(code ?? 1));
  });
}

const queue = [...checks];
let failed = 0;
await Promise.all(
  Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (let check = queue.shift(); check; check = queue.shift()) if (!(await run(check))) failed++;
  }),
);
if (failed > 0) {
  console.error(`\n${failed} of ${checks.length} checks failed.`);
  process.exit(1);
}
