// Spikes from an .npy or .csv file, and their binning into counts per frame. Three layouts are accepted: a .csv of
// `cell,time` rows (seconds); an .npy of cells × maxSpikes spike times padded with NaN; an .npy of frames × cells
// counts. An .npy is read as counts only when it has one row per frame and holds whole non-negative numbers (times
// in seconds almost never do); `as` overrides the guess.
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { UserError } from '../errors';
import { readNpy } from '../io/npy';
import { readCsvRows } from './csv';
import type { RecordedSpikes } from './types';

export type SpikeLayout = 'times' | 'counts' | 'auto';

export function readSpikesFile(path: string, frames: number, as: SpikeLayout = 'auto'): RecordedSpikes {
  const full = resolve(path);
  if (!existsSync(full)) throw new UserError('recording.missing', `There is no spikes file at ${full}.`);
  const name = basename(full);
  if (extname(full).toLowerCase() === '.csv') {
    if (as === 'counts') throw new UserError('recording.spikes', `${name}: counts per frame come as an .npy of frames × cells; a .csv holds cell,time rows.`);
    const rows = readCsvRows(full);
    if (rows.some((r) => r.length !== 2)) throw new UserError('recording.spikes', `${name} must have two columns, cell,time (seconds).`);
    const nCells = rows.reduce((m, r) => Math.max(m, r[0]! + 1), 0);
    const bad = rows.find((r) => !Number.isInteger(r[0]) || r[0]! < 0 || !Number.isFinite(r[1]));
    if (bad) throw new UserError('recording.spikes', `${name} has a row "${bad.join(',')}": cells are whole numbers from 0 and times finite seconds.`);
    const lists: number[][] = Array.from({ length: nCells }, () => []);
    for (const [c, t] of rows) lists[c!]!.push(t!);
    return { kind: 'times', cells: lists.map((l) => Float64Array.from(l).sort()) };
  }
  const a = readNpy(readFileSync(full), name);
  if (a.shape.length !== 2) throw new UserError('recording.spikes', `${name} is ${a.shape.join('×')}; spikes must be cells × spike times (NaN-padded) or frames × cells counts.`);
  const [r, c] = a.shape as [number, number];
  const countsLike = r === frames && a.data.every((v) => Number.isInteger(v) && v >= 0);
  if (as === 'counts' || (as === 'auto' && countsLike)) {
    if (r !== frames) throw new UserError('recording.spikes', `${name} has ${r} rows of counts but the stimulus has ${frames} frames; counts need one row per frame.`);
    if (!countsLike) throw new UserError('recording.spikes', `${name} must hold whole non-negative spike counts.`);
    return { kind: 'counts', cells: c, counts: a.data };
  }
  const cells: Float64Array[] = [];
  for (let i = 0; i < r; i++) {
    const row = Array.from(a.data.subarray(i * c, (i + 1) * c)).filter((v) => !Number.isNaN(v));
    if (row.some((v) => !Number.isFinite(v))) throw new UserError('recording.spikes', `${name} holds an infinite spike time for cell ${i}.`);
    cells.push(Float64Array.from(row).sort());
  }
  return { kind: 'times', cells };
}

/**
 * Counts per frame (frames × cells) from spike times: frame t covers [start + t/rate, start + (t+1)/rate). A spike
 * outside the stimulus's duration means the two files do not belong together, so it is refused, not dropped.
 */
export function binSpikes(spikes: RecordedSpikes, frames: number, rate: number, start: number): { counts: Float32Array; cells: number } {
  if (spikes.kind === 'counts') return { counts: spikes.counts, cells: spikes.cells };
  const cells = spikes.cells.length;
  if (cells === 0) throw new UserError('recording.spikes', 'The recording names no cells.');
  const end = start + frames / rate;
  const counts = new Float32Array(frames * cells);
  spikes.cells.forEach((times, c) => {
    for (const t of times) {
      if (t < start || t >= end) {
        throw new UserError('recording.spike-time', `Cell ${c} has a spike at ${t} s, outside the stimulus's ${start}–${end} s (${frames} frames at ${rate} Hz).`);
      }
      const f = Math.min(frames - 1, Math.floor((t - start) * rate));
      counts[f * cells + c] += 1;
    }
  });
  return { counts, cells };
}
