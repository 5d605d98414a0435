// SAELens interop on a real project: SAEs written by hand as an external tool would write them (raw safetensors
// bytes and a SAELens-6-style cfg.json, not Cajal's exporter) encode exactly as SAELens defines it; architectures
// and normalisations Cajal cannot reproduce are refused with nothing written; a TopK SAE survives export + import.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { loadBasis } from '../../main/bases/load';
import { getBasis } from '../../main/store/bases';
import type { Db } from '../../main/store/project';
import { Rng } from '../../main/util/random';
import { tempDir } from '../helpers/fixtures';
import { plantedData } from './sae-planted';

const dir = tempDir();
const d = 8;
const m = 12;
const planted = plantedData(7, d, 20, 400, 3);
const lab = new Lab(() => undefined);
let harvestId = 0;
const db = (): Db => lab['db']!;

before(async () => {
  writeFileSync(join(dir, 'x.npy'), writeNpy(planted.data, [planted.rows, d]));
  lab.openProject({ path: join(dir, 'interop.cajal'), create: true });
  harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
});
after(() => lab.shutdown());

type Tensor = { shape: number[]; data: Float32Array };

/** safetensors bytes as Python's safetensors writes them: 8-byte header length, JSON header padded to 8, data. */
function handWrittenSafetensors(tensors: [string, Tensor][]): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  out.write(json, 8, 'ascii');
  let at = 8 + json.length;
  for (const [, t] of tensors) for (const v of t.data) at = out.writeFloatLE(v, at);
  return out;
}

function randomSae(seed: number): Record<'W_enc' | 'b_enc' | 'W_dec' | 'b_dec', Tensor> {
  const rng = new Rng(seed);
  const t = (shape: number[], sd: number, mean = 0) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => mean + rng.normal(0, sd)) });
  // A large b_dec, so encoding x − b_dec instead of x would change almost every code.
  return { W_enc: t([d, m], 0.6), b_enc: t([m], 0.1), W_dec: t([m, d], 0.4), b_dec: t([d], 1, 0.8) };
}

function writeExternalSae(name: string, cfg: Record<string, unknown>, tensors: [string, Tensor][]): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  // Not in Cajal's (sorted) order, as a torch state_dict would have them.
  writeFileSync(join(folder, 'sae_weights.safetensors'), handWrittenSafetensors(tensors));
  writeFileSync(join(folder, 'cfg.json'), JSON.stringify(cfg));
  return folder;
}

function sixCfg(extra: Record<string, unknown>): Record<string, unknown> {
  return { d_in: d, d_sae: m, dtype: 'float32', device: 'cpu', apply_b_dec_to_input: true, normalize_activations: 'none', reshape_activations: 'none', meta: { model_name: 'elsewhere', hook_name: 'blocks.0.hook_resid_pre' }, ...extra };
}

/** SAELens' encode, in float64: pre = (x − b_dec·apply)·W_enc + b_enc; ReLU, or TopK then ReLU. */
function saeLensEncode(w: ReturnType<typeof randomSae>, x: Float32Array, rows: number, apply: boolean, k: number | null): Float64Array {
  const f = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    const pre = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let s = w.b_enc.data[j]!;
      for (let i = 0; i < d; i++) s += (x[r * d + i]! - (apply ? w.b_dec.data[i]! : 0)) * w.W_enc.data[i * m + j]!;
      pre[j] = s;
    }
    const keep = k === null ? null : new Set(Array.from(pre.keys()).sort((a, b) => pre[b]! - pre[a]!).slice(0, k));
    for (let j = 0; j < m; j++) f[r * m + j] = (keep === null || keep.has(j)) && pre[j]! > 0 ? pre[j]! : 0;
  }
  return f;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const rows = 50;
const x = planted.data.slice(0, rows * d);

for (const [label, arch, k] of [['standard', { architecture: 'standard' }, null], ['topk (SAELens 6: k at the top level)', { architecture: 'topk', k: 3 }, 3]] as const) {
  test(`a hand-written ${label} SAE with apply_b_dec_to_input = false encodes x·W_enc + b_enc, as SAELens does`, async () => {
    const w = randomSae(k === null ? 1 : 2);
    const folder = writeExternalSae(`external-${arch.architecture}`, sixCfg({ ...arch, apply_b_dec_to_input: false }), [
      ['b_dec', w.b_dec], ['W_dec', w.W_dec], ['b_enc', w.b_enc], ['W_enc', w.W_enc],
    ]);
    const info = await lab.importSae({ harvestId, path: folder });
    assert.equal(info.method, k === null ? 'sae-l1' : 'sae-topk');
    assert.equal(info.params.importedBDecFoldedIntoBEnc, true);
    if (k !== null) assert.equal(info.params.k, k);
    const sae = loadBasis(db(), getBasis(db(), info.id));
    const got = await sae.encode(x, rows);
    const want = saeLensEncode(w, x, rows, false, k);
    const wrong = saeLensEncode(w, x, rows, true, k);
    assert.ok(maxDiff(want, wrong) > 0.5, 'the test can tell x from x − b_dec');
    assert.ok(maxDiff(got, want) < 1e-5, `encode differs from SAELens' by ${maxDiff(got, want)}`);
    // The decoder still adds b_dec: x̂ = f·W_dec + b_dec.
    const xhat = await sae.decode!(got, rows);
    const direct = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) {
      let s = w.b_dec.data[i]!;
      for (let j = 0; j < m; j++) s += want[r * m + j]! * w.W_dec.data[j * d + i]!;
      direct[r * d + i] = s;
    }
    assert.ok(maxDiff(xhat, direct) < 1e-5, `decode differs by ${maxDiff(xhat, direct)}`);
  });
}

test('architectures and normalisations Cajal cannot reproduce are refused in one sentence, with nothing written', async () => {
  const count = () => db().prepare('SELECT (SELECT COUNT(*) FROM bases) AS b, (SELECT COUNT(*) FROM basis_tensors) AS t').get() as { b: number; t: number };
  const before = count();
  const w = randomSae(3);
  const four: [string, Tensor][] = [['W_enc', w.W_enc], ['b_enc', w.b_enc], ['W_dec', w.W_dec], ['b_dec', w.b_dec]];
  const threshold: [string, Tensor] = ['threshold', { shape: [m], data: new Float32Array(m).fill(0.3) }];
  const refusals: [string, Record<string, unknown>, [string, Tensor][], RegExp][] = [
    // h12: JumpReLU and Gated import now; one without its own tensors is still refused.
    ['jumprelu-without-threshold', sixCfg({ architecture: 'jumprelu' }), four, /has no threshold tensor/],
    ['gated-with-b-enc', sixCfg({ architecture: 'gated' }), four, /has no b_gate tensor/],
    ['crosscoder', sixCfg({ architecture: 'crosscoder' }), four, /architecture = "crosscoder", which Cajal does not implement/],
    ['old-tanh', sixCfg({ architecture: 'standard', activation_fn_str: 'tanh-relu' }), four, /activation_fn_str = "tanh-relu"/],
    ['expected-average', sixCfg({ architecture: 'standard', normalize_activations: 'expected_average_only_in' }), four, /does not write into cfg\.json/],
    ['topk-without-k', sixCfg({ architecture: 'topk' }), four, /TopK SAE without a positive whole-number k/],
    ['threshold-without-cfg-arch', sixCfg({}), [...four, threshold], /also holds threshold/],
  ];
  for (const [name, cfg, tensors, pattern] of refusals) {
    const folder = writeExternalSae(`refused-${name}`, cfg, tensors);
    await assert.rejects(lab.importSae({ harvestId, path: folder }), (err: Error) => {
      assert.match(err.message, pattern, name);
      assert.equal((err as { code?: string }).code?.startsWith('sae.'), true, `${name}: a user error, not a crash`);
      assert.doesNotMatch(err.message, /\n/, `${name}: one sentence`);
      return true;
    });
  }
  assert.deepEqual(count(), before, 'no basis and no tensor written');
});

test('a TopK SAE exported and imported again encodes the same; the exported files mean the same to SAELens', async () => {
  const started = lab.startFit({ harvestId, method: 'sae-topk', seed: 4, params: { nFeatures: m, k: 3, steps: 60, batchSize: 64 } });
  const job = await lab.jobs.wait(started.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const out = join(dir, 'topk-roundtrip');
  await lab.exportSae({ basisId: started.basisId, dir: out });
  const cfg = JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([cfg.architecture, cfg.k, cfg.activation_fn_kwargs, cfg.apply_b_dec_to_input, cfg.normalize_activations], ['topk', 3, { k: 3 }, true, 'none']);
  const imported = await lab.importSae({ harvestId, path: out });
  assert.equal(imported.method, 'sae-topk');
  assert.equal(imported.params.k, 3);
  const original = await loadBasis(db(), getBasis(db(), started.basisId)).encode(x, rows);
  const again = await loadBasis(db(), getBasis(db(), imported.id)).encode(x, rows);
  let scale = 0;
  for (const v of original) scale = Math.max(scale, Math.abs(v));
  assert.ok(scale > 0, 'the SAE is not trivially zero');
  assert.ok(maxDiff(original, again) <= 1e-4 * scale, `round trip differs by ${maxDiff(original, again)}`);
  for (let r = 0; r < rows; r++) assert.ok(again.subarray(r * m, (r + 1) * m).filter((v) => v !== 0).length <= 3, 'at most k active');

  // SAELens' own definition applied to the exported tensors (read here by hand) gives Cajal's codes: the input
  // scale really is folded into the weights.
  const bytes = readFileSync(join(out, 'sae_weights.safetensors'));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape: number[]; data_offsets: [number, number] }>;
  const get = (name: string): Tensor => {
    const h = header[name]!;
    const data = new Float32Array((h.data_offsets[1] - h.data_offsets[0]) / 4);
    for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(8 + n + h.data_offsets[0] + 4 * i);
    return { shape: h.shape, data };
  };
  const w = { W_enc: get('W_enc'), b_enc: get('b_enc'), W_dec: get('W_dec'), b_dec: get('b_dec') };
  const theirs = saeLensEncode(w, x, rows, true, 3);
  assert.ok(maxDiff(original, theirs) <= 1e-4 * scale, `SAELens' reading differs by ${maxDiff(original, theirs)}`);
});
