// Bases fitted through the lab on a real harvest in a real project file: every method, stored weights reloaded,
// an SAE killed with SIGKILL resumed to the same weights, SAELens round trip, and bad input refused with nothing written.
// The CLI commands run in this process (the same argument parsing and commands as `cajal`, connections closed after
// each as at a process's exit): their refusals are matched by pattern, not held to one line, so a child process would
// add only its start-up. The SIGKILL test kills a real child process (helpers/kill-resume).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeSafetensors } from '../../main/io/safetensors';
import { writeNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { fileDigest, runCliInProcess as runCli } from '../helpers/cli';
import { repoRoot, tempDir } from '../helpers/fixtures';
import { assertSameWeights, killedAndStraightFit } from '../helpers/kill-resume';

const dir = tempDir();
const project = join(dir, 'fit.cajal');
const mlp = join(repoRoot, 'resources/models/mnist-mlp.onnx');
let hidden = 0; // hidden2 of the bundled MLP over 2,000 digits: 128 ReLU units
let logits = 0; // logits: signed

before(async () => {
  const r = await runCli(['harvest', '--project', project, '--model', mlp, '--tensor', 'hidden2', '--tensor', 'logits', '--stimuli', 'mnist:2000', '--scale', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { harvests: { id: number; tensor: string }[] };
  hidden = out.harvests.find((h) => h.tensor === 'hidden2')!.id;
  logits = out.harvests.find((h) => h.tensor === 'logits')!.id;
});

const lab = new Lab(() => undefined);
after(() => lab.shutdown());

test('all eight methods fit a harvest as jobs, store their weights and held-out quality, and reload', async () => {
  lab.openProject({ path: project, create: false });
  const fits: [string, Record<string, number | string | boolean>][] = [
    ['neurons', {}],
    ['random', { nFeatures: 32 }],
    ['pca', { nFeatures: 128 }],
    ['ica', { nFeatures: 16 }],
    ['nmf', { nFeatures: 16, maxIter: 100 }],
    ['kmeans', { nFeatures: 20, cosine: true }],
    ['sae-l1', { nFeatures: 256, steps: 300, batchSize: 256 }],
    ['sae-topk', { nFeatures: 256, k: 8, steps: 300, batchSize: 256 }],
  ];
  for (const [method, params] of fits) {
    const started = lab.startFit({ harvestId: hidden, method: method as never, seed: 1, params });
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'done', `${method}: ${job.error}`);
    const b = lab.getBasis(started.basisId);
    assert.equal(b.status, 'done');
    assert.ok(b.quality, `${method} has quality`);
    assert.ok(b.quality.rows > 100, 'measured on held-out rows');
    if (method === 'neurons' || method === 'pca') assert.ok(b.quality.explainedVariance! > 0.999, `${method} reconstructs exactly`);
    if (method.startsWith('sae')) {
      assert.ok(b.trainingLog.length > 0, 'training curve stored');
      assert.ok(b.quality.explainedVariance! > 0.3, `${method} explains variance: ${b.quality.explainedVariance}`);
      assert.ok(b.quality.l0 < 256 * 0.5, `${method} is sparse: L0 ${b.quality.l0}`);
    }
    if (method === 'sae-topk') assert.ok(b.quality.l0 <= 8 + 1e-9);
  }
  // Directions of a stored basis reload and export as .npy.
  const pca = lab.listBases(hidden).find((b) => b.method === 'pca')!;
  const npy = join(dir, 'pca.npy');
  const r = await lab.exportDirections({ basisId: pca.id, path: npy });
  assert.deepEqual(r.shape, [128, 128]);
  assert.equal(readFileSync(npy).length > 128 * 128 * 4, true);
});

test('SAELens export and import round trip: the imported SAE encodes like the original', async () => {
  const sae = lab.listBases(hidden).find((b) => b.method === 'sae-l1')!;
  const out = join(dir, 'sae-export');
  await lab.exportSae({ basisId: sae.id, dir: out });
  const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as { d_in: number; d_sae: number; normalize_activations: string };
  assert.deepEqual([cfg.d_in, cfg.d_sae, cfg.normalize_activations], [128, 256, 'none']);
  const imported = await lab.importSae({ harvestId: hidden, path: out });
  assert.equal(imported.status, 'imported');
  const { loadBasis } = await import('../../main/bases/load');
  const { getBasis } = await import('../../main/store/bases');
  const { readRows } = await import('../../main/store/activations');
  const db = lab['db']!;
  const rows = readRows(db, hidden, [0, 1, 2, 3]);
  const x = new Float32Array(4 * 128);
  [0, 1, 2, 3].forEach((r, i) => x.set(rows.get(r)!, i * 128));
  const a = await loadBasis(db, getBasis(db, sae.id)).encode(x, 4);
  const b = await loadBasis(db, getBasis(db, imported.id)).encode(x, 4);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
  }
  assert.ok(maxDiff <= 1e-4 * Math.max(1, maxAbs), `max difference ${maxDiff}`);
});

test('bad input is refused in words and writes nothing', async () => {
  await lab.closeProject();
  const before = fileDigest(project);
  const expectFail = async (args: string[], pattern: RegExp) => {
    const r = await runCli(args);
    assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(fileDigest(project), before, `${args.join(' ')} left the project unchanged`);
  };
  await expectFail(['fit', '--project', project, '--harvest', String(hidden), '--method', 'pca', '--k', '500'], /500/);
  await expectFail(['fit', '--project', project, '--harvest', String(logits), '--method', 'nmf', '--k', '4'], /NMF needs non-negative activations/);
  await expectFail(['fit', '--project', project, '--harvest', String(hidden), '--method', 'sae-l1', '--param', 'lerning_rate=0.1'], /no parameter lerning_rate/);

  const wrong = join(dir, 'wrong-sae');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(wrong);
  writeFileSync(join(wrong, 'sae_weights.safetensors'), writeSafetensors({
    W_enc: { shape: [64, 32], data: new Float32Array(64 * 32) },
    b_enc: { shape: [32], data: new Float32Array(32) },
    W_dec: { shape: [32, 64], data: new Float32Array(32 * 64) },
    b_dec: { shape: [64], data: new Float32Array(64) },
  }));
  await expectFail(['import-sae', '--project', project, '--harvest', String(hidden), '--sae', wrong], /64-dimensional activations but harvest/);
  const mismatched = join(dir, 'mismatched-sae');
  mkdirSync(mismatched);
  writeFileSync(join(mismatched, 'sae_weights.safetensors'), writeSafetensors({
    W_enc: { shape: [128, 32], data: new Float32Array(128 * 32) },
    b_enc: { shape: [31], data: new Float32Array(31) },
    W_dec: { shape: [32, 128], data: new Float32Array(32 * 128) },
    b_dec: { shape: [128], data: new Float32Array(128) },
  }));
  await expectFail(['import-sae', '--project', project, '--harvest', String(hidden), '--sae', mismatched], /b_enc .* is 31 but/);
  const corrupt = join(dir, 'corrupt-sae');
  mkdirSync(corrupt);
  const good = writeSafetensors({ W_enc: { shape: [128, 4], data: new Float32Array(512) } });
  good.writeBigUInt64LE(BigInt(1e12), 0);
  writeFileSync(join(corrupt, 'sae_weights.safetensors'), good);
  await expectFail(['import-sae', '--project', project, '--harvest', String(hidden), '--sae', corrupt], /not a valid safetensors file/);
});

test('import-activations makes a harvest from a NumPy matrix with labels', async () => {
  const x = new Float32Array(300 * 6).map((_, i) => Math.sin(i));
  writeFileSync(join(dir, 'x.npy'), writeNpy(x, [300, 6]));
  writeFileSync(join(dir, 'y.npy'), writeNpy(new Float32Array(300).map((_, i) => i % 3), [300]));
  const p2 = join(dir, 'imported.cajal');
  const r = await runCli(['import-activations', '--project', p2, '--npy', join(dir, 'x.npy'), '--labels', join(dir, 'y.npy'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const h = (JSON.parse(r.stdout) as { harvest: { id: number; rowsDone: number; dim: number } }).harvest;
  assert.deepEqual([h.rowsDone, h.dim], [300, 6]);
  const fit = await runCli(['fit', '--project', p2, '--harvest', String(h.id), '--method', 'pca', '--json']);
  assert.equal(fit.code, 0, fit.stderr);
});

test('an SAE fit killed with SIGKILL resumes from its checkpoint to the weights of an uninterrupted run', { timeout: 300_000 }, async () => {
  const args = (p: string) => ['fit', '--project', p, '--harvest', String(hidden), '--method', 'sae-l1', '--k', '256', '--steps', '600', '--seed', '7',
    '--param', 'batchSize=128', '--param', 'checkpointEvery=100', '--json'];
  const { resumed, straight } = await killedAndStraightFit(project, args, { dir, prefix: '', method: 'sae-l1', killAtStep: 200 });
  assertSameWeights(resumed, straight);
});
