// Every way a recording can arrive gives the same stored recording (#11 item 4): spike times as NaN-padded .npy or
// `cell,time` .csv and counts per frame as .npy bin to identical harvest rows; a .csv stimulus stores the same frames
// as an .npy one; colour frames [H, W, C] are stored channel-first. The cells then go through bases and features
// as any harvest's units do.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRouter } from '../../main/api/router';
import { writeNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { blobToFloat32 } from '../../main/store/activations';
import { getRecording, readFrames } from '../../main/store/recordings';
import { tempDir } from '../helpers/fixtures';
import { H, RATE, synthesize, W, writeNpyRecording, type Synthetic } from './recordings-helpers';

const dir = tempDir('cajal-recordings-formats-');
const lab = new Lab(() => undefined);
const call = <T>(m: string, p: unknown) => createRouter(lab, 'direct').call(m, p) as Promise<T>;
let synth: Synthetic;
let files: { stimulus: string; spikes: string };

before(() => {
  lab.openProject({ path: join(dir, 'f.cajal'), create: true });
  synth = synthesize(400, 11);
  files = writeNpyRecording(dir, synth);
});
after(() => lab.shutdown());

function harvestRows(harvestId: number): Float32Array {
  const chunks = lab.database.prepare('SELECT data FROM activation_chunks WHERE harvest_id = ? ORDER BY first_row').all(harvestId) as { data: Buffer }[];
  return Float32Array.from(chunks.flatMap((c) => Array.from(blobToFloat32(c.data))));
}

interface Rec {
  id: number;
  harvestId: number;
  cells: number;
  frames: number;
}

test('spike times (.npy, .csv) and counts (.npy) bin to the same rows; a .csv stimulus stores the same frames', async () => {
  const fromNpy = await call<Rec>('recordings.import', { stimulus: files.stimulus, frameShape: `${H},${W}`, frameRate: RATE, spikes: files.spikes });
  const csvSpikes = join(dir, 'spikes.csv');
  writeFileSync(csvSpikes, ['cell,time', ...synth.times.flatMap((t, c) => t.map((s) => `${c},${s}`))].join('\n'));
  const csvStim = join(dir, 'stim.csv');
  const rows: string[] = [];
  for (let f = 0; f < synth.count; f++) rows.push(Array.from(synth.frames.subarray(f * H * W, (f + 1) * H * W)).join(','));
  writeFileSync(csvStim, rows.join('\n'));
  const fromCsv = await call<Rec>('recordings.import', { stimulus: csvStim, frameShape: `${H},${W}`, frameRate: RATE, spikes: csvSpikes });
  const counts = new Float32Array(synth.count * 2);
  synth.times.forEach((t, c) => t.forEach((s) => (counts[Math.floor(s * RATE) * 2 + c] += 1)));
  const countsPath = join(dir, 'counts.npy');
  writeFileSync(countsPath, writeNpy(counts, [synth.count, 2]));
  const fromCounts = await call<Rec>('recordings.import', { stimulus: files.stimulus, frameShape: `${H},${W}`, frameRate: RATE, spikes: countsPath });
  const expected = Array.from(counts);
  assert.ok(expected.reduce((a, b) => a + b, 0) > 50, 'the cells fired');
  for (const r of [fromNpy, fromCsv, fromCounts]) assert.deepEqual(Array.from(harvestRows(r.harvestId)), expected);
  const db = lab.database;
  const a = readFrames(db, getRecording(db, fromNpy.id), 0, synth.count);
  const b = readFrames(db, getRecording(db, fromCsv.id), 0, synth.count);
  assert.deepEqual(b, a);
  assert.deepEqual(a, synth.frames);
});

test('colour frames [H, W, C] are stored channel-first', async () => {
  const [h, w, c, t] = [2, 3, 3, 20];
  const data = Float32Array.from({ length: t * h * w * c }, (_, i) => i);
  const stim = join(dir, 'rgb.npy');
  writeFileSync(stim, writeNpy(data, [t, h, w, c]));
  const spikes = join(dir, 'rgb.csv');
  writeFileSync(spikes, 'cell,time\n0,0.015\n0,0.155\n');
  const rec = await call<Rec & { frameShape: number[] }>('recordings.import', { stimulus: stim, frameShape: `${h},${w},${c}`, frameRate: RATE, spikes });
  assert.deepEqual(rec.frameShape, [c, h, w]);
  const frames = readFrames(lab.database, getRecording(lab.database, rec.id), 5, 1);
  // Frame 5, channel k, pixel (y, x) was element ((5·h + y)·w + x)·c + k of the file.
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(frames[(k * h + y) * w + x], ((5 * h + y) * w + x) * c + k);
  assert.deepEqual(Array.from(harvestRows(rec.harvestId)).map((v, i) => (v ? i : -1)).filter((i) => i >= 0), [1, 15]);
});

test('the cells of a recording fit a basis and get feature statistics like any harvest units', async () => {
  const rec = (await call<Rec[]>('recordings.list', {}))[0]!;
  const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId: rec.harvestId, method: 'neurons' });
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
  const fc = await call<{ jobId: number }>('features.compute', { basisId: fit.basisId, topK: 10, bands: 4 });
  const job = await lab.jobs.wait(fc.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const table = await call<{ features: unknown[] }>('features.table', { basisId: fit.basisId });
  assert.equal(table.features.length, rec.cells);
});
