// #18 item 2: a card reads its own feature's vectors and metrics from the store, not the whole dictionary. A
// planted SAE in SAELens layout (features 0–9 read the planted units, which fire only for one MNIST class) is
// imported over a real harvest; the statistics job (sparse path) runs through the router; the card's direction,
// neighbours (in a PCA of the same rows) and metrics equal those of the old path (the dictionary loaded whole, as
// before this change) — and the card still opens once the SAE's stored tensors are gone, so it cannot have read them.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeatureColumnsPayload, FeatureDetail, FeatureTable, JobInfo } from '../../main/api/contract';
import { columnTable } from '../../renderer/src/panels/Features/featureColumns';
import { createRouter } from '../../main/api/router';
import { writeSafetensors } from '../../main/io/safetensors';
import { Lab } from '../../main/services/lab';
import { getFeatureVector, readBasisTensor } from '../../main/store/feature-columns';
import { insertMetricRun, metricValues, saveMetricValues, setMetricRunNull } from '../../main/store/features';
import { featureStatColumns } from '../../main/store/feature-columns';
import { readRowMeta } from '../../main/store/activations';
import Database from 'better-sqlite3';
import { featureColumns } from '../../main/services/feature-columns';
import { getBasis } from '../../main/store/bases';
import { readMetricColumn, readStatColumns } from '../../main/store/scale';
import { Rng } from '../../main/util/random';
import { tempDir } from '../helpers/fixtures';
import { plantedHarvest } from '../helpers/planted';

const N = 1000;
const D = 40;
const M = 512;
const dir = tempDir();
const path = join(dir, 'columns.cajal');
let lab = new Lab(() => undefined);
let router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let saeId = 0;

before(async () => {
  lab.openProject({ path, create: true });
  const harvestId = await plantedHarvest(lab, router, { n: N, planted: 10, dim: D, seed: 5, chunkRows: 300 });
  const rng = new Rng(9);
  const wEnc = new Float32Array(D * M);
  const bEnc = new Float32Array(M);
  for (let j = 0; j < M; j++) {
    if (j < 10) wEnc[j * M + j] = 1; // feature j reads planted unit j (≥ 1 on class j, 0 elsewhere)
    else for (let i = 10; i < D; i++) wEnc[i * M + j] = rng.normal() / Math.sqrt(D - 10);
    bEnc[j] = j < 10 ? -0.5 : -2;
  }
  const wDec = new Float32Array(M * D);
  for (let j = 0; j < M; j++) for (let i = 0; i < D; i++) wDec[j * D + i] = wEnc[i * M + j]! + 0.01 * rng.normal();
  const saeDir = join(dir, 'sae');
  mkdirSync(saeDir);
  writeFileSync(join(saeDir, 'sae_weights.safetensors'), writeSafetensors({ W_enc: { shape: [D, M], data: wEnc }, b_enc: { shape: [M], data: bEnc }, W_dec: { shape: [M, D], data: wDec }, b_dec: { shape: [D], data: new Float32Array(D) } }));
  writeFileSync(join(saeDir, 'cfg.json'), JSON.stringify({ d_in: D, d_sae: M, activation_fn_str: 'relu', normalize_activations: 'none' }));
  saeId = (await call<{ id: number }>('bases.importSae', { harvestId, path: saeDir })).id;
  const fit = await call<{ jobId: number }>('bases.fit', { harvestId, method: 'pca', params: { nFeatures: 8 } });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  const { jobId } = await call<{ jobId: number }>('features.compute', { basisId: saeId, topK: 16, bands: 4 });
  const job: JobInfo = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const db = lab['db']!;
  const run = insertMetricRun(db, saeId, null, ['label-purity'], {});
  saveMetricValues(db, saeId, run, 'label-purity', Array.from({ length: M }, (_, j) => j / M));
  const run2 = insertMetricRun(db, saeId, null, ['label-entropy'], {});
  saveMetricValues(db, saeId, run2, 'label-entropy', Array.from({ length: M }, (_, j) => (j % 7 === 0 ? NaN : Math.sin(j))));
  setMetricRunNull(db, run2, { 'label-entropy': { basisId: 99, mean: 0.1, sd: 0.5, n: 40 } });
});
after(() => lab.shutdown());

async function reopen(): Promise<void> {
  await lab.shutdown();
  lab = new Lab(() => undefined);
  router = createRouter(lab, 'direct');
  lab.openProject({ path, create: false });
}

test('the job stores each feature’s unit direction and encoder column; planted features’ top rows are their class', async () => {
  const db = lab['db']!;
  const wEnc = readBasisTensor(db, saeId, 'W_enc')!;
  const wDec = readBasisTensor(db, saeId, 'W_dec')!;
  for (const j of [0, 7, 300, M - 1]) {
    const v = getFeatureVector(db, saeId, j)!;
    assert.deepEqual(v.encoder, Float32Array.from({ length: D }, (_, k) => wEnc.data[k * M + j]!));
    const row = wDec.data.subarray(j * D, (j + 1) * D);
    const norm = Math.hypot(...row);
    v.direction.forEach((x, k) => assert.ok(Math.abs(x - row[k]! / norm) < 1e-6));
  }
  for (let c = 0; c < 10; c++) {
    const card = await call<FeatureDetail>('features.get', { basisId: saeId, feature: c });
    assert.equal(card.top.length, 16);
    assert.ok(card.top.every((e) => e.label === c), `feature ${c}: labels ${card.top.map((e) => e.label)}`);
  }
  // scale (#18): the harvest's chunks wrote their row metadata apart from the activations too; the cards read it from
  // there, and it equals what the chunks hold (read as before, once the copy is gone).
  const harvestId = getBasis(db, saeId).harvestId;
  const copies = db.prepare('SELECT * FROM activation_row_meta WHERE harvest_id = ?').all(harvestId);
  assert.equal(copies.length, db.prepare('SELECT COUNT(*) FROM activation_chunks WHERE harvest_id = ?').pluck().get(harvestId));
  const all = Array.from({ length: N }, (_, r) => r);
  const fromCopy = readRowMeta(db, harvestId, all);
  assert.equal(fromCopy.size, N);
  // h18ui: a project older than the copy heals on reading. A read-only connection reads the chunks and writes nothing;
  // a writable one stores the copies of the chunks it read (only those), equal byte for byte to the ones written at
  // commit, and reads the same again from them.
  const copiesNow = () => db.prepare('SELECT * FROM activation_row_meta WHERE harvest_id = ?').all(harvestId);
  db.prepare('DELETE FROM activation_row_meta WHERE harvest_id = ?').run(harvestId);
  const ro = new Database(path, { readonly: true });
  assert.deepEqual(readRowMeta(ro, harvestId, all), fromCopy);
  ro.close();
  assert.equal(copiesNow().length, 0, 'nothing written through a read-only connection');
  assert.deepEqual(readRowMeta(db, harvestId, [0]), new Map([[0, fromCopy.get(0)]]));
  assert.deepEqual(copiesNow(), copies.slice(0, 1), 'the copy of the one chunk read');
  assert.deepEqual(readRowMeta(db, harvestId, all), fromCopy);
  assert.deepEqual(copiesNow(), copies, 'every copy back, byte for byte');
  assert.deepEqual(readRowMeta(db, harvestId, all), fromCopy);
});

test('a card from stored vectors equals the card from the whole dictionary, and needs no dictionary', async () => {
  const fromColumns = await call<FeatureDetail>('features.get', { basisId: saeId, feature: 3 });
  assert.equal(fromColumns.metrics['label-purity'], 3 / M);
  assert.ok(fromColumns.neighbours.length === 3 && fromColumns.neighbours.every((n) => n.cosine > 0));
  // The old path: no stored vectors, a fresh connection (no cached directions).
  const db = lab['db']!;
  const saved = db.prepare('SELECT * FROM feature_vectors WHERE basis_id = ?').all(saeId);
  db.prepare('DELETE FROM feature_vectors WHERE basis_id = ?').run(saeId);
  await reopen();
  const whole = await call<FeatureDetail>('features.get', { basisId: saeId, feature: 3 });
  assert.deepEqual(fromColumns, whole);
  // Put the vectors back, drop the SAE's tensors: the card still opens, the same.
  const db2 = lab['db']!;
  const ins = db2.prepare('INSERT INTO feature_vectors(basis_id, feature, direction, encoder) VALUES (@basis_id, @feature, @direction, @encoder)');
  db2.transaction(() => saved.forEach((r) => ins.run(r)))();
  db2.prepare('DELETE FROM basis_tensors WHERE basis_id = ?').run(saeId);
  await reopen();
  assert.deepEqual(await call<FeatureDetail>('features.get', { basisId: saeId, feature: 3 }), fromColumns);
});

test('features.columns: the table as typed columns, equal to features.table row by row', async () => {
  const table = await call<FeatureTable>('features.table', { basisId: saeId });
  const payload = await call<FeatureColumnsPayload>('features.columns', { basisId: saeId });
  // Typed columns: 8 bytes a value, base64 — not one JSON object per feature.
  assert.equal(Buffer.from(payload.density, 'base64').byteLength, 8 * M);
  const cols = columnTable(payload);
  assert.equal(cols.features.length, M);
  assert.deepEqual(cols.metricNames, table.metricNames);
  assert.ok(table.features.some((f) => f.zScores?.['label-entropy'] !== undefined) && table.features.some((f) => f.metrics['label-entropy'] === undefined));
  const plain = (f: FeatureTable['features'][number]) => ({ feature: f.feature, density: f.density, mean: f.mean, min: f.min, max: f.max, metrics: f.metrics, zScores: f.zScores ?? {} });
  assert.deepEqual(cols.features.map(plain), table.features.map(plain));
  // h18panel: a page (the panel's first rows of a large basis) holds the same values for its range only; as a table
  // (h18ui) it holds the page's rows, under their own feature numbers, and the count of all. A page past the end is one sentence.
  const page = await call<FeatureColumnsPayload>('features.columnsPage', { basisId: saeId, offset: M - 40, limit: 100 });
  assert.equal(Buffer.from(page.density, 'base64').byteLength, 8 * 40, 'clipped to the basis');
  const paged = columnTable(page);
  assert.equal(paged.features.length, 40);
  assert.equal(paged.nFeatures, M);
  assert.deepEqual(paged.features.map(plain), table.features.slice(M - 40).map(plain));
  await assert.rejects(call('features.columnsPage', { basisId: saeId, offset: M + 1, limit: 10 }), /past the last of the 512 features/);
  // scale (#18): the statistics job and each metric's save stored the columns whole; they equal, bit for bit, the
  // columns computed from the rows, and the payload read from them equals the one computed from the rows.
  const db = lab['db']!;
  const stored = readStatColumns(db, saeId, M)!;
  assert.ok(stored, 'the statistics job stored the columns as blocks');
  const computed = featureStatColumns(db, saeId, M);
  for (const c of ['density', 'mean', 'min', 'max'] as const) assert.ok(Buffer.from(stored[c].buffer).equals(Buffer.from(computed[c].buffer)), `${c}: stored block = rows`);
  for (const name of ['label-purity', 'label-entropy'] as const) {
    const fromRows = Float64Array.from(metricValues(db, saeId, name));
    assert.ok(Buffer.from(readMetricColumn(db, saeId, name)!.buffer).equals(Buffer.from(fromRows.buffer)), `${name}: stored block = rows`);
  }
  // h18ui: a project older than the blocks heals on reading: the first read (from the rows) stores the blocks — the
  // same bytes the writers store — in one transaction, and the second read, from them, is the same payload. Through a
  // read-only connection the read is the same and nothing is written.
  const blocksNow = () => db.prepare('SELECT * FROM feature_column_blocks WHERE basis_id = ? ORDER BY name').all(saeId);
  const blocks = blocksNow();
  assert.equal(blocks.length, 4 + 2);
  db.prepare('DELETE FROM feature_column_blocks WHERE basis_id = ?').run(saeId);
  const ro = new Database(path, { readonly: true });
  assert.deepEqual(featureColumns(ro, saeId), payload);
  ro.close();
  assert.equal(blocksNow().length, 0, 'nothing written through a read-only connection');
  const writer = new Database(path);
  writer.exec('BEGIN IMMEDIATE'); // another connection holds the write lock: the read neither waits for it nor writes
  assert.deepEqual(await call<FeatureColumnsPayload>('features.columns', { basisId: saeId }), payload);
  writer.exec('ROLLBACK');
  writer.close();
  assert.equal(blocksNow().length, 0, 'nothing written while another connection writes');
  const first = await call<FeatureColumnsPayload>('features.columns', { basisId: saeId });
  assert.deepEqual(first, payload, 'computed from the rows: the same payload');
  assert.deepEqual(blocksNow(), blocks, 'the blocks are back, byte for byte');
  assert.deepEqual(await call<FeatureColumnsPayload>('features.columns', { basisId: saeId }), first, 'read from the blocks: the same payload');
});
