// API of the recordings room (#11 item 4): import a recorded experiment (stimulus frames + spikes, or one NWB file)
// and list the project's recordings. Mapping their cells goes through revcorr.start with the recording's harvest.
import { z } from 'zod';

export const recordingsMethods = {
  'recordings.import': z
    .object({
      name: z.string().min(1).max(200).optional(),
      stimulus: z.string().min(1).optional(),
      frameShape: z.string().min(1).optional(),
      frameRate: z.number().optional(),
      spikes: z.string().min(1).optional(),
      spikesAs: z.enum(['times', 'counts', 'auto']).optional(),
      nwb: z.string().min(1).optional(),
      series: z.string().min(1).optional(),
    })
    .strict(),
  'recordings.list': z.object({}).strict(),
};

export interface RecordingInfo {
  id: number;
  name: string;
  /** The harvest whose units are the cells (spike counts per frame). */
  harvestId: number;
  /** [C, H, W]. */
  frameShape: number[];
  frameRate: number;
  startTime: number;
  frames: number;
  cells: number;
  source: Record<string, unknown>;
  createdAt: string;
}

export interface RecordingsResults {
  'recordings.import': RecordingInfo;
  'recordings.list': RecordingInfo[];
}
