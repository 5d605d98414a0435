// #12: BatchTopK and Matryoshka SAEs leave Cajal as SAELens saves them for inference — a JumpReLU SAE whose every latent
// carries the one threshold the fit estimated — and come back encoding the same codes.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeNpy } from '../../main/io/npy';
import { readSafetensors } from '../../main/io/safetensors';
import { Lab } from '../../main/services/lab';
import { loadBasis } from '../../main/bases/load';
import { getBasis, loadBasisTensors } from '../../main/store/bases';
import type { Db } from '../../main/store/project';
import { tempDir } from '../helpers/fixtures';
import { plantedData } from './sae-planted';

const dir = tempDir();
const d = 8;
const m = 12;
const planted = plantedData(7, d, 20, 400, 3);
const lab = new Lab(() => undefined);
let harvestId = 0;
const db = (): Db => lab['db']!;
const rows = 100;
const x = planted.data.subarray(0, rows * d);

before(async () => {
  writeFileSync(join(dir, 'x.npy'), writeNpy(planted.data, [planted.rows, d]));
  lab.openProject({ path: join(dir, 'variants.cajal'), create: true });
  harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
});
after(() => lab.shutdown());

for (const method of ['sae-batchtopk', 'sae-matryoshka'] as const) {
  test(`${method} exports as SAELens' JumpReLU with its one threshold and imports back encoding the same`, async () => {
    const started = lab.startFit({ harvestId, method, seed: 4, params: { nFeatures: m, k: 3, steps: 80, batchSize: 64, ...(method === 'sae-matryoshka' ? { nestLevels: 3 } : {}) } });
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'done', job.error ?? '');
    const theta = loadBasisTensors(db(), started.basisId).threshold!.data[0]!;
    assert.ok(theta > 0, `the fit estimated a threshold (${theta})`);
    const out = join(dir, `${method}-export`);
    await lab.exportSae({ basisId: started.basisId, dir: out });
    const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([cfg.architecture, cfg.apply_b_dec_to_input, cfg.normalize_activations], ['jumprelu', true, 'none']);
    const { tensors } = readSafetensors(readFileSync(join(out, 'sae_weights.safetensors')), 'sae_weights.safetensors');
    assert.deepEqual(tensors.threshold!.shape, [m]);
    for (const v of tensors.threshold!.data) assert.equal(v, Math.fround(theta));

    const imported = await lab.importSae({ harvestId, path: out });
    const original = await loadBasis(db(), getBasis(db(), started.basisId)).encode(x, rows);
    const again = await loadBasis(db(), getBasis(db(), imported.id)).encode(x, rows);
    let scale = 0;
    let worst = 0;
    let active = 0;
    for (let i = 0; i < original.length; i++) {
      scale = Math.max(scale, Math.abs(original[i]!));
      worst = Math.max(worst, Math.abs(original[i]! - again[i]!));
      if (original[i]! > 0) active++;
    }
    assert.ok(active > 0 && active < original.length / 2, `sparse, non-trivial codes (${active} of ${original.length})`);
    assert.ok(worst <= 1e-4 * scale, `round trip differs by ${worst} (scale ${scale})`);
  });
}
