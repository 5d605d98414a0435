// deploy/ (#14 item 3, room: scale): the Slurm array-job script passes shellcheck and the Kubernetes manifest passes
// yamllint (strict), with the shell each pod runs passing shellcheck too; each lint is skipped, saying so, where
// Debian's tool is not installed (.ci/run installs both). Then the Slurm script runs here for real, stage by stage:
// its submit stage against a stand-in `sbatch` that records the two submissions (an array of SHARDS tasks, and a
// merge job after all of them), then each array task's shard stage and the merge stage with the real CLI, and the
// merged project holds the whole harvest. No cluster, no container build: those are not tested here.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { decodeRowMeta } from '../../main/store/row-meta';
import { repoRoot, tempDir } from '../helpers/fixtures';

const script = join(repoRoot, 'deploy', 'slurm', 'harvest-shards.sh');
const manifest = join(repoRoot, 'deploy', 'k8s', 'harvest-shards.yaml');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skipWithout = (tool: string) => (has(tool) ? false : `${tool} is not installed (apt-get install ${tool}; .ci/run does)`);

test('the Slurm script passes shellcheck', { skip: skipWithout('shellcheck') }, () => {
  const r = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the Kubernetes manifest passes yamllint (strict), and the shell its pods run passes shellcheck', { skip: skipWithout('yamllint') }, (t) => {
  const r = spawnSync('yamllint', ['--strict', manifest], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  if (!has('shellcheck')) {
    t.skip('shellcheck is not installed, so the pods’ shell was not checked');
    return;
  }
  // yamllint depends on python3-yaml, so the manifest can be read with it here.
  const scripts = JSON.parse(execFileSync('python3', ['-c', `import json, sys, yaml
out = []
for doc in yaml.safe_load_all(open(sys.argv[1])):
    pod = (doc.get('spec') or {}).get('template', {}).get('spec', {})
    for c in pod.get('initContainers', []) + pod.get('containers', []):
        out.append({'name': c['name'], 'command': c['command'], 'script': c['args'][0]})
print(json.dumps(out))`, manifest], { encoding: 'utf8' })) as { name: string; command: string[]; script: string }[];
  assert.deepEqual(scripts.map((s) => s.name), ['shard', 'wait-for-shards', 'merge']);
  for (const s of scripts) {
    assert.deepEqual(s.command, ['/bin/sh', '-c']);
    const check = spawnSync('shellcheck', ['--shell=sh', '-'], { input: s.script, encoding: 'utf8' });
    assert.equal(check.status, 0, `${s.name}: ${check.stdout}${check.stderr}`);
    assert.match(s.script, s.name === 'shard' ? /--shard "\$i\/\$SHARDS"/ : /SHARDS/);
  }
});

test('the Slurm script submits an array and a dependent merge, and its stages record and merge the shards here', { timeout: 120_000 }, () => {
  const dir = tempDir('cajal-slurm-');
  const out = join(dir, 'run');
  // A stand-in for Slurm's sbatch: records its arguments and answers job ids as --parsable does.
  const bin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${dir}/sbatch.log"\nn=$(wc -l < "${dir}/sbatch.log")\necho "$((4000 + n));cluster"\n`);
  chmodSync(join(bin, 'sbatch'), 0o755);
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    SHARDS: '2',
    OUT_DIR: out,
    MODEL: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx'),
    TENSOR: 'hidden1',
    STIMULI: 'mnist',
    HARVEST_ARGS: '--scale 1 --limit 256 --chunk-rows 64',
    CAJAL: `${process.execPath} --import tsx ${join(repoRoot, 'main', 'cli', 'index.ts')}`,
  };
  const submitted = execFileSync(script, { env, encoding: 'utf8', cwd: repoRoot });
  assert.match(submitted, /shards: job 4001 \(array 0-1\); merge: job 4002 into /);
  const [array, merge] = readFileSync(join(dir, 'sbatch.log'), 'utf8').trim().split('\n');
  assert.match(array!, /--array=0-1 .*--export=ALL,CAJAL_STAGE=shard .*harvest-shards\.sh$/);
  assert.match(merge!, /--dependency=afterok:4001 .*--export=ALL,CAJAL_STAGE=merge .*harvest-shards\.sh$/);

  // What Slurm would then run: each array task, then the merge job.
  for (const task of ['1', '0']) execFileSync(script, { env: { ...env, CAJAL_STAGE: 'shard', SLURM_ARRAY_TASK_ID: task }, cwd: repoRoot, stdio: 'pipe' });
  const merged = execFileSync(script, { env: { ...env, CAJAL_STAGE: 'merge' }, cwd: repoRoot, encoding: 'utf8' });
  assert.match(merged, /harvest 1: hidden1 — 256 rows × 256 units from 2 shards \(4 chunks\)/);
  const db = new Database(join(out, 'merged.cajal'), { readonly: true });
  try {
    const h = db.prepare('SELECT rows_done, status FROM harvests WHERE id = 1').get() as { rows_done: number; status: string };
    assert.deepEqual(h, { rows_done: 256, status: 'done' });
    const meta = db.prepare('SELECT row_count, row_meta FROM activation_chunks WHERE harvest_id = 1 ORDER BY chunk_index').all() as { row_count: number; row_meta: Buffer }[];
    const stimuli = meta.flatMap((m) => Array.from(decodeRowMeta(m.row_meta, m.row_count).filter((_, i) => i % 4 === 0)));
    assert.deepEqual(stimuli, Array.from({ length: 256 }, (_, i) => i), 'rows in stimulus order');
  } finally {
    db.close();
  }
});
