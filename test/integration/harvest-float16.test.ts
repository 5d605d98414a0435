// float16 activation storage (#14 item 2): the demo's layer recorded as float32 and as float16 into two projects —
// the activations take exactly half the bytes and the project file about half of what the rows add; every reader gets
// float32 back, within float16's rounding of the float32 rows; a PCA fit's explained variance agrees within 1e-3; the
// unit statistics are those of the stored (rounded) values, so a resumed harvest computes the same ones.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { BasisInfo, HarvestStats } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { streamChunks } from '../../main/store/activations';
import { defaultRecipeForInput } from '../../main/stimuli/recipe';
import { repoRoot, tempDir } from '../helpers/fixtures';

const DIGITS = 6000;
const dir = tempDir('cajal-f16-');
const labs: Lab[] = [];
after(async () => {
  for (const l of labs) await l.shutdown();
});

async function record(storage: 'float32' | 'float16') {
  const lab = new Lab(() => undefined);
  labs.push(lab);
  const path = join(dir, `${storage}.cajal`);
  lab.openProject({ path, create: true });
  const router = createRouter(lab, 'direct');
  const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
  const model = await call<{ id: number; inputs: { name: string; shape: (number | string)[] }[] }>('models.open', { path: join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx') });
  const input = model.inputs[0]!;
  const set = await call<{ id: number }>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: DIGITS, recipe: { ...defaultRecipeForInput(input.shape as number[], 'float32', input.name), scale: 1 } } });
  const h = await call<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre', storage });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  const harvestId = h.harvestIds[0]!;
  const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method: 'pca', params: { nFeatures: 64 } });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  const basis = (await call<BasisInfo[]>('bases.list', {})).find((b) => b.id === fit.basisId)!;
  const stats = await call<HarvestStats>('harvests.stats', { harvestId });
  const db = lab.database;
  const bytes = (db.prepare('SELECT sum(length(data)) AS n FROM activation_chunks WHERE harvest_id = ?').get(harvestId) as { n: number }).n;
  const rows: Float32Array[] = [];
  for (const c of streamChunks(db, harvestId)) rows.push(c.data);
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { path, basis, stats, bytes, rows, size: statSync(path).size };
}

test('float16 storage: half the bytes, float32 back within rounding, PCA EV within 1e-3, statistics of the stored values', { timeout: 600_000 }, async () => {
  const f32 = await record('float32');
  const f16 = await record('float16');
  assert.equal(f16.bytes * 2, f32.bytes, 'activations: exactly half the bytes');
  const rowsBytes32 = f32.bytes;
  assert.ok(f32.size - f16.size > 0.4 * rowsBytes32, `file: ${f32.size} → ${f16.size} bytes for ${rowsBytes32} bytes of float32 rows`);
  // Readers get float32 within float16's rounding (relative 2^-11, absolute 2^-24 near 0).
  let worst = 0;
  f32.rows.forEach((chunk, k) => {
    const other = f16.rows[k]!;
    for (let i = 0; i < chunk.length; i++) worst = Math.max(worst, Math.abs(chunk[i]! - other[i]!) / Math.max(Math.abs(chunk[i]!), 2 ** -14));
  });
  assert.ok(worst <= 2 ** -11 + 1e-9, `worst relative rounding ${worst}`);
  const ev32 = f32.basis.quality!.explainedVariance!;
  const ev16 = f16.basis.quality!.explainedVariance!;
  assert.ok(Math.abs(ev32 - ev16) < 1e-3, `PCA EV ${ev32} vs ${ev16}`);
  // The statistics are of the stored values: recomputing them from the float16 rows gives the stored means.
  const dim = f16.stats.dim;
  const sums = new Float64Array(dim);
  let n = 0;
  for (const chunk of f16.rows) {
    for (let i = 0; i < chunk.length; i++) sums[i % dim]! += chunk[i]!;
    n += chunk.length / dim;
  }
  for (let u = 0; u < dim; u++) assert.ok(Math.abs(sums[u]! / n - f16.stats.units[u]!.mean) < 1e-6, `unit ${u} mean`);
  console.log(`float16 storage, ${DIGITS} digits × 256 units: rows ${f32.bytes} → ${f16.bytes} bytes, file ${f32.size} → ${f16.size}; worst relative rounding ${worst.toExponential(2)}; PCA(64) EV ${ev32.toFixed(5)} vs ${ev16.toFixed(5)}`);
});
