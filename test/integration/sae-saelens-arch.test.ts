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
import { SaeEncoder } from '../../main/bases/sae-encoder';
import { decodeRows } from '../../main/bases/frame';
import { BasisView, LatentEdit } from '../../main/lesions/latent';
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
    ['gated, an unknown normalisation', broken('gated', () => undefined, { normalize_activations: 'whiten' }), /normalize_activations = "whiten": Cajal knows no such normalisation/],
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

// h12norm: SAELens' run-time row normalisations (layer_norm, constant_norm_rescale) import and are reproduced row by
// row: the codes and SAELens' reconstruction (back in each row's scale and shift) as NumPy computes them, the
// statistics job's encoder-only read, a latent edit scaled by the row's own scale, and the mode written back on export.
for (const name of ['standard-layernorm', 'topk-layernorm', 'jumprelu-constnorm']) {
  test(`${name}: a row-normalised SAE encodes and reconstructs as SAELens does; latent edits use each row's scale; the mode round-trips`, async () => {
    const x = npy('x.npy');
    const [rows, d] = x.shape as [number, number];
    const info = await lab.importSae({ harvestId, path: join(dir, name) });
    const mode = name.endsWith('layernorm') ? 'layer_norm' : 'constant_norm_rescale';
    assert.equal(info.params.rowNorm, mode);
    const sae = loadBasis(db(), getBasis(db(), info.id));
    const f = await sae.encode(x.data, rows);
    const want = npy(`f-${name}.npy`).data;
    const active = want.filter((v) => v > 0).length;
    assert.ok(active > 0.05 * want.length && active < 0.95 * want.length, `a test that can fail: ${active} of ${want.length} codes active`);
    assert.ok(maxDiff(f, want) <= 1e-5, `codes differ from NumPy by ${maxDiff(f, want)}`);
    // Without the normalisation the codes would differ: the test sees the mode.
    const plain = loadBasis(db(), { ...getBasis(db(), info.id), params: { ...info.params, rowNorm: undefined } });
    assert.ok(maxDiff(await plain.encode(x.data, rows), want) > 1e-2, 'the normalisation matters on this matrix');
    const xhat = await decodeRows(sae, f, x.data, rows);
    assert.ok(maxDiff(xhat, npy(`xhat-${name}.npy`).data) <= 1e-4, `reconstruction differs from NumPy by ${maxDiff(xhat, npy(`xhat-${name}.npy`).data)}`);
    // The statistics job's encoder-only read gives the same codes.
    const enc = SaeArchEncoder.load(db(), getBasis(db(), info.id)) ?? SaeEncoder.load(db(), getBasis(db(), info.id))!;
    assert.ok(maxDiff(await enc.encode(x.data, rows), f) === 0, 'encoder-only codes = the basis’ codes');

    // Lesions: the splice is SAELens' reconstruction; zeroing a latent moves row r by −f_rk · scale_r · D_k, which is
    // the reconstruction with f_rk set to 0 minus the full one.
    const view = await BasisView.open(sae, { dims: [rows, d], data: x.data }, 'all', name);
    assert.ok(maxDiff(await view.reconstructionRows(), xhat) <= 1e-5);
    const m = sae.nFeatures;
    const k = [...Array(m).keys()].reduce((best, j) => (want.filter((_, i) => i % m === j && want[i]! > 0).length > want.filter((_, i) => i % m === best && want[i]! > 0).length ? j : best), 0);
    const edit = await new LatentEdit(view, [k], { kind: 'zero' }).params({ unitShape: [d] });
    const zeroed = Float32Array.from(f);
    for (let r = 0; r < rows; r++) zeroed[r * m + k] = 0;
    const expected = (await decodeRows(sae, zeroed, x.data, rows)).map((v, i) => v - xhat[i]!);
    assert.ok(expected.some((v) => Math.abs(v) > 1e-2), `latent ${k} moves some rows`);
    assert.ok(maxDiff(edit.add, expected) <= 1e-4, `the latent edit differs by ${maxDiff(edit.add, expected)}`);

    const out = join(dir, `${name}-exported`);
    await lab.exportSae({ basisId: info.id, dir: out });
    const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(cfg.normalize_activations, mode, 'the mode leaves with the SAE');
    const again = await lab.importSae({ harvestId, path: out });
    assert.deepEqual(await loadBasis(db(), getBasis(db(), again.id)).encode(x.data, rows), f, 'same codes after the round trip');
  });
}

test('h12norm: Cajal trains with one input scale: a fit asking for a row normalisation is refused in one sentence, nothing written', async () => {
  const before = db().prepare('SELECT COUNT(*) FROM bases').pluck().get();
  assert.throws(
    () => lab.startFit({ harvestId, method: 'sae-topk', seed: 1, params: { nFeatures: 8, steps: 10, batchSize: 32, rowNorm: 'layer_norm' } }),
    (e: Error & { code?: string }) => e.code === 'basis.params' && /^Cajal trains SAEs with one input scale; rowNorm = "layer_norm" is read from imported SAELens SAEs only\.$/.test(e.message),
  );
  assert.equal(db().prepare('SELECT COUNT(*) FROM bases').pluck().get(), before);
});
