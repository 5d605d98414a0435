// Training on a bigger box (#14 item 4, room: scale): `cajal fit --provider cpu` trains a TopK SAE on onnxruntime's CPU
// provider and records the provider with the fit's stored parameters (a fit without the flag records cpu too);
// `--provider cuda` where the installed onnxruntime-node has no CUDA provider (as here: its CUDA files are never
// downloaded) is refused in one sentence before the project is opened, and the same request through the API fails
// its job with that sentence; --provider on a method without a training graph, or an unknown provider, is refused.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Result } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { resolveSaeParams } from '../../main/bases/sae-params';
import { Lab } from '../../main/services/lab';
import { cudaUnavailableReason } from '../../main/train/provider';
import { fileDigest, runCli } from '../helpers/cli';
import { repoRoot, tempDir } from '../helpers/fixtures';

const project = join(tempDir('cajal-provider-'), 'p.cajal');
const cudaMissing = cudaUnavailableReason();

before(async () => {
  const lab = new Lab(() => undefined);
  lab.openProject({ path: project, create: true });
  const router = createRouter(lab, 'direct');
  const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
  try {
    const model = await call<Result<'models.open'>>('models.open', { path: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx') });
    const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
    const set = await call<Result<'stimuli.create'>>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 600, order: 'interleaved', recipe } });
    const h = await call<Result<'harvests.start'>>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden2'], positions: 'centre' });
    assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  } finally {
    await lab.shutdown();
  }
});

const fitArgs = (...extra: string[]) => ['fit', '--project', project, '--harvest', '1', '--method', 'sae-topk', '--k', '64', '--topk', '8', '--steps', '40', '--param', 'batchSize=64', '--json', ...extra];

function storedParams(basisId: number): Record<string, unknown> {
  const db = new Database(project, { readonly: true });
  try {
    return JSON.parse((db.prepare('SELECT params_json FROM bases WHERE id = ?').get(basisId) as { params_json: string }).params_json) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

test('--provider cpu trains on the CPU provider and is recorded with the fit; the default records cpu', { timeout: 120_000 }, async () => {
  const r = await runCli(fitArgs('--provider', 'cpu'));
  assert.equal(r.code, 0, r.stderr);
  const basis = (JSON.parse(r.stdout) as { basis: { id: number; status: string; quality: { explainedVariance: number } } }).basis;
  assert.equal(basis.status, 'done');
  assert.ok(basis.quality.explainedVariance > 0, `EV ${basis.quality.explainedVariance}`);
  assert.equal(storedParams(basis.id).provider, 'cpu');
  assert.equal(resolveSaeParams('topk', {}, 16).provider, 'cpu', 'without --provider');
  assert.throws(() => resolveSaeParams('topk', { provider: 'tpu' }, 16), /--provider takes cpu or cuda, not tpu\./);
});

test('--provider cuda without a CUDA provider in onnxruntime-node is refused in one sentence, nothing written', { skip: cudaMissing === null && 'this onnxruntime-node has the CUDA provider files, so there is nothing to refuse', timeout: 120_000 }, async () => {
  const before = fileDigest(project);
  const r = await runCli(fitArgs('--provider', 'cuda'));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const err = JSON.parse(r.stderr) as { ok: false; error: { code: string; message: string } };
  assert.equal(err.error.code, 'train.provider');
  assert.match(err.error.message, /^Cannot train on CUDA: the installed onnxruntime-node has no CUDA execution provider [^;]*; use --provider cpu, or install onnxruntime-node with its CUDA files on a machine with an NVIDIA GPU\.$/);
  assert.equal(fileDigest(project), before, 'the project is untouched');

  // The API takes the provider as a fit parameter; without CUDA its job fails with the same sentence.
  const lab = new Lab(() => undefined);
  lab.openProject({ path: project, create: false });
  try {
    const router = createRouter(lab, 'direct');
    const started = (await router.call('bases.fit', { harvestId: 1, method: 'sae-topk', params: { nFeatures: 64, k: 8, steps: 40, provider: 'cuda' } })) as { jobId: number };
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'failed');
    assert.equal(job.error, err.error.message);
  } finally {
    await lab.shutdown();
  }
});

test('--provider on a method without a training graph, or an unknown provider, is refused before the project opens', { timeout: 60_000 }, async () => {
  // A copy of the project, so the digest cannot see a late checkpoint of the previous test's connections (the
  // refusals must leave the file they were pointed at untouched).
  const copy = join(tempDir('cajal-provider-copy-'), 'p.cajal');
  copyFileSync(project, copy);
  const before = fileDigest(copy);
  const pca = await runCli(['fit', '--project', copy, '--harvest', '1', '--method', 'pca', '--provider', 'cpu']);
  assert.equal(pca.code, 1);
  assert.equal(pca.stderr, 'cajal fit: --provider chooses where a training graph runs, so it applies to sae-l1, sae-topk, sae-batchtopk, sae-matryoshka, sae-jumprelu, sae-gated, not pca.\n');
  const tpu = await runCli(fitArgs('--provider', 'tpu').map((a) => (a === project ? copy : a)));
  assert.equal(tpu.code, 1);
  assert.match(tpu.stderr, /--provider takes cpu or cuda, not tpu\./);
  assert.equal(fileDigest(copy), before);
  assert.ok(!existsSync(`${copy}-wal`), 'no write-ahead log was opened');
});
