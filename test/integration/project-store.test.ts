import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openProjectDb } from '../../main/store/project';
import { APP_ID, SCHEMA_VERSION, migrations } from '../../main/store/schema';
import { fileDigest } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

test('a new project gets the schema, WAL, foreign keys and 64 KiB pages, and reopens', () => {
  const path = join(tempDir(), 'p.cajal');
  const db = openProjectDb(path, { create: true });
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('page_size', { simple: true }), 65536, 'activation chunks are megabyte BLOBs');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.prepare("INSERT INTO jobs(kind, title, params_json, status) VALUES ('harvest', 't', '{}', 'done')").run();
  db.close();
  const again = openProjectDb(path);
  assert.equal(again.pragma('page_size', { simple: true }), 65536);
  assert.equal((again.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n, 1);
  assert.throws(() => again.prepare("INSERT INTO harvests(model_id, tensor, tensor_shape_json, positions, dim, rows_per_item, items_expected, rows_expected, chunk_rows, status, params_json) VALUES (999, 't', '[]', 'centre', 1, 1, 1, 1, 1, 'pending', '{}')").run(), /FOREIGN KEY/);
  again.close();
});

/** An old project: the first n migrations, as that version of Cajal applied them. */
function oldProject(path: string, n: number): Database.Database {
  const old = new Database(path);
  for (const step of migrations.slice(0, n)) {
    if (typeof step === 'string') old.exec(step);
    else step(old);
  }
  return old;
}

/** The schema version before migration h14write (the chunk table's rebuild), whatever migrations came after it. */
const BEFORE_H14WRITE = migrations.findIndex((m) => typeof m === 'function' && m.toString().includes('DROP TABLE activation_chunks'));

const chunkTableSql = (db: Database.Database) => (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'activation_chunks'").get() as { sql: string }).sql;

test('h14write: a project with no activation chunks gets the rowid chunk table; one that holds chunks keeps its WITHOUT ROWID table, every chunk byte for byte, still unique per harvest and index', () => {
  const emptyPath = join(tempDir(), 'chunks-none.cajal');
  assert.ok(BEFORE_H14WRITE > 0);
  const empty = oldProject(emptyPath, BEFORE_H14WRITE);
  empty.prepare("INSERT INTO meta(key, value) VALUES ('app', ?)").run(APP_ID);
  empty.pragma(`user_version = ${BEFORE_H14WRITE}`);
  assert.match(chunkTableSql(empty), /WITHOUT ROWID/);
  empty.close();
  const rebuilt = openProjectDb(emptyPath);
  assert.doesNotMatch(chunkTableSql(rebuilt), /WITHOUT ROWID/);
  rebuilt.close();

  const path = join(tempDir(), 'chunks-without-rowid.cajal');
  const old = oldProject(path, BEFORE_H14WRITE);
  old.prepare("INSERT INTO meta(key, value) VALUES ('app', ?)").run(APP_ID);
  old.pragma(`user_version = ${BEFORE_H14WRITE}`);
  const harvest = Number(old.prepare("INSERT INTO harvests(tensor, tensor_shape_json, positions, dim, rows_per_item, items_expected, rows_expected, chunk_rows, status, params_json) VALUES ('t', '[3]', 'centre', 3, 1, 5, 5, 3, 'done', '{}')").run().lastInsertRowid);
  const chunks = [0, 1].map((k) => ({ k, first: 3 * k, rows: k ? 2 : 3, data: Buffer.from(new Float32Array([k, 1.5, -2, 3, 4, 5, 6, 7, 8].slice(0, (k ? 2 : 3) * 3)).buffer), meta: Buffer.from(new Int32Array((k ? 2 : 3) * 4).fill(k - 1).buffer) }));
  const insert = old.prepare('INSERT INTO activation_chunks(harvest_id, chunk_index, first_row, row_count, data, row_meta) VALUES (?, ?, ?, ?, ?, ?)');
  for (const c of chunks) insert.run(harvest, c.k, c.first, c.rows, c.data, c.meta);
  old.close();
  const db = openProjectDb(path);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.match(chunkTableSql(db), /WITHOUT ROWID/, 'a project holding chunks is not copied when it opens');
  const rows = db.prepare('SELECT chunk_index, first_row, row_count, data, row_meta FROM activation_chunks WHERE harvest_id = ? ORDER BY chunk_index').all(harvest) as { chunk_index: number; first_row: number; row_count: number; data: Buffer; row_meta: Buffer }[];
  assert.deepEqual(rows.map((r) => [r.chunk_index, r.first_row, r.row_count, r.data.toString('hex'), r.row_meta.toString('hex')]), chunks.map((c) => [c.k, c.first, c.rows, c.data.toString('hex'), c.meta.toString('hex')]));
  assert.throws(() => db.prepare('INSERT INTO activation_chunks(harvest_id, chunk_index, first_row, row_count, data, row_meta) VALUES (?, 1, 5, 1, x\'00\', x\'00\')').run(harvest), /UNIQUE|PRIMARY KEY/);
  db.prepare('DELETE FROM harvests WHERE id = ?').run(harvest);
  assert.equal((db.prepare('SELECT count(*) AS n FROM activation_chunks').get() as { n: number }).n, 0, 'chunks go with their harvest');
  db.close();
});

test('h14write: the rowid chunk table of a new project is unique per harvest and index, and row lookups use its first_row index', () => {
  const db = openProjectDb(join(tempDir(), 'chunks-new.cajal'), { create: true });
  assert.doesNotMatch(chunkTableSql(db), /WITHOUT ROWID/);
  const harvest = Number(db.prepare("INSERT INTO harvests(tensor, tensor_shape_json, positions, dim, rows_per_item, items_expected, rows_expected, chunk_rows, status, params_json) VALUES ('t', '[3]', 'centre', 3, 1, 5, 5, 3, 'done', '{}')").run().lastInsertRowid);
  db.prepare("INSERT INTO activation_chunks(harvest_id, chunk_index, first_row, row_count, data, row_meta) VALUES (?, 1, 3, 2, x'00', x'00')").run(harvest);
  assert.throws(() => db.prepare("INSERT INTO activation_chunks(harvest_id, chunk_index, first_row, row_count, data, row_meta) VALUES (?, 1, 5, 1, x'00', x'00')").run(harvest), /UNIQUE/);
  const plan = db.prepare('EXPLAIN QUERY PLAN SELECT data FROM activation_chunks WHERE harvest_id = ? AND first_row <= ? ORDER BY first_row DESC LIMIT 1').all(harvest, 4) as { detail: string }[];
  assert.match(plan.map((p) => p.detail).join(' '), /activation_chunks_first_row/);
  db.prepare('DELETE FROM harvests WHERE id = ?').run(harvest);
  assert.equal((db.prepare('SELECT count(*) AS n FROM activation_chunks').get() as { n: number }).n, 0, 'chunks go with their harvest');
  db.close();
});

test('a missing project is not created unless asked', () => {
  const path = join(tempDir(), 'missing.cajal');
  assert.throws(() => openProjectDb(path), (e: Error & { code?: string }) => e.code === 'project.missing');
  assert.equal(fileDigest(path), 'absent');
});

test('an SQLite file that is not a Cajal project is refused and left unchanged', () => {
  const path = join(tempDir(), 'other.sqlite');
  const other = new Database(path);
  other.exec('CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers(name) VALUES (\'Ada\');');
  other.close();
  const before = fileDigest(path);
  assert.throws(() => openProjectDb(path), (e: Error & { code?: string }) => e.code === 'project.not-cajal' && /not a Cajal project/.test(e.message));
  assert.equal(fileDigest(path), before);
});

test('a file that is not SQLite at all is refused and left unchanged', () => {
  const path = join(tempDir(), 'notes.cajal');
  writeFileSync(path, 'just some notes, not a database\n');
  const before = fileDigest(path);
  assert.throws(() => openProjectDb(path), (e: Error & { code?: string }) => e.code === 'project.not-sqlite');
  assert.equal(fileDigest(path), before);
});

test('a project from a newer schema is refused and left unchanged', () => {
  const path = join(tempDir(), 'future.cajal');
  openProjectDb(path, { create: true }).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  const before = fileDigest(path);
  assert.throws(() => openProjectDb(path), (e: Error & { code?: string }) => e.code === 'project.too-new' && /newer Cajal/.test(e.message));
  assert.equal(fileDigest(path), before);
});

test('a project written before reports (schema 3) gains the reports tables and keeps its data', () => {
  const path = join(tempDir(), 'schema3.cajal');
  const old = oldProject(path, 3);
  old.prepare("INSERT INTO meta(key, value) VALUES ('app', ?)").run(APP_ID);
  old.prepare("INSERT INTO jobs(kind, title, params_json, status) VALUES ('harvest', 'kept', '{}', 'done')").run();
  old.pragma('user_version = 3');
  old.close();
  const db = openProjectDb(path);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal((db.prepare('SELECT title FROM jobs').get() as { title: string }).title, 'kept');
  const report = Number(db.prepare("INSERT INTO reports(title) VALUES ('r')").run().lastInsertRowid);
  db.prepare("INSERT INTO report_sections(report_id, position, kind, title, params_json, snapshot_json) VALUES (?, 0, 'comparison', 's', '{}', '{}')").run(report);
  db.prepare('DELETE FROM reports WHERE id = ?').run(report);
  assert.equal((db.prepare('SELECT count(*) AS n FROM report_sections').get() as { n: number }).n, 0, 'sections go with their report');
  db.close();
});
