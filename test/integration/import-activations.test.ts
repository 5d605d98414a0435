// Activations computed elsewhere, imported as a harvest through the service worker: a matrix spanning several chunks
// is read a chunk at a time and stored exactly; a NaN in its last chunk refuses the whole file and writes nothing;
// Fortran-order and float16 files (written by NumPy, test/fixtures/io) import as their C-order float32 values.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readNpy, writeNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { readRows } from '../../main/store/activations';
import { repoRoot, tempDir } from '../helpers/fixtures';

const dir = tempDir();
const lab = new Lab(() => undefined);
lab.openProject({ path: join(dir, 'import.cajal'), create: true });
after(() => lab.shutdown());

test('a matrix of several chunks is imported row for row; a NaN in its last chunk writes nothing', async () => {
  const rows = 9000;
  const dim = 300; // 1 M values per chunk / 300 = 3,495 rows per chunk: three chunks
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * (1 + (i % 7));
  writeFileSync(join(dir, 'x.npy'), writeNpy(x, [rows, dim]));
  const h = await lab.importActivations({ path: join(dir, 'x.npy'), name: 'elsewhere' });
  assert.deepEqual([h.rowsDone, h.dim, h.status], [rows, dim, 'done']);
  const db = lab['db']!;
  const chunks = (db.prepare('SELECT count(*) AS n FROM activation_chunks WHERE harvest_id = ?').get(h.id) as { n: number }).n;
  assert.equal(chunks, 3);
  const got = readRows(db, h.id, [0, 3494, 3495, 8999]);
  for (const r of [0, 3494, 3495, 8999]) assert.deepEqual(got.get(r), x.subarray(r * dim, (r + 1) * dim), `row ${r}`);
  const stats = lab.harvestStats(h.id);
  const mean0 = Array.from({ length: rows }, (_, r) => x[r * dim]!).reduce((a, b) => a + b, 0) / rows;
  assert.ok(Math.abs(stats.units[0]!.mean - mean0) < 1e-4, 'unit statistics over every row');

  const harvestsBefore = lab.listHarvests().length;
  x[8500 * dim + 17] = Number.NaN;
  writeFileSync(join(dir, 'bad.npy'), writeNpy(x, [rows, dim]));
  await assert.rejects(lab.importActivations({ path: join(dir, 'bad.npy') }), /non-finite value at row 8500, unit 17/);
  assert.equal(lab.listHarvests().length, harvestsBefore, 'the refused file left no harvest');
  assert.equal((db.prepare('SELECT count(*) AS n FROM activation_chunks').get() as { n: number }).n, chunks, 'and no chunks');
});

test('Fortran-order and float16 files import as their C-order values', async () => {
  const io = (name: string) => join(repoRoot, 'test/fixtures/io', name);
  for (const name of ['f32_fortran.npy', 'f16.npy']) {
    const expected = readNpy(readFileSync(io(name)), name);
    const h = await lab.importActivations({ path: io(name) });
    assert.deepEqual([h.rowsDone, h.dim], expected.shape, name);
    const got = readRows(lab['db']!, h.id, Array.from({ length: h.rowsDone }, (_, i) => i));
    for (let r = 0; r < h.rowsDone; r++) assert.deepEqual(got.get(r), expected.data.subarray(r * h.dim, (r + 1) * h.dim), `${name} row ${r}`);
  }
});
