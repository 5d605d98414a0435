// The CPU a harvest's writer spends per 10 MB of float32 rows committed (#14): SQLite commits of the default ~4 MB
// chunks and the unit statistics fold, each process fresh (harvest-write-child.ts), with the chunk copies kept
// resident (keepBlobCopiesResident, what the writer does) against the same commits without it. Reference: the same
// commits in a process whose malloc was left alone, alternating with ours, best of REPEATS each. A third row commits
// 100 MB into the rowid chunk table (migration h14write) against the WITHOUT ROWID table it replaced.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/fixtures';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;

interface Totals {
  commitCpu: number;
  commitFaults: number;
  statsCpu: number;
}

function child(mode: 'resident' | 'fresh' | 'without-rowid', dim: number, rows: number): Totals {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/harvest-write-child.ts'), mode, String(dim), String(rows)], { cwd: repoRoot, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`harvest-write child failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Totals;
}

export async function benchHarvestWrite(): Promise<Row[]> {
  const rows: Row[] = [];
  // The bundled MLP's hidden1 (256 units, 10,000 digits) and a wide layer over more chunks.
  for (const [dim, count] of [[256, 10000], [1024, 20480]] as const) {
    const best = { resident: [Infinity, Infinity, Infinity], fresh: [Infinity, Infinity, Infinity] };
    for (let r = 0; r < REPEATS; r++) {
      for (const mode of r % 2 ? (['fresh', 'resident'] as const) : (['resident', 'fresh'] as const)) {
        const t = child(mode, dim, count);
        const b = best[mode];
        b[0] = Math.min(b[0]!, t.commitCpu);
        b[1] = Math.min(b[1]!, t.commitFaults);
        b[2] = Math.min(b[2]!, t.statsCpu);
      }
    }
    const per10MB = 10e6 / (count * dim * 4);
    const what = `${count.toLocaleString('en-US')} rows × ${dim} float32`;
    rows.push({
      name: `harvest writer: SQLite commit CPU per 10 MB, ${what}`,
      value: best.resident[0]! * per10MB,
      unit: 'ms',
      reference: 'without keepBlobCopiesResident',
      referenceValue: best.fresh[0]! * per10MB,
      ratio: best.fresh[0]! / best.resident[0]!,
      note: `page faults per 10 MB: ${Math.round(best.resident[1]! * per10MB)} against ${Math.round(best.fresh[1]! * per10MB)}; best of ${REPEATS} fresh processes each, alternating`,
    });
    rows.push({
      name: `harvest writer: unit statistics fold CPU per 10 MB, ${what}`,
      value: Math.min(best.resident[2]!, best.fresh[2]!) * per10MB,
      unit: 'ms',
      note: `best of ${REPEATS * 2} fresh processes`,
    });
  }
  // Enough chunks for the old table's b-tree to have interior pages, as a real harvest's has.
  const table = { rowid: Infinity, without: Infinity };
  for (let r = 0; r < REPEATS; r++) {
    table.rowid = Math.min(table.rowid, child('resident', 256, 102400).commitCpu);
    table.without = Math.min(table.without, child('without-rowid', 256, 102400).commitCpu);
  }
  rows.push({
    name: 'harvest writer: SQLite commit CPU per 10 MB, 102,400 rows × 256 float32 (25 chunks), rowid chunk table',
    value: table.rowid / 10.49,
    unit: 'ms',
    reference: 'WITHOUT ROWID table (before h14write)',
    referenceValue: table.without / 10.49,
    ratio: table.without / table.rowid,
    note: `both with keepBlobCopiesResident; best of ${REPEATS} fresh processes each, alternating`,
  });
  return rows;
}
