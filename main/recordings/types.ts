// What every recording reader (.npy/.csv files, NWB) hands to the importer: frames already channel-first, and spikes
// either as times per cell or as counts per frame, so binning, checks and storage are written once.

export type RecordedSpikes =
  /** Spike times in seconds, one array per cell, on the stimulus's clock. */
  | { kind: 'times'; cells: Float64Array[] }
  /** Counts per frame: frames × cells, row-major. */
  | { kind: 'counts'; cells: number; counts: Float32Array };

export interface RecordingData {
  /** frames × frameSize, each frame channel-first [C, H, W]. */
  frames: Float32Array;
  /** [C, H, W]. */
  frameShape: [number, number, number];
  frameRate: number;
  /** Time of frame 0's onset in seconds (spike times are on the same clock). */
  startTime: number;
  spikes: RecordedSpikes;
  /** Where it came from, stored with the recording (paths, the NWB series name). */
  source: Record<string, unknown>;
}

export const frameCount = (r: RecordingData): number => r.frames.length / (r.frameShape[0] * r.frameShape[1] * r.frameShape[2]);
