// Stimulus frames from an .npy or .csv file, checked against the frame shape the user gave and turned channel-first
// ([H, W, C] in the file, as images are written, → [C, H, W], as the estimators and a network's stimuli read them).
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { UserError } from '../errors';
import { readNpy } from '../io/npy';
import { readCsvRows } from './csv';

/** "12,12" or "32,32,3" → [H, W, C]. */
export function parseFrameShape(text: string): [number, number, number] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if ((parts.length !== 2 && parts.length !== 3) || !parts.every((v) => Number.isInteger(v) && v > 0)) {
    throw new UserError('recording.frame-shape', `--frame-shape takes H,W or H,W,C in whole positive numbers, not ${text}.`);
  }
  return [parts[0]!, parts[1]!, parts[2] ?? 1];
}

/** frames × H·W·C in H, W, C order → frames × C·H·W. */
export function toChannelFirst(data: Float32Array, [h, w, c]: readonly number[]): Float32Array {
  if (c === 1) return data;
  const size = h! * w! * c!;
  const out = new Float32Array(data.length);
  for (let f = 0; f < data.length / size; f++) {
    for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) for (let k = 0; k < c!; k++) out[f * size + (k * h! + y) * w! + x] = data[f * size + (y * w! + x) * c! + k]!;
  }
  return out;
}

/** Frames from a file whose rows (or trailing dimensions) hold one frame each, checked: whole frames, finite values. */
export function readStimulusFile(path: string, hwc: [number, number, number]): { frames: Float32Array; count: number } {
  const full = resolve(path);
  if (!existsSync(full)) throw new UserError('recording.missing', `There is no stimulus file at ${full}.`);
  const name = basename(full);
  const size = hwc[0] * hwc[1] * hwc[2];
  let data: Float32Array;
  let perFrame: number;
  if (extname(full).toLowerCase() === '.csv') {
    const rows = readCsvRows(full);
    perFrame = rows[0]?.length ?? 0;
    if (rows.some((r) => r.length !== perFrame)) throw new UserError('recording.stimulus', `${name} has rows of different lengths; each row must hold one whole frame.`);
    data = Float32Array.from(rows.flat());
  } else {
    const a = readNpy(readFileSync(full), name);
    if (a.shape.length < 2) throw new UserError('recording.stimulus', `${name} is ${a.shape.join('×') || 'a scalar'}; the stimulus must have one frame per row (frames × pixels, or frames × H × W[ × C]).`);
    perFrame = a.shape.slice(1).reduce((x, y) => x * y, 1);
    data = a.data;
  }
  if (perFrame !== size) throw new UserError('recording.frame-shape', `${name} holds ${perFrame} values per frame but --frame-shape ${(hwc[2] === 1 ? hwc.slice(0, 2) : hwc).join(',')} needs ${size}.`);
  if (data.length === 0) throw new UserError('recording.stimulus', `${name} holds no frames.`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new UserError('recording.stimulus', `${name} holds a non-finite value in frame ${Math.floor(bad / size)}.`);
  return { frames: toChannelFirst(data, hwc), count: data.length / size };
}
