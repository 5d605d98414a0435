// NWB files (HDF5, read with h5wasm): cells from the `/units` table (`spike_times`, ragged by `spike_times_index`,
// in seconds) and frames from a TimeSeries or ImageSeries under `/stimulus/presentation` (data [T, H, W] or
// [T, H, W, C]; its clock from `starting_time` with its `rate` attribute, or from regular `timestamps`).
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UserError } from '../errors';
import { toChannelFirst } from './frames';
import type { RecordingData } from './types';

type H5 = typeof import('h5wasm/node').default;
type Group = InstanceType<H5['Group']>;
type Dataset = InstanceType<H5['Dataset']>;

let h5: Promise<H5> | null = null;
/** The WASM module loads once per process; its ready promise resolves when it can open files. */
async function loadH5(): Promise<H5> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  return h5;
}

const isDataset = (e: unknown, lib: H5): e is Dataset => e instanceof lib.Dataset;
const isGroup = (e: unknown, lib: H5): e is Group => e instanceof lib.Group;
const numbers = (d: Dataset): number[] => Array.from(d.value as ArrayLike<number | bigint>, Number);

export async function readNwb(path: string, seriesName?: string): Promise<RecordingData> {
  const full = resolve(path);
  if (!existsSync(full)) throw new UserError('recording.missing', `There is no NWB file at ${full}.`);
  const name = basename(full);
  // h5wasm opens anything without throwing (HDF5 prints its own diagnostics), so the signature is checked first.
  if (!hasHdf5Signature(full)) throw new UserError('recording.nwb', `${name} is not an HDF5 (NWB) file.`);
  const lib = await loadH5();
  const file = new lib.File(full, 'r');
  try {
    const units = file.get('units');
    if (!isGroup(units, lib)) throw new UserError('recording.no-units', `${name} has no /units table, so it names no cells; export the sorted units with the recording.`);
    const times = units.get('spike_times');
    const index = units.get('spike_times_index');
    if (!isDataset(times, lib) || !isDataset(index, lib)) throw new UserError('recording.no-units', `${name}'s /units table has no spike_times with spike_times_index.`);
    const t = numbers(times);
    const ends = numbers(index);
    const cells = ends.map((end, c) => Float64Array.from(t.slice(c === 0 ? 0 : ends[c - 1]!, end)).sort());

    const presentation = file.get('stimulus/presentation');
    if (!isGroup(presentation, lib)) throw new UserError('recording.no-stimulus', `${name} has no /stimulus/presentation group, so there are no frames to correlate with.`);
    const names = presentation.keys().filter((k) => {
      const d = presentation.get(`${k}/data`);
      return isDataset(d, lib) && (d.shape?.length ?? 0) >= 3;
    });
    const chosen = seriesName ?? names[0];
    if (chosen === undefined) throw new UserError('recording.no-stimulus', `${name} has no series of frames (data [T, H, W] or [T, H, W, C]) under /stimulus/presentation.`);
    if (!names.includes(chosen)) throw new UserError('recording.no-stimulus', `${name} has no frame series "${chosen}" under /stimulus/presentation; it has ${names.join(', ') || 'none'}.`);
    const data = presentation.get(`${chosen}/data`) as Dataset;
    const shape = data.shape!;
    const hwc: [number, number, number] = [shape[1]!, shape[2]!, shape[3] ?? 1];
    if (shape.length > 4) throw new UserError('recording.stimulus', `${name}'s ${chosen} is ${shape.join('×')}; frames must be [T, H, W] or [T, H, W, C].`);
    const frames = Float32Array.from(data.value as ArrayLike<number>);
    const bad = frames.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new UserError('recording.stimulus', `${name}'s ${chosen} holds a non-finite value in frame ${Math.floor(bad / (hwc[0] * hwc[1] * hwc[2]))}.`);
    const clock = readClock(lib, presentation.get(chosen) as Group, name, chosen, shape[0]!);
    return { frames: toChannelFirst(frames, hwc), frameShape: [hwc[2], hwc[0], hwc[1]], ...clock, spikes: { kind: 'times', cells }, source: { nwb: full, series: chosen } };
  } finally {
    file.close();
  }
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The HDF5 superblock signature sits at byte 0 or, after a user block, at 512, 1024, 2048, … */
function hasHdf5Signature(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, 8, at);
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** A series' frame rate and onset: `starting_time` + `rate`, or timestamps that must be evenly spaced. */
function readClock(lib: H5, series: Group, name: string, chosen: string, frames: number): { frameRate: number; startTime: number } {
  const st = series.get('starting_time');
  if (isDataset(st, lib)) {
    const rate = Number(st.attrs.rate?.value);
    if (!(rate > 0)) throw new UserError('recording.rate', `${name}'s ${chosen}/starting_time has no positive rate attribute.`);
    return { frameRate: rate, startTime: Number(st.value) };
  }
  const ts = series.get('timestamps');
  if (!isDataset(ts, lib)) throw new UserError('recording.rate', `${name}'s ${chosen} has neither starting_time with a rate nor timestamps, so its frames have no times.`);
  const t = numbers(ts);
  if (t.length !== frames || frames < 2) throw new UserError('recording.rate', `${name}'s ${chosen} has ${t.length} timestamps for ${frames} frames.`);
  const step = (t[frames - 1]! - t[0]!) / (frames - 1);
  if (!(step > 0) || t.some((v, i) => Math.abs(v - t[0]! - i * step) > 0.01 * step)) {
    throw new UserError('recording.rate', `${name}'s ${chosen} timestamps are not evenly spaced; frames must come at a fixed rate.`);
  }
  return { frameRate: 1 / step, startTime: t[0]! };
}
