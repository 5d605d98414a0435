// h18imp (#18 item 4): import-sae in blocks, as a job. With CAJAL_MEMORY_CAP_MB = 1 the matrices are stored in many
// blocks; for standard (b_dec folded), TopK and Gated (folded) SAEs — JumpReLU folds as standard does — the stored basis
// equals, bit for bit, the whole-file import's (services/saelens.ts importSae, the path before #18). A cancelled
// import is listed nowhere, resumes at the blocks it lacks and then equals the whole-file import too.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeNpy } from '../../main/io/npy';
import { writeSafetensors } from '../../main/io/safetensors';
import { makeJobContext } from '../../main/jobs/context';
import { CancelledError, type JobInfo } from '../../main/jobs/types';
import { runSaeImportJob } from '../../main/sae-import/job';
import { Lab } from '../../main/services/lab';
import { importSae as importWhole } from '../../main/services/saelens';
import { getBasis, listBases, loadBasisTensors } from '../../main/store/bases';
import { readBasisTensor } from '../../main/store/feature-columns';
import type { Db } from '../../main/store/project';
import { getJob } from '../../main/store/repo';
import { Rng } from '../../main/util/random';
import { tempDir } from '../helpers/fixtures';

const D = 24;
const M = 1536;
const dir = tempDir('cajal-sae-import-blocks-');
const capBefore = process.env.CAJAL_MEMORY_CAP_MB;
let onJob: ((job: JobInfo) => void) | null = null;
const lab = new Lab((event, payload) => {
  if (event === 'job') onJob?.(payload as JobInfo);
});
const db = (): Db => lab['db']!;
let harvestId = 0;
const rng = new Rng(418);

function normal(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  rng.fillNormal(a);
  return a.map((v) => v * scale);
}

/** An SAELens folder of the given architecture with random weights (values that make every fold non-trivial). */
function writeSae(name: string, arch: 'standard' | 'topk' | 'jumprelu' | 'gated', applyBDec: boolean): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const t: Record<string, { shape: number[]; data: Float32Array }> = {
    W_enc: { shape: [D, M], data: normal(D * M, 0.2) },
    W_dec: { shape: [M, D], data: normal(M * D, 0.2) },
    b_dec: { shape: [D], data: normal(D, 0.5) },
  };
  if (arch === 'gated') {
    t.b_gate = { shape: [M], data: normal(M, 0.1) };
    t.r_mag = { shape: [M], data: normal(M, 0.1) };
    t.b_mag = { shape: [M], data: normal(M, 0.1) };
  } else {
    t.b_enc = { shape: [M], data: normal(M, 0.1) };
  }
  if (arch === 'jumprelu') t.threshold = { shape: [M], data: normal(M, 0.1).map(Math.abs) };
  writeFileSync(join(folder, 'sae_weights.safetensors'), writeSafetensors(t));
  const cfg: Record<string, unknown> = { d_in: D, d_sae: M, architecture: arch, apply_b_dec_to_input: applyBDec, normalize_activations: 'none' };
  if (arch === 'topk') cfg.k = 8;
  writeFileSync(join(folder, 'cfg.json'), JSON.stringify(cfg));
  return folder;
}

before(async () => {
  // 1 MB cap → 16 KB blocks: W_enc (24 × 1536, 6 KB a row) is stored in 12 blocks of 2 rows, W_dec (1536 × 24) in
  // 10 blocks of 170 rows (the last shorter).
  process.env.CAJAL_MEMORY_CAP_MB = '1';
  lab.openProject({ path: join(dir, 'blocks.cajal'), create: true });
  const x = normal(64 * D);
  writeFileSync(join(dir, 'x.npy'), writeNpy(x, [64, D]));
  harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
});
after(async () => {
  await lab.shutdown();
  if (capBefore === undefined) delete process.env.CAJAL_MEMORY_CAP_MB;
  else process.env.CAJAL_MEMORY_CAP_MB = capBefore;
});

function assertSameBasis(blockId: number, wholeId: number): void {
  const a = getBasis(db(), blockId);
  const b = getBasis(db(), wholeId);
  assert.deepEqual([a.method, a.params, a.nFeatures, a.dim, a.status, a.seed], [b.method, b.params, b.nFeatures, b.dim, b.status, b.seed]);
  const ta = loadBasisTensors(db(), blockId);
  const tb = loadBasisTensors(db(), wholeId);
  assert.deepEqual(Object.keys(ta).sort(), Object.keys(tb).sort());
  for (const name of Object.keys(tb)) {
    assert.deepEqual(ta[name]!.shape, tb[name]!.shape, name);
    assert.ok(Buffer.from(ta[name]!.data.buffer).equals(Buffer.from(tb[name]!.data.buffer)), `${name} differs from the whole-file import`);
  }
  assert.deepEqual(readBasisTensor(db(), blockId, 'W_enc')!.data, tb.W_enc!.data, 'one tensor read alone is reassembled from its blocks');
  const blocks = db().prepare('SELECT name, COUNT(*) AS n FROM basis_tensor_blocks WHERE basis_id = ? GROUP BY name ORDER BY name').all(blockId);
  assert.deepEqual(blocks, [
    { name: 'W_dec', n: 10 },
    { name: 'W_enc', n: 12 },
  ]);
}

for (const [arch, applyBDec] of [['standard', false], ['topk', true], ['gated', false]] as const) {
  test(`${arch}, apply_b_dec_to_input ${applyBDec}: the block import stores exactly the whole-file import's basis`, async () => {
    const folder = writeSae(`${arch}-${applyBDec}`, arch, applyBDec);
    const blocked = await lab.importSae({ harvestId, path: folder });
    const whole = await importWhole(db(), { harvestId, path: folder, name: 'reference' });
    assert.equal(blocked.status, 'imported');
    assertSameBasis(blocked.id, whole.id);
    const job = lab.jobs.list().find((j) => j.id === getBasis(db(), blocked.id).jobId)!;
    assert.equal(job.kind, 'import-sae');
    assert.equal(job.status, 'done');
  });
}

test('a cancelled import is listed nowhere; resumed, it finishes from its stored blocks and equals the whole-file import', async () => {
  const folder = writeSae('resume', 'standard', false);
  onJob = (job) => {
    // Cancelled as soon as it starts: the worker stops at its first check, before its first block.
    if (job.kind === 'import-sae' && job.status === 'running') lab.jobs.cancel(job.id);
  };
  const before = listBases(db()).length;
  await assert.rejects(lab.importSae({ harvestId, path: folder, name: 'resumed' }), (err: Error) => {
    assert.match(err.message, /^The import of basis \d+ was cancelled at \d+ %; resume job \d+ to finish it/);
    return true;
  });
  onJob = null;
  const row = db().prepare("SELECT id, job_id AS jobId FROM bases WHERE name = 'resumed'").get() as { id: number; jobId: number };
  const blocks = () => db().prepare('SELECT COUNT(*) FROM basis_tensor_blocks WHERE basis_id = ?').pluck().get(row.id) as number;
  // Stopped part-way (as a kill would leave it): the job's own runner, in this thread with the job context the worker
  // uses, cancelled by its progress sink once 5 blocks are in.
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let reports = 0;
  const ctx = makeJobContext(db(), join(dir, 'blocks.cajal'), row.jobId, flag, () => {
    if (++reports === 5) Atomics.store(flag, 0, 1);
  }, 0);
  await assert.rejects(runSaeImportJob(getJob(db(), row.jobId).params, ctx), CancelledError);
  assert.equal(blocks(), 5, 'five blocks were committed before the cancel');
  assert.equal(getBasis(db(), row.id).status, 'importing');
  assert.equal(listBases(db()).length, before, 'the half-done import is not listed');
  assert.equal(lab.listBases(harvestId).some((b) => b.id === row.id), false);
  assert.equal(lab.projectInfo()!.counts.bases, before, 'nor counted');
  await lab.resumeJob(row.jobId);
  const done = await lab.jobs.wait(row.jobId);
  assert.equal(done.status, 'done', done.error ?? '');
  assert.equal(listBases(db()).length, before + 1);
  const whole = await importWhole(db(), { harvestId, path: folder, name: 'reference' });
  assertSameBasis(row.id, whole.id);
});

test('bad input is refused in one sentence before anything is written', async () => {
  const folder = join(dir, 'wrong-width');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'sae_weights.safetensors'), writeSafetensors({ W_enc: { shape: [D + 1, 8], data: new Float32Array((D + 1) * 8) }, b_enc: { shape: [8], data: new Float32Array(8) }, W_dec: { shape: [8, D + 1], data: new Float32Array(8 * (D + 1)) }, b_dec: { shape: [D + 1], data: new Float32Array(D + 1) } }));
  const counts = () => [db().prepare('SELECT COUNT(*) FROM bases').pluck().get(), db().prepare('SELECT COUNT(*) FROM jobs').pluck().get()];
  const was = counts();
  await assert.rejects(lab.importSae({ harvestId, path: folder }), /The SAE reads 25-dimensional activations but harvest \d+ .* has 24 units\./);
  assert.deepEqual(counts(), was);
});
