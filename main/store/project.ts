// Opening, creating and migrating a project file (one SQLite database). A file that is not a Cajal project, or one
// from a newer schema, is rejected before any write: we open it read-only first and look.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from '../errors';
import { APP_ID, SCHEMA_VERSION, migrations } from './schema';

export type Db = Database.Database;

export interface OpenOptions {
  create?: boolean;
  /** better-sqlite3's native binding, when the desktop shell runs a copy built for Electron's ABI. */
  nativeBinding?: string;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

function inspectExisting(path: string, nativeBinding?: string): { version: number } {
  const size = statSync(path).size;
  if (size > 0) {
    // Only the 16-byte header: a project can be many gigabytes.
    const head = Buffer.alloc(16);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    if (head.toString('latin1') !== SQLITE_MAGIC) {
      throw new UserError('project.not-sqlite', `${path} is not a Cajal project: it is not an SQLite database.`);
    }
  }
  const ro = new Database(path, { readonly: true, fileMustExist: true, nativeBinding });
  try {
    const version = ro.pragma('user_version', { simple: true }) as number;
    const hasMeta = ro.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").get();
    const app = hasMeta ? (ro.prepare("SELECT value FROM meta WHERE key='app'").get() as { value: string } | undefined) : undefined;
    if (size === 0 || (version === 0 && !hasMeta)) {
      const tables = ro.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type='table'").get() as { n: number };
      if (tables.n > 0) {
        throw new UserError('project.not-cajal', `${path} is an SQLite database but not a Cajal project; nothing was changed.`);
      }
      return { version: 0 };
    }
    if (app?.value !== APP_ID) {
      throw new UserError('project.not-cajal', `${path} is an SQLite database but not a Cajal project; nothing was changed.`);
    }
    if (version > SCHEMA_VERSION) {
      throw new UserError(
        'project.too-new',
        `${path} was written by a newer Cajal (schema ${version}; this one knows ${SCHEMA_VERSION}); update Cajal to open it.`,
      );
    }
    return { version };
  } finally {
    ro.close();
  }
}

export function openProjectDb(path: string, opts: OpenOptions = {}): Db {
  const exists = existsSync(path);
  if (!exists && !opts.create) {
    throw new UserError('project.missing', `There is no project file at ${path}; create one or choose another file.`);
  }
  if (exists) inspectExisting(path, opts.nativeBinding);

  const db = new Database(path, { nativeBinding: opts.nativeBinding });
  // A new project gets 64 KiB pages: activation chunks are BLOBs of ~4 MB, which 4 KiB pages store as chains of
  // ~1,000 overflow pages; with 64 KiB pages a harvest's commits took 24–28 ms per 10 MB instead of 52–67 ms
  // (measured on the bundled MLP's 10,000-digit harvest). It must be set before the first write; existing
  // projects keep theirs.
  if (!exists) db.pragma('page_size = 65536');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  // Readers in another thread (a job's worker) must wait for a writer rather than fail at once.
  db.pragma('busy_timeout = 10000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === SCHEMA_VERSION) return;
  const apply = db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) {
      const step = migrations[v]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    if (current === 0) {
      db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('app', APP_ID);
      db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('created_at', new Date().toISOString());
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  apply();
}

export function projectCreatedAt(db: Db): string {
  const row = db.prepare("SELECT value FROM meta WHERE key='created_at'").get() as { value: string } | undefined;
  return row?.value ?? '';
}

/** How many rows each catalogue table of the project holds (the project summary's counts). */
export function projectCounts(db: Db): { models: number; stimulusSets: number; harvests: number; bases: number; jobs: number } {
  const count = (table: string, where = '') => (db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get() as { n: number }).n;
  // h18imp: an import still under way is not counted, as it is not listed.
  return { models: count('models'), stimulusSets: count('stimulus_sets'), harvests: count('harvests'), bases: count('bases', "WHERE status != 'importing'"), jobs: count('jobs') };
}
