// API of the recordings room (#11 item 4): import a recorded experiment (stimulus frames + spikes, or one NWB file)
// and list the project's recordings. Mapping their cells goes through revcorr.start with the recording's harvest.
import { z } from 'zod';
import type { RecordingRecord } from '../../store/recordings';

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

/** A recording as the store keeps it (store/recordings.ts); the API gives the record unchanged. */
export type RecordingInfo = RecordingRecord;

export interface RecordingsResults {
  'recordings.import': RecordingInfo;
  'recordings.list': RecordingInfo[];
}
