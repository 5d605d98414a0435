// A synthetic recording with known ground truth (#11 item 4): two cells, each a 12×12 Gabor × a temporal kernel
// over 5 lags (cell 0 peaks at lag 2, cell 1 at lag 1), driven by white-noise frames at 100 Hz; each cell fires
// Poisson spikes at a rectified-linear rate of that drive, spread uniformly inside their frame. Written as .npy files
// and as an NWB file (HDF5 written with h5wasm), so the import paths can be checked against the planted filters.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { writeNpy } from '../../main/io/npy';

export const H = 12;
export const W = 12;
export const RATE = 100;
export const LAGS = 5;
export const KERNELS = [
  [0.15, 0.55, 1.0, 0.45, -0.2],
  [0.4, 1.0, 0.35, -0.25, -0.1],
];
export const PEAKS = [2, 1];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gabor(theta: number, phase: number): Float32Array {
  const g = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - (W - 1) / 2;
      const dy = y - (H - 1) / 2;
      const u = dx * Math.cos(theta) + dy * Math.sin(theta);
      g[y * W + x] = Math.exp(-(dx * dx + dy * dy) / (2 * 2.5 * 2.5)) * Math.cos((2 * Math.PI * u) / 6 + phase);
    }
  }
  const n = Math.hypot(...g);
  return g.map((v) => v / n);
}

export const SPATIAL = [gabor(0, 0), gabor(Math.PI / 3, Math.PI / 2)];

export function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

export interface Synthetic {
  frames: Float32Array;
  count: number;
  /** Spike times in seconds, per cell. */
  times: number[][];
}

export function synthesize(count: number, seed = 7): Synthetic {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const size = H * W;
  const frames = Float32Array.from({ length: count * size }, gauss);
  // Spatial projection of every frame onto each cell's Gabor, then the temporal kernel over past frames.
  const proj = SPATIAL.map((g) => Float64Array.from({ length: count }, (_, t) => g.reduce((acc, v, i) => acc + v * frames[t * size + i]!, 0)));
  const times = SPATIAL.map((_, c) => {
    const list: number[] = [];
    for (let t = 0; t < count; t++) {
      let drive = 0;
      for (let l = 0; l < LAGS && l <= t; l++) drive += KERNELS[c]![l]! * proj[c]![t - l]!;
      const lambda = 0.8 * Math.max(0, drive);
      // Poisson by inversion: λ per frame is small, so a few uniforms suffice.
      let k = 0;
      for (let p = Math.exp(-lambda), acc = p, u = rand(); u > acc; k++) {
        p *= lambda / (k + 1);
        acc += p;
      }
      // Kept off the frame edges, so float32 rounding in the .npy never moves a spike into another frame.
      for (let i = 0; i < k; i++) list.push((t + 0.05 + 0.9 * rand()) / RATE);
    }
    return list.sort((a, b) => a - b);
  });
  return { frames, count, times };
}

/** Stimulus frames × H × W and spike times as cells × maxSpikes padded with NaN. */
export function writeNpyRecording(dir: string, s: Synthetic): { stimulus: string; spikes: string } {
  const stimulus = join(dir, 'stim.npy');
  const spikes = join(dir, 'spikes.npy');
  writeFileSync(stimulus, writeNpy(s.frames, [s.count, H, W]));
  const max = Math.max(...s.times.map((t) => t.length));
  const padded = new Float32Array(s.times.length * max).fill(Number.NaN);
  s.times.forEach((t, c) => padded.set(t, c * max));
  writeFileSync(spikes, writeNpy(padded, [s.times.length, max]));
  return { stimulus, spikes };
}

/** An NWB-shaped HDF5 file: /units with ragged spike_times, an ImageSeries under /stimulus/presentation. */
export async function writeNwbRecording(path: string, s: Synthetic, withUnits = true): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  try {
    f.create_attribute('neurodata_type', 'NWBFile');
    if (withUnits) {
      const units = f.create_group('units');
      units.create_dataset({ name: 'spike_times', data: Float64Array.from(s.times.flat()) });
      let end = 0;
      units.create_dataset({ name: 'spike_times_index', data: BigInt64Array.from(s.times.map((t) => BigInt((end += t.length)))) });
      units.create_dataset({ name: 'id', data: BigInt64Array.from(s.times.map((_, i) => BigInt(i))) });
    }
    const series = f.create_group('stimulus').create_group('presentation').create_group('white_noise');
    series.create_attribute('neurodata_type', 'ImageSeries');
    series.create_dataset({ name: 'data', data: s.frames, shape: [s.count, H, W] });
    const st = series.create_dataset({ name: 'starting_time', data: new Float64Array([0]), shape: [] });
    st.create_attribute('rate', RATE);
  } finally {
    f.close();
  }
}
