// What both lesion panels (Ablation, Shapley) do with their runs: start a job from the form (a request that cannot be
// built is the form's one-sentence error, as a refusal from the engine is), remember the job and the run it fills
// across panel switches, open that run when its job is done, and on coming back open the run shown before (else the
// newest finished run of the panel's kind). Each panel keeps only what differs: its request and what it reads from
// an opened run.
import { computed, onMounted, ref, toRef, watch } from 'vue';
import { errorMessage } from '../../api';
import { refreshJobs, state } from '../../store';
import { lesionState, refreshLesionRuns } from './lesionsApi';

/** `load` reads an opened run into the panel; call this after what `load` touches is defined (it may run at once). */
export function useLesionPanel(panel: 'ablation' | 'shapley', kind: 'sweep' | 'shapley', load: (runId: number) => Promise<void>) {
  const ps = lesionState.panels[panel];
  const formError = ref<string | null>(null);
  const busy = ref(false);
  const jobId = toRef(ps, 'jobId');
  const pendingRun = toRef(ps, 'pendingRunId');
  const runId = toRef(ps, 'openRunId');

  /** Shows a run: remembered as the panel's open run, then loaded. */
  function open(id: number): Promise<void> {
    runId.value = id;
    return load(id);
  }

  /** Starts the panel's job; `start` builds the request and calls the engine (a throw is shown, not raised). */
  async function launch(start: () => Promise<{ jobId: number; runId: number }>): Promise<void> {
    formError.value = null;
    busy.value = true;
    try {
      const r = await start();
      jobId.value = r.jobId;
      pendingRun.value = r.runId;
      await Promise.all([refreshJobs(), refreshLesionRuns()]);
    } catch (err) {
      formError.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  }

  // The run started here opens when its job is done.
  const pendingJob = computed(() => (jobId.value !== null ? (state.jobs[jobId.value] ?? null) : null));
  watch(
    () => pendingJob.value?.status,
    (s) => {
      if (s === 'done' && pendingRun.value !== null) {
        void open(pendingRun.value);
        pendingRun.value = null;
      }
    },
    { immediate: true },
  );
  // Back on the panel: the run it showed; else the newest finished one.
  onMounted(async () => {
    if (runId.value !== null) return void open(runId.value);
    const runs = lesionState.loaded ? lesionState.runs : await refreshLesionRuns().catch(() => []);
    const newest = runs.filter((r) => r.kind === kind && r.status === 'done').sort((a, b) => b.id - a.id)[0];
    if (newest && runId.value === null) void open(newest.id);
  });

  return { formError, busy, jobId, runId, pendingJob, launch, open };
}
