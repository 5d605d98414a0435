// Feature statistics at the seed's scale (#18): a planted SAE in SAELens layout (d_in 512, ReLU, about 25 active
// features per row) at 16,384 and 131,072 features over 20,000 rows, imported as a user would (import-sae), then the
// statistics job — beside its floor measured in the same run on the same shapes: two bare encoding passes (the
// SAE's encoder-only ORT graph, as the job reads it, over every row, nothing else — the whole SAE's evaluation graph
// would also run its decoder), alternating job and reference, best of two each. Peak RSS
// of this process (the job's worker thread included) is sampled while import-sae and the job run.
// Rows: CAJAL_BENCH_SCALE_ROWS (default 20,000, the issue's); features: CAJAL_BENCH_SCALE_FEATURES (comma list).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaeEncoder } from '../main/bases/sae-encoder';
import { writeSafetensors } from '../main/io/safetensors';
import { Lab } from '../main/services/lab';
import { commitChunks, readRowMeta, streamChunks } from '../main/store/activations';
import { getBasis } from '../main/store/bases';
import { getFeatureExamples } from '../main/store/features';
import type { Db } from '../main/store/project';
import * as repo from '../main/store/repo';
import { Rng } from '../main/util/random';
import { tempDir } from '../test/helpers/fixtures';
import type { Row } from './table';

const D = 512;
const ACTIVE = 25;

/** Peak RSS (MB) of this process while `work` runs, sampled every 25 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  try {
    const result = await work();
    return { result, peakMb: Math.max(peak, process.memoryUsage.rss()) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Runs one step (bench/feature-scale-peak.ts) in a child process; its peak resident set and result. */
function peakInChild(args: string[]): { peakMb: number; result: number } {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'feature-scale-peak.ts'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { peakMb: number; result: number };
}

/** −Φ⁻¹(p) by bisection: the bias that leaves a unit-variance pre-activation active with probability p. */
function biasFor(p: number): number {
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const z = (lo + hi) / 2;
    const tail = 0.5 * erfc(z / Math.SQRT2);
    if (tail > p) lo = z;
    else hi = z;
  }
  return -(lo + hi) / 2;
}
function erfc(x: number): number {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough to place a bias
  const t = 1 / (1 + 0.3275911 * x);
  return t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
}

/** SAELens files of an m-feature ReLU SAE whose unit-norm encoder columns fire on ~ACTIVE of m Gaussian rows. */
export function writeSaeDir(dir: string, m: number, rng: Rng): void {
  const wEnc = new Float32Array(D * m);
  rng.fillNormal(wEnc);
  const norms = new Float64Array(m);
  for (let i = 0; i < D; i++) for (let j = 0; j < m; j++) norms[j]! += wEnc[i * m + j]! ** 2;
  for (let i = 0; i < D; i++) for (let j = 0; j < m; j++) wEnc[i * m + j]! /= Math.sqrt(norms[j]!);
  const wDec = new Float32Array(m * D);
  for (let i = 0; i < D; i++) for (let j = 0; j < m; j++) wDec[j * D + i] = wEnc[i * m + j]!;
  mkdirSync(dir, { recursive: true });
  const b = biasFor(ACTIVE / m);
  writeFileSync(join(dir, 'sae_weights.safetensors'), writeSafetensors({ W_enc: { shape: [D, m], data: wEnc }, b_enc: { shape: [m], data: new Float32Array(m).fill(b) }, W_dec: { shape: [m, D], data: wDec }, b_dec: { shape: [D], data: new Float32Array(D) } }));
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ d_in: D, d_sae: m, activation_fn_str: 'relu', normalize_activations: 'none' }));
}

/** readRowMeta of a card's example rows with the scale room's copy of the row metadata, and without it (restored). */
function metaReadTimes(db: Db, harvestId: number, feature: number, basisId: number): { copyMs: number; chunksMs: number; rows: number } {
  const ex = getFeatureExamples(db, basisId, feature)!;
  const rows = [...ex.topRows, ...ex.bottomRows, ...Array.from(ex.bandRows).filter((r) => r >= 0)];
  const copies = db.prepare('SELECT * FROM activation_row_meta WHERE harvest_id = ?').all(harvestId);
  const restore = db.prepare('INSERT INTO activation_row_meta VALUES (@harvest_id, @chunk_index, @first_row, @row_count, @row_meta)');
  const copy: number[] = [];
  const chunks: number[] = [];
  for (let round = 0; round < 5; round++) {
    let t = performance.now();
    readRowMeta(db, harvestId, rows);
    copy.push(performance.now() - t);
    db.prepare('DELETE FROM activation_row_meta WHERE harvest_id = ?').run(harvestId);
    t = performance.now();
    readRowMeta(db, harvestId, rows);
    chunks.push(performance.now() - t);
    db.transaction(() => copies.forEach((r) => restore.run(r)))();
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { copyMs: median(copy), chunksMs: median(chunks), rows: new Set(rows).size };
}

export async function benchFeatureScale(): Promise<Row[]> {
  const rows = Number(process.env.CAJAL_BENCH_SCALE_ROWS ?? 20_000);
  const sizes = (process.env.CAJAL_BENCH_SCALE_FEATURES ?? '16384,131072').split(',').map(Number);
  const dir = tempDir('cajal-bench-feature-scale-');
  const lab = new Lab(() => undefined);
  const projectPath = join(dir, 'bench.cajal');
  lab.openProject({ path: projectPath, create: true });
  const out: Row[] = [];
  try {
    const db = lab['db']!;
    const rng = new Rng(18);
    const chunkRows = 2000;
    const harvestId = repo.insertHarvest(db, { modelId: null, stimulusSetId: null, jobId: null, source: 'import', tensor: 'bench', tensorShape: [D], positions: 'centre', dim: D, rowsPerItem: 1, itemsExpected: rows, chunkRows, params: { bench: true } });
    for (let s = 0, k = 0; s < rows; s += chunkRows, k++) {
      const n = Math.min(chunkRows, rows - s);
      const x = new Float32Array(n * D);
      rng.fillNormal(x);
      const meta = new Int32Array(n * 4);
      for (let r = 0; r < n; r++) meta.set([s + r, -1, -1, -1], r * 4);
      commitChunks(db, [{ harvestId, chunkIndex: k, firstRow: s, rowCount: n, data: x, meta }]);
    }
    repo.setHarvestStatus(db, harvestId, 'done');
    for (const m of sizes) {
      const saeDir = join(dir, `sae-${m}`);
      writeSaeDir(saeDir, m, rng);
      // h18imp: import-sae (in blocks, as a job) in a process of its own, for its own peak memory; at the largest size
      // the whole-file import (the path before #18 item 4) is measured beside it the same way, then dropped.
      const imported = peakInChild(['import', projectPath, String(harvestId), saeDir]);
      const basisId = imported.result;
      const whole = m === Math.max(...sizes) ? peakInChild(['import-whole', projectPath, String(harvestId), saeDir]) : null;
      if (whole) db.prepare('DELETE FROM bases WHERE id = ?').run(whole.result);
      const basis = SaeEncoder.load(db, getBasis(db, basisId))!;
      const bare = async () => {
        const t0 = performance.now();
        const block = basis.blockRows; // the rows of one of the job's ORT runs
        for (let pass = 0; pass < 2; pass++) {
          for (const c of streamChunks(db, harvestId)) {
            for (let r = 0; r < c.rowCount; r += block) {
              const n = Math.min(block, c.rowCount - r);
              await basis.encode(c.data.subarray(r * D, (r + n) * D), n);
            }
          }
        }
        return (performance.now() - t0) / 1000;
      };
      const job = async () => {
        const t0 = performance.now();
        const { result, peakMb } = await peakRss(async () => {
          const { jobId } = lab.startFeatureStats({ basisId, topK: 32, bands: 8 });
          return lab.jobs.wait(jobId);
        });
        if (result.status !== 'done') throw new Error(`feature-stats job ${result.status}: ${result.error}`);
        return { s: (performance.now() - t0) / 1000, peakMb };
      };
      let refS = Infinity;
      let jobS = Infinity;
      let jobPeak = 0;
      for (let round = 0; round < 2; round++) {
        refS = Math.min(refS, await bare());
        const j = await job();
        jobS = Math.min(jobS, j.s);
        jobPeak = Math.max(jobPeak, j.peakMb);
      }
      out.push({
        name: `feature-stats job, SAE m=${m}, ${rows} rows × d=${D}`,
        value: jobS,
        unit: 's',
        reference: 'two bare encoding passes (ORT, encoder only)',
        referenceValue: refS,
        ratio: refS / jobS,
        goal: '≥ 0.5×',
        note: `job: worker start, one encoding pass (non-zeros kept), the non-zeros-only updates, the SQLite write of ${m} features; best of two, alternating with the reference`,
      });
      if (m === Math.max(...sizes)) {
        // Cards (engine side of features.get): the first after the job, then another feature's. Before #18 the first
        // loaded the whole dictionary (and the whole table for one feature's metrics).
        const table = lab.featureTable(basisId);
        const byDensity = table.features.filter((f) => f.density > 0).sort((a, b) => b.density - a.density);
        const tc = performance.now();
        await lab.featureDetail({ basisId, feature: byDensity[0]!.feature });
        const coldMs = performance.now() - tc;
        const tn = performance.now();
        await lab.featureDetail({ basisId, feature: byDensity[1]!.feature });
        const nextMs = performance.now() - tn;
        out.push({ name: `features.get cold (first card), m=${m}`, value: coldMs, unit: 'ms', goal: '< 300 ms', note: 'engine side, no stimuli (imported rows), no other basis' });
        // scale (#18 item 3): a card's example rows' metadata, read from its copy apart from the activations against
        // the chunks themselves (row_meta behind each chunk's data BLOB), alternating, median of 5.
        const meta = metaReadTimes(db, harvestId, byDensity[0]!.feature, basisId);
        out.push({ name: `card example-row metadata (one card's rows of ${rows})`, value: meta.copyMs, unit: 'ms', reference: 'read from activation_chunks (before)', referenceValue: meta.chunksMs, ratio: meta.chunksMs / meta.copyMs, note: `${meta.rows} rows, median of 5, alternating` });
        out.push({ name: `features.get next card, m=${m}`, value: nextMs, unit: 'ms', goal: '< 300 ms' });
        const stats = peakInChild(['stats', projectPath, String(basisId)]);
        out.push({ name: `import-sae peak RSS, m=${m}`, value: imported.peakMb, unit: 'MB', reference: 'whole-file import (before #18 item 4)', referenceValue: whole!.peakMb, ratio: whole!.peakMb / imported.peakMb, goal: '< 1024 MB', note: 'each in a process of its own (its VmHWM at exit: Node, the job worker, SQLite)' });
        out.push({ name: `feature-stats job peak RSS, m=${m}`, value: stats.peakMb, unit: 'MB', goal: '< 1024 MB', note: 'in a process of its own (VmHWM at exit); the in-bench figure, raised by the bench\'s own copies, was ' + jobPeak.toFixed(0) + ' MB' });
      }
    }
  } finally {
    await lab.shutdown();
  }
  return out;
}

if (process.argv[1]?.endsWith('bench/feature-scale.ts')) {
  const { printTable } = await import('./table');
  printTable(await benchFeatureScale());
}
