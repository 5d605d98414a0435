// Recorded neurons end to end (#11 item 4): a synthetic recording with planted spatio-temporal filters is imported
// through `cajal import-recording` once as .npy files and once as an NWB file, and `cajal revcorr --recording
// --lags 5` must give each cell's filter back at its planted lag (r ≥ 0.9), its temporal kernel's peak, and a
// rank-1 separable decomposition matching the planted Gabor × kernel. The commands run in this process (the same
// argument parsing and commands as `cajal`): each succeeds and is read from its JSON, which a child process would
// check no further.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { readNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { runCliInProcess as runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { corr, H, KERNELS, LAGS, PEAKS, SPATIAL, synthesize, W, writeNpyRecording, writeNwbRecording, type Synthetic } from './recordings-helpers';

const dir = tempDir('cajal-recordings-');
const project = join(dir, 'rec.cajal');
let synth: Synthetic;

before(() => {
  synth = synthesize(20000);
});

interface CellOut {
  cell: number;
  peakLag: number;
  separability: number;
  temporal: number[];
}

async function mapAndCheck(recordingId: number, label: string): Promise<void> {
  const out = join(dir, `filters-${label}.npy`);
  const r = await runCli(['revcorr', '--project', project, '--recording', String(recordingId), '--cells', '0-1', '--estimator', 'sta', '--lags', String(LAGS), '--nulls', '0', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { itemShape: number[]; cells: CellOut[] };
  assert.deepEqual(res.itemShape, [LAGS, H, W]);
  const filters = readNpy(readFileSync(out), 'filters.npy');
  assert.deepEqual(filters.shape, [2, LAGS, H, W]);
  const size = H * W;
  for (const c of [0, 1]) {
    const at = filters.data.subarray((c * LAGS + PEAKS[c]!) * size, (c * LAGS + PEAKS[c]! + 1) * size);
    const rLag = corr(at, SPATIAL[c]!);
    const cell = res.cells[c]!;
    const rTemporal = corr(cell.temporal, KERNELS[c]!);
    console.log(`${label} cell ${c}: r(filter at planted lag ${PEAKS[c]}, Gabor) = ${rLag.toFixed(3)}; peak lag ${cell.peakLag}; r(temporal, planted kernel) = ${rTemporal.toFixed(3)}; rank-1 share ${cell.separability.toFixed(3)}`);
    assert.ok(rLag >= 0.9, `${label} cell ${c}: r ${rLag}`);
    assert.equal(cell.peakLag, PEAKS[c]);
    assert.ok(rTemporal >= 0.9, `${label} cell ${c}: temporal r ${rTemporal}`);
    assert.ok(cell.separability >= 0.8, `${label} cell ${c}: the planted filter is separable, got ${cell.separability}`);
  }
}

test('import-recording from .npy (frames × H × W, NaN-padded spike times) maps both cells at their planted lags', async () => {
  const files = writeNpyRecording(dir, synth);
  const r = await runCli(['import-recording', '--project', project, '--stimulus', files.stimulus, '--frame-shape', `${H},${W}`, '--frame-rate', '100', '--spikes', files.spikes, '--name', 'npy', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rec = (JSON.parse(r.stdout) as { recording: { id: number; frames: number; cells: number; harvestId: number; frameShape: number[] } }).recording;
  assert.deepEqual([rec.frames, rec.cells, rec.frameShape], [20000, 2, [1, H, W]]);
  // The cells are the units of an ordinary harvest: spike counts per frame, one row per frame.
  const lab = new Lab(() => undefined);
  lab.openProject({ path: project, create: false });
  const rows = lab.database.prepare('SELECT SUM(row_count) AS n FROM activation_chunks WHERE harvest_id = ?').get(rec.harvestId) as { n: number };
  const h = lab.database.prepare('SELECT dim, rows_done, status FROM harvests WHERE id = ?').get(rec.harvestId) as { dim: number; rows_done: number; status: string };
  await lab.shutdown();
  assert.deepEqual([rows.n, h.dim, h.rows_done, h.status], [20000, 2, 20000, 'done']);
  await mapAndCheck(rec.id, 'npy');
});

test('import-recording from an NWB file (units table + ImageSeries) gives the same filters back', async () => {
  const nwb = join(dir, 'rec.nwb');
  await writeNwbRecording(nwb, synth);
  const r = await runCli(['import-recording', '--project', project, '--nwb', nwb, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rec = (JSON.parse(r.stdout) as { recording: { id: number; frames: number; cells: number; frameRate: number; source: { series: string } } }).recording;
  assert.deepEqual([rec.frames, rec.cells, rec.frameRate, rec.source.series], [20000, 2, 100, 'white_noise']);
  await mapAndCheck(rec.id, 'nwb');
});
