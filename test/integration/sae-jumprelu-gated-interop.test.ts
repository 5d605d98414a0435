// h12jg (#12 items 1–2): trained JumpReLU and Gated SAEs leave Cajal in SAELens' own "jumprelu" and "gated" layouts
// (threshold = exp(log θ); b_gate, r_mag, b_mag), come back encoding the same codes, and a second export of the
// imported SAE writes exactly the same tensors.
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
  lab.openProject({ path: join(dir, 'jg.cajal'), create: true });
  harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
});
after(() => lab.shutdown());

const weights = (dirPath: string) => readSafetensors(readFileSync(join(dirPath, 'sae_weights.safetensors')), 'sae_weights.safetensors').tensors;

for (const [method, arch] of [['sae-jumprelu', 'jumprelu'], ['sae-gated', 'gated']] as const) {
  test(`${method} exports as SAELens' ${arch}, imports back encoding the same, and re-exports the same tensors`, async () => {
    const started = lab.startFit({ harvestId, method, seed: 4, params: { nFeatures: m, steps: 120, batchSize: 64, lr: 4e-3 } });
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'done', job.error ?? '');
    const stored = loadBasisTensors(db(), started.basisId);
    const out = join(dir, `${method}-export`);
    await lab.exportSae({ basisId: started.basisId, dir: out });
    const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([cfg.architecture, cfg.apply_b_dec_to_input, cfg.normalize_activations], [arch, true, 'none']);
    const t = weights(out);
    if (arch === 'jumprelu') {
      assert.deepEqual(Object.keys(t).sort(), ['W_dec', 'W_enc', 'b_dec', 'b_enc', 'threshold']);
      t.threshold!.data.forEach((v, j) => assert.equal(v, Math.fround(Math.exp(stored.log_threshold!.data[j]!))));
    } else {
      assert.deepEqual(Object.keys(t).sort(), ['W_dec', 'W_enc', 'b_dec', 'b_gate', 'b_mag', 'r_mag']);
      assert.deepEqual(t.b_gate!.data, stored.b_enc!.data);
      assert.deepEqual(t.r_mag!.data, stored.r_mag!.data);
      assert.ok(stored.r_mag!.data.some((v) => v !== 0), 'r_mag was trained away from its initial 0');
    }

    const imported = await lab.importSae({ harvestId, path: out });
    assert.equal(imported.params.importedArchitecture, arch);
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
    assert.ok(active > 0 && active < original.length, `non-trivial codes (${active} of ${original.length})`);
    assert.ok(worst <= 1e-5 * scale, `round trip differs by ${worst} (scale ${scale})`);

    // Export → import → export: the same tensors, bit for bit.
    const out2 = join(dir, `${method}-export-2`);
    await lab.exportSae({ basisId: imported.id, dir: out2 });
    const t2 = weights(out2);
    assert.deepEqual(Object.keys(t2).sort(), Object.keys(t).sort());
    for (const n of Object.keys(t)) assert.deepEqual(t2[n]!.data, t[n]!.data, `${n} is unchanged by the round trip`);
  });
}

test('bases.sweep varies each method\'s own penalty (sae-jumprelu: l0Coefficient; sae-gated: l1Coefficient), and a larger λ gives a sparser SAE', async () => {
  for (const [method, key] of [['sae-jumprelu', 'l0Coefficient'], ['sae-gated', 'l1Coefficient']] as const) {
    const { jobId, basisIds } = lab.startSweep({ harvestId, method, seed: 2, values: [1e-4, 1], params: { nFeatures: m, steps: 300, batchSize: 64, lr: 4e-3 } });
    assert.equal((await lab.jobs.wait(jobId)).status, 'done', 'one sae-sweep job trains both runs');
    const recs = basisIds.map((id) => getBasis(db(), id));
    assert.deepEqual(recs.map((r) => r.params[key]), [1e-4, 1]);
    const l0 = await Promise.all(
      basisIds.map(async (id) => {
        const f = await loadBasis(db(), getBasis(db(), id)).encode(x, rows);
        return f.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) / rows;
      }),
    );
    assert.ok(l0[1]! < l0[0]!, `${method}: λ = 1 gives a lower L0 than λ = 10⁻⁴ (${l0.join(' vs ')})`);
  }
});
