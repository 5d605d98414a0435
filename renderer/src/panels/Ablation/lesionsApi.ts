// The lesion room's calls from the renderer, typed by its schema (main/api/schemas/lesions.ts), and the runs list
// both lesion panels and the feature card read. One place for it, so the panels never guess a method's shape.
import { computed, reactive, watch } from 'vue';
import type { LesionRunInfo, ParamsIn, Result } from '../../../../main/api/contract';
import { call } from '../../api';
import { state } from '../../store';

type LesionMethod = 'lesions.ablate' | 'lesions.shapley' | 'lesions.lossRecovered' | 'lesions.list' | 'lesions.get';

/** Call a lesion method (the contract's types). */
export function lesionCall<M extends LesionMethod>(method: M, params: ParamsIn<M>): Promise<Result<M>> {
  return call(method, params);
}

interface PanelRun {
  /** The job the panel started last, and the run it fills (opened when the job is done). */
  jobId: number | null;
  pendingRunId: number | null;
  /** The run the panel shows. */
  openRunId: number | null;
}

export const lesionState = reactive({
  runs: [] as LesionRunInfo[],
  loaded: false,
  /** What each lesion panel is doing, kept across panel switches. */
  panels: {
    ablation: { jobId: null, pendingRunId: null, openRunId: null } as PanelRun,
    shapley: { jobId: null, pendingRunId: null, openRunId: null } as PanelRun,
  },
});

export async function refreshLesionRuns(): Promise<LesionRunInfo[]> {
  lesionState.runs = await lesionCall('lesions.list', {});
  lesionState.loaded = true;
  return lesionState.runs;
}

/** Send a finished lesion run to a report (reportId null: a new report). */
export function addLesionRunToReport(reportId: number | null, runId: number): Promise<Result<'reports.addLesionRun'>> {
  return call('reports.addLesionRun', { reportId, runId });
}

/** Keep the runs list current while a component that reads it is mounted: refresh when a lesion job changes status. */
export function followLesionJobs(onError: (err: unknown) => void): void {
  const key = computed(() =>
    Object.values(state.jobs)
      .filter((j) => j.kind === 'lesion-sweep' || j.kind === 'shapley' || j.kind === 'loss-recovered')
      .map((j) => `${j.id}:${j.status}`)
      .join(','),
  );
  watch(key, () => void refreshLesionRuns().catch(onError));
}
