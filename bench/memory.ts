// Memory: an SAE fitted on a harvest three times larger than the configured memory cap (CAJAL_MEMORY_CAP_MB) stays
// under the cap, because every fit streams its rows from the project file. Peak RSS of the fitting process is sampled
// from /proc while it runs (worker threads included: they share the process).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { commitChunks } from '../main/store/activations';
import { openProjectDb } from '../main/store/project';
import { insertHarvest, setHarvestStatus } from '../main/store/repo';
import { computeUnitStats } from '../main/harvest/unit-stats';
import { Rng } from '../main/util/random';
import { repoRoot, tempDir } from '../test/helpers/fixtures';
import type { Row } from './table';

const CAP_MB = 512;
const DIM = 256;

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sparse non-negative rows from a planted dictionary, written chunk by chunk (never all in memory). */
export function writeHarvest(path: string, rows: number): number {
  const db = openProjectDb(path, { create: true });
  const chunkRows = 4096;
  const id = insertHarvest(db, { modelId: null, stimulusSetId: null, jobId: null, source: 'import', tensor: 'synthetic', tensorShape: [DIM], positions: 'centre', dim: DIM, rowsPerItem: 1, itemsExpected: rows, chunkRows, params: { synthetic: true } });
  const rng = new Rng(1);
  const atoms = new Float32Array(1024 * DIM);
  rng.fillNormal(atoms);
  const data = new Float32Array(chunkRows * DIM);
  for (let start = 0, index = 0; start < rows; start += chunkRows, index++) {
    const n = Math.min(chunkRows, rows - start);
    data.fill(0);
    for (let r = 0; r < n; r++) {
      for (let a = 0; a < 4; a++) {
        const atom = rng.int(0, 1024);
        const c = rng.float() * 2;
        for (let j = 0; j < DIM; j++) data[r * DIM + j]! += c * atoms[atom * DIM + j]!;
      }
    }
    const meta = new Int32Array(n * 4).fill(-1);
    for (let r = 0; r < n; r++) meta[r * 4] = start + r;
    commitChunks(db, [{ harvestId: id, chunkIndex: index, firstRow: start, rowCount: n, data: data.subarray(0, n * DIM), meta }]);
  }
  setHarvestStatus(db, id, 'done');
  computeUnitStats(db, id);
  db.close();
  return id;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestSource(path) : st.mtimeMs);
  }
  return newest;
}

function ensureFreshBuild(): void {
  const built = join(repoRoot, 'out/main/cli.js');
  if (existsSync(built) && statSync(built).mtimeMs > newestSource(join(repoRoot, 'main'))) return;
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  if (r.status !== 0) throw new Error('npm run build failed; the memory bench measures the built CLI');
}

export async function benchMemory(): Promise<Row[]> {
  const dir = tempDir('cajal-bench-memory-');
  const project = join(dir, 'big.cajal');
  const rows = Math.ceil((3 * CAP_MB * 1024 * 1024) / (4 * DIM));
  const harvestId = writeHarvest(project, rows);
  // The built CLI, as users run it (tsx's in-process compiler alone adds hundreds of MB); rebuilt when stale.
  ensureFreshBuild();
  const cli = [join(repoRoot, 'bin/cajal.mjs')];
  const child = spawn(process.execPath, [...cli, 'fit', '--project', project, '--harvest', String(harvestId), '--method', 'sae-topk', '--k', '1024', '--topk', '16', '--steps', '200', '--param', 'batchSize=1024', '--json'], {
    env: { ...process.env, CAJAL_MEMORY_CAP_MB: String(CAP_MB) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!))), 50);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearInterval(timer);
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`memory bench fit failed: ${stderr}`);
  return [
    {
      name: `memory: SAE fit on a ${((rows * DIM * 4) / 2 ** 20).toFixed(0)} MB harvest (${rows} × ${DIM}), cap ${CAP_MB} MB`,
      value: peak,
      unit: 'MB peak RSS',
      reference: 'configured cap',
      referenceValue: CAP_MB,
      ratio: CAP_MB / peak,
      goal: 'peak < cap (ratio > 1)',
    },
  ];
}
