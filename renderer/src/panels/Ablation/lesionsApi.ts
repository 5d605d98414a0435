// The lesion room's calls from the renderer, typed by its schema (main/api/schemas/lesions.ts), and the runs list
// both lesion panels and the feature card read. One place for it, so the panels never guess a method's shape.
import type { z } from 'zod';
import { reactive } from 'vue';
import type { LesionRunInfo, LesionsResults, lesionsMethods } from '../../../../main/api/schemas/lesions';
import type { LesionReportsResults } from '../../../../main/api/schemas/lesion-reports';
import { call } from '../../api';

type LesionMethod = keyof LesionsResults;

/** Call a lesion method with its schema's input type and result type. */
export function lesionCall<M extends LesionMethod>(method: M, params: z.input<(typeof lesionsMethods)[M]>): Promise<LesionsResults[M]> {
  return (call as unknown as (m: M, p: unknown) => Promise<LesionsResults[M]>)(method, params);
}

export const lesionState = reactive({
  runs: [] as LesionRunInfo[],
  loaded: false,
});

export async function refreshLesionRuns(): Promise<LesionRunInfo[]> {
  lesionState.runs = await lesionCall('lesions.list', {});
  lesionState.loaded = true;
  return lesionState.runs;
}

/** Send a finished lesion run to a report (reportId null: a new report). */
export function addLesionRunToReport(reportId: number | null, runId: number): Promise<LesionReportsResults['reports.addLesionRun']> {
  return (call as unknown as (m: string, p: unknown) => Promise<LesionReportsResults['reports.addLesionRun']>)('reports.addLesionRun', { reportId, runId });
}
