// API of the lesion room's report section (#10): a lesion run — a sweep or a Shapley analysis — sent to a report as a
// snapshot of the run and its results, like comparisons and collections are.
import { z } from 'zod';
import { id } from './common';
import type { ReportDetail, ReportSectionInfo } from '../../report/types';

export const lesionReportsMethods = {
  /** Send a finished lesion run (sweep or Shapley) to a report; reportId null starts a new one. */
  'reports.addLesionRun': z.object({ reportId: id.nullable().default(null), runId: id }).strict(),
} as const;

export interface LesionReportsResults {
  'reports.addLesionRun': { report: ReportDetail; section: ReportSectionInfo };
}
