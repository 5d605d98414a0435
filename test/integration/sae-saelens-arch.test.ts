// h12: JumpReLU and Gated SAEs written by hand in SAELens' layout by a NumPy script (Debian's python3 and
// python3-numpy, test/fixtures/saelens-arch/make_saes.py) import into a real project and encode its test matrix as
// NumPy does (within 1e-5), with and without apply_b_dec_to_input; exported and imported again they round-trip
// exactly; files missing an architecture's tensor or with a wrong shape are refused in one sentence, nothing written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBasis } from '../../main/bases/load';
import { SaeArchEncoder } from '../../main/bases/sae-arch-encoder';
import { readNpy, type NpyArray } from '../../main/io/npy';
import { readSafetensors, writeSafetensors } from '../../main/io/safetensors';
import { Lab } from '../../main/services/lab';
import { getBasis, loadBasisTensors } from '../../main/store/bases';
import { getFeatureVector } from '../../main/store/feature-columns';
import type { Db } from '../../main/store/project';
import { tempDir } from '../helpers/fixtures';

const dir = tempDir();
const lab = new Lab(() => undefined);
const db = (): Db => lab['db']!;
let harvestId = 0;
const npy = (name: string): NpyArray => readNpy(readFileSync(join(dir, name)), name);

before(async () => {
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, '../fixtures/saelens-arch/make_saes.py'), dir], { stdio: 'pipe' });
  lab.openProject({ path: join(dir, 'arch.cajal'), create: true });
  harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
});
after(() => lab.shutdown());

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let out = 0;
  for (let i = 0; i < a.length; i++) out = Math.max(out, Math.abs(a[i]! - b[i]!));
  return out;
}

for (const name of ['jumprelu', 'jumprelu-nobdec', 'gated', 'gated-nobdec']) {
  test(`${name}: imports and encodes the test matrix as NumPy does; export and re-import round-trip exactly`, async () => {
    const x = npy('x.npy');
    const [rows] = x.shape as [number];
    const want = npy(`f-${name}.npy`).data;
    const info = await lab.importSae({ harvestId, path: join(dir, name) });
    assert.equal(info.params.importedArchitecture, name.split('-')[0]);
    const sae = loadBasis(db(), getBasis(db(), info.id));
    const f = await sae.encode(x.data, rows);
    const active = want.filter((v) => v > 0).length;
    assert.ok(active > 0.05 * want.length && active < 0.95 * want.length, `a test that can fail: ${active} of ${want.length} codes active`);
    assert.ok(maxDiff(f, want) <= 1e-5, `${name} differs from NumPy by ${maxDiff(f, want)}`);
    // scale (#18): the statistics job's encoder-only read (no decoder, W_enc transposed from its blocks) gives the
    // basis' codes bit for bit, and its rows are W_enc's columns.
    const enc = SaeArchEncoder.load(db(), getBasis(db(), info.id))!;
    assert.equal(enc.architecture, name.split('-')[0]);
    assert.ok(Buffer.from((await enc.encode(x.data, rows)).buffer).equals(Buffer.from(f.buffer)), 'encoder-only codes = the basis\' codes, bit for bit');
    const wEnc = loadBasisTensors(db(), info.id).W_enc!;
    const [d, m] = wEnc.shape as [number, number];
    assert.deepEqual(enc.encoderRows, Float32Array.from({ length: m * d }, (_, k) => wEnc.data[(k % d) * m + Math.floor(k / d)]!));
    if (name === 'gated') {
      // The statistics job takes that path: it stores the encoder columns for the cards (the whole-basis path had none).
      const { jobId } = lab.startFeatureStats({ basisId: info.id, topK: 4, bands: 2 });
      const job = await lab.jobs.wait(jobId);
      assert.equal(job.status, 'done', job.error ?? '');
      for (const j of [0, m - 1]) assert.deepEqual(getFeatureVector(db(), info.id, j)!.encoder, enc.encoderRows.slice(j * d, (j + 1) * d));
    }
    if (name.startsWith('gated')) {
      const xhat = await sae.decode!(f, rows);
      assert.ok(maxDiff(xhat, npy(`xhat-${name}.npy`).data) <= 1e-4, 'decode = f·W_dec + b_dec');
    }

    const out = join(dir, `${name}-exported`);
    await lab.exportSae({ basisId: info.id, dir: out });
    const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([cfg.architecture, cfg.apply_b_dec_to_input, cfg.normalize_activations], [name.split('-')[0], true, 'none']);
    const { tensors } = readSafetensors(readFileSync(join(out, 'sae_weights.safetensors')), 'exported');
    const stored = loadBasisTensors(db(), info.id);
    for (const [n, t] of Object.entries(tensors)) assert.deepEqual(t.data, stored[n]!.data, `${n} exported bit for bit`);
    if (!name.endsWith('nobdec')) {
      const original = readSafetensors(readFileSync(join(dir, name, 'sae_weights.safetensors')), 'original').tensors;
      assert.deepEqual(Object.keys(tensors).sort(), Object.keys(original).sort());
      for (const [n, t] of Object.entries(original)) assert.deepEqual(tensors[n]!.data, t.data, `${n} as the file had it`);
    }
    const again = await lab.importSae({ harvestId, path: out });
    const reloaded = loadBasisTensors(db(), again.id);
    for (const [n, t] of Object.entries(stored)) assert.deepEqual(reloaded[n]!.data, t.data, `${n} after re-import`);
    assert.deepEqual(await loadBasis(db(), getBasis(db(), again.id)).encode(x.data, rows), f, 'same codes after the round trip');
  });
}

test('JumpReLU and Gated files without their own tensors or with wrong shapes are refused in one sentence, nothing written', async () => {
  const count = () => db().prepare('SELECT (SELECT COUNT(*) FROM bases) AS b, (SELECT COUNT(*) FROM basis_tensors) AS t').get() as { b: number; t: number };
  const before = count();
  const broken = (arch: string, edit: (t: Record<string, { shape: number[]; data: Float32Array }>) => void, cfgEdit: Record<string, unknown> = {}): string => {
    const folder = join(dir, `broken-${arch}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(folder);
    const { tensors } = readSafetensors(readFileSync(join(dir, arch, 'sae_weights.safetensors')), arch);
    edit(tensors);
    writeFileSync(join(folder, 'sae_weights.safetensors'), writeSafetensors(tensors));
    const cfg = JSON.parse(readFileSync(join(dir, arch, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'cfg.json'), JSON.stringify({ ...cfg, ...cfgEdit }));
    return folder;
  };
  const cases: [string, string, RegExp][] = [
    ['no threshold', broken('jumprelu', (t) => delete t.threshold), /has no threshold tensor/],
    ['short threshold', broken('jumprelu', (t) => (t.threshold = { shape: [7], data: new Float32Array(7) })), /threshold in .* is 7 but W_enc \(16×40\) needs it to be 40/],
    ['no r_mag', broken('gated', (t) => delete t.r_mag), /has no r_mag tensor/],
    ['b_mag as a matrix', broken('gated', (t) => (t.b_mag = { shape: [40, 1], data: new Float32Array(40) })), /b_mag in .* is 40×1/],
    ['gated layer norm', broken('gated', () => undefined, { normalize_activations: 'layer_norm' }), /normalize_activations = "layer_norm"/],
    ['jumprelu expected average', broken('jumprelu', () => undefined, { normalize_activations: 'expected_average_only_in' }), /does not write into cfg\.json/],
  ];
  for (const [label, folder, pattern] of cases) {
    await assert.rejects(lab.importSae({ harvestId, path: folder }), (err: Error) => {
      assert.match(err.message, pattern, label);
      assert.equal((err as { code?: string }).code?.startsWith('sae.'), true, `${label}: a user error`);
      assert.doesNotMatch(err.message, /\n/, `${label}: one sentence`);
      return true;
    });
  }
  assert.deepEqual(count(), before, 'no basis and no tensor written');
});
