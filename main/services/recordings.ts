// Recordings (#11 item 4): import and list. The import reads and checks everything before its one transaction, so a
// refused file writes nothing; the project's harvest list changes, so listeners hear about it.
import type { z } from 'zod';
import type { recordingsMethods, RecordingsResults } from '../api/schemas/recordings';
import { importRecording } from '../recordings/import';
import type { Db } from '../store/project';
import { listRecordings } from '../store/recordings';

type ImportParams = z.output<(typeof recordingsMethods)['recordings.import']>;

export async function importRecordingService(db: Db, p: ImportParams): Promise<RecordingsResults['recordings.import']> {
  return importRecording(db, p);
}

export function listRecordingsService(db: Db): RecordingsResults['recordings.list'] {
  return listRecordings(db);
}
