// A harvest larger than CAJAL_MEMORY_CAP_MB exports as .npy within the cap: 256 MiB of activations (imported from a
// NumPy file written block by block) go out with the cap at 192 MB, in a child process whose peak resident memory
// (the kernel's VmHWM) is measured; NumPy then reads the file and finds every value.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { fileDigest, runCli } from '../helpers/cli';
import { repoRoot, tempDir } from '../helpers/fixtures';

const ROWS = 262_144;
const DIM = 256;
const CAP_MB = 192;
// The values are a function of their flat index, so NumPy can check the export without holding either file.
const VALUES = `def block(start, n):
    i = np.arange(start * ${DIM}, (start + n) * ${DIM}, dtype=np.int64)
    return (((i * 2654435761) % 1000003).astype(np.float32) / np.float32(1000.0) - np.float32(500.0)).reshape(n, ${DIM})
`;

function cliWithPeakMemory(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; maxRssMb: number }> {
  const entry = pathToFileURL(join(repoRoot, 'main/cli/index.ts')).href;
  // VmHWM is this process image's peak resident set; getrusage's maxRSS would also count the parent's memory at the
  // fork (Linux carries it across exec), and this test's process holds the project's digest input.
  const code = `import(${JSON.stringify(entry)}).then(async (m) => { const c = await m.main(process.argv.slice(1)); const hwm = /VmHWM:\\s+(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]; process.stderr.write('MAXRSS_KB ' + hwm + '\\n'); process.exit(c); })`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout, stderr, maxRssMb: Number(/MAXRSS_KB (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024 }));
  });
}

test(`a ${(ROWS * DIM * 4) / 2 ** 20} MiB harvest exports as .npy with CAJAL_MEMORY_CAP_MB=${CAP_MB}, within the cap`, { timeout: 600_000 }, async (t) => {
  const dir = tempDir('cajal-export-memory-');
  // About 800 MB on disk (the .npy, the project, the export): removed whatever happens.
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const npy = join(dir, 'big.npy');
  const project = join(dir, 'big.cajal');
  execFileSync('/usr/bin/python3', ['-c', `import numpy as np, sys\n${VALUES}\nout = np.lib.format.open_memmap(sys.argv[1], mode='w+', dtype=np.float32, shape=(${ROWS}, ${DIM}))\nfor s in range(0, ${ROWS}, 16384):\n    out[s:s + 16384] = block(s, 16384)\nout.flush()`, npy]);
  const imported = await runCli(['import-activations', '--project', project, '--npy', npy, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const before = fileDigest(project);

  const target = join(dir, 'acts.npy');
  const r = await cliWithPeakMemory(['export', '--project', project, '--what', 'activations', '--harvest', '1', '--format', 'npy', '--out', target], { CAJAL_MEMORY_CAP_MB: String(CAP_MB) });
  assert.equal(r.code, 0, r.stderr);
  const bytes = statSync(target).size;
  assert.ok(bytes > CAP_MB * 2 ** 20, `the export (${bytes} bytes) is larger than the cap`);
  assert.ok(r.maxRssMb < CAP_MB, `peak resident memory ${r.maxRssMb.toFixed(0)} MB stays under the ${CAP_MB} MB cap`);
  process.stderr.write(`# export of ${(bytes / 2 ** 20).toFixed(0)} MiB: peak RSS ${r.maxRssMb.toFixed(0)} MB (cap ${CAP_MB} MB)\n`);

  const checked = execFileSync('/usr/bin/python3', ['-c', `import numpy as np, sys\n${VALUES}\na = np.load(sys.argv[1], mmap_mode='r')\nassert a.shape == (${ROWS}, ${DIM}) and a.dtype == np.float32, (a.shape, a.dtype)\nfor s in range(0, ${ROWS}, 16384):\n    assert np.array_equal(a[s:s + 16384], block(s, 16384)), s\nprint('equal')`, target], { encoding: 'utf8' });
  assert.equal(checked.trim(), 'equal');
  assert.equal(fileDigest(project), before, 'the project only read');
});
