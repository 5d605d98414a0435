// One process of the harvest-write bench (harvest-write.ts): commits a harvest's chunks as the writer does (one
// transaction per chunk with its row metadata, then the unit statistics fold), in a fresh process so glibc's malloc
// starts untuned, and prints the CPU and page faults of the commits and the CPU of the fold as JSON. `resident` first
// calls keepBlobCopiesResident as WriterCore does; `fresh` does not (the writer before #14's change);
// `without-rowid` is `resident` over the chunk table as it was before migration h14write (a WITHOUT ROWID table).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UnitStatsAccumulator } from '../main/harvest/unit-stats';
import { commitChunks } from '../main/store/activations';
import { keepBlobCopiesResident } from '../main/store/blob-memory';
import { openProjectDb } from '../main/store/project';
import { insertHarvest } from '../main/store/repo';
import { tempDir } from '../test/helpers/fixtures';

const [mode, dimArg, rowsArg] = process.argv.slice(2);
const dim = Number(dimArg);
const rows = Number(rowsArg);
const chunkRows = Math.floor((1 << 20) / dim); // the default chunk: about a million values
const dir = tempDir('cajal-bench-write-');
const db = openProjectDb(join(dir, 'w.cajal'), { create: true });
db.pragma('foreign_keys = OFF'); // a harvest row without its model and stimulus set
const harvestId = insertHarvest(db, { modelId: null, stimulusSetId: null, jobId: null, source: 'model', tensor: 't', tensorShape: [dim], positions: 'centre', dim, rowsPerItem: 1, itemsExpected: rows, chunkRows, params: {} } as unknown as Parameters<typeof insertHarvest>[1]);
db.pragma('cache_size = -2048'); // as the writer thread's connection
if (mode === 'without-rowid') {
  db.exec(`DROP TABLE activation_chunks;
    CREATE TABLE activation_chunks (harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE, chunk_index INTEGER NOT NULL,
      first_row INTEGER NOT NULL, row_count INTEGER NOT NULL, data BLOB NOT NULL, row_meta BLOB NOT NULL, PRIMARY KEY (harvest_id, chunk_index)) WITHOUT ROWID;
    CREATE INDEX activation_chunks_first_row ON activation_chunks(harvest_id, first_row);`);
}
// ReLU-like rows, the same for every chunk.
const data = new Float32Array(chunkRows * dim);
for (let i = 0, s = 1; i < data.length; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  data[i] = Math.max(0, s / 2 ** 32 - 0.4);
}
if (mode !== 'fresh') keepBlobCopiesResident(db, chunkRows * (dim * 4 + 16));
const acc = new UnitStatsAccumulator(dim);
const totals = { commitCpu: 0, commitFaults: 0, statsCpu: 0 };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let r = 0, k = 0; r < rows; r += chunkRows, k++) {
  const n = Math.min(chunkRows, rows - r);
  const meta = new Int32Array(n * 4);
  const faults0 = process.resourceUsage().minorPageFault;
  const c0 = cpu();
  commitChunks(db, [{ harvestId, chunkIndex: k, firstRow: r, rowCount: n, data: data.subarray(0, n * dim), meta, storage: 'float32' }]);
  const c1 = cpu();
  totals.commitFaults += process.resourceUsage().minorPageFault - faults0;
  acc.add(data, n);
  totals.commitCpu += c1 - c0;
  totals.statsCpu += cpu() - c1;
}
db.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(totals));
