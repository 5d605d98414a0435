// The renderer's shared state: what is open, what is selected, what is running. One reactive object, refreshed
// from the engine on demand and on its events; panels read it and call the actions below.
import { reactive, watch } from 'vue';
import type {
  BasisInfo,
  HarvestInfo,
  JobInfo,
  ModelDetail,
  ModelSummary,
  ProjectInfo,
  ReportInfo,
  StimulusSetInfo,
  SystemInfo,
} from '../../main/api/contract';
import { call, errorMessage, on, onConnectionState, type ConnectionState } from './api';

export type PanelId =
  | 'models'
  | 'stimuli'
  | 'harvests'
  | 'bases'
  | 'features'
  | 'compare'
  | 'revcorr'
  | 'ablation'
  | 'shapley' // lesions (#10)
  | 'tca' // tca (#15)
  | 'reports';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

export const state = reactive({
  panel: 'models' as PanelId,
  system: null as SystemInfo | null,
  project: null as ProjectInfo | null,
  /** True once the first project.info answer came back (so the UI can tell "none open" from "not known yet"). */
  projectKnown: false,
  /** Why the engine could not be asked what is open (offline, unauthorised); null when it answered. */
  engineError: null as string | null,
  connection: 'connecting' as ConnectionState,

  models: [] as ModelSummary[],
  modelDetails: {} as Record<number, ModelDetail>,
  selectedModelId: null as number | null,
  /** Tensors chosen for harvesting, per model id. */
  selectedTensors: {} as Record<number, string[]>,

  stimulusSets: [] as StimulusSetInfo[],
  selectedSetId: null as number | null,

  harvests: [] as HarvestInfo[],
  selectedHarvestId: null as number | null,
  selectedUnit: null as number | null,

  /** Every basis of the project (all harvests); the Bases panel filters by its harvest. */
  bases: [] as BasisInfo[],
  /** The harvest the Bases panel works on (a finished one). */
  basesHarvestId: null as number | null,
  selectedBasisId: null as number | null,

  /** Every report of the project, most recently changed first. */
  reports: [] as ReportInfo[],

  jobs: {} as Record<number, JobInfo>,
  /** Finished jobs the user dismissed from the job bar. */
  dismissedJobs: {} as Record<number, true>,

  notices: [] as Notice[],

  theme: (localStorage.getItem('cajal.theme') as ThemeChoice | null) ?? 'system',
  /** The theme actually applied (system resolved). */
  dark: false,
});

// ---------------------------------------------------------------------------------------------------------------
// Notices: errors said in words, dismissable
// ---------------------------------------------------------------------------------------------------------------

let noticeSeq = 0;
export function notify(message: string, kind: Notice['kind'] = 'error'): void {
  // The same sentence twice (two calls failing for one reason) is said once.
  const same = state.notices.findIndex((n) => n.message === message && n.kind === kind);
  if (same >= 0) state.notices.splice(same, 1);
  const id = ++noticeSeq;
  state.notices.push({ id, kind, message });
  if (state.notices.length > 4) state.notices.shift();
  if (kind === 'info') setTimeout(() => dismissNotice(id), 4000);
}
export function notifyError(err: unknown): void {
  notify(errorMessage(err), 'error');
}
export function dismissNotice(id: number): void {
  const i = state.notices.findIndex((n) => n.id === id);
  if (i >= 0) state.notices.splice(i, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Theme
// ---------------------------------------------------------------------------------------------------------------

const media = window.matchMedia('(prefers-color-scheme: dark)');
function applyTheme(): void {
  state.dark = state.theme === 'dark' || (state.theme === 'system' && media.matches);
  document.documentElement.dataset.theme = state.dark ? 'dark' : 'light';
}
media.addEventListener('change', applyTheme);
watch(
  () => state.theme,
  (t) => {
    localStorage.setItem('cajal.theme', t);
    applyTheme();
  },
);
applyTheme();

export function cycleTheme(): void {
  state.theme = state.theme === 'system' ? (state.dark ? 'light' : 'dark') : state.theme === 'dark' ? 'light' : 'system';
}

// ---------------------------------------------------------------------------------------------------------------
// Refreshers
// ---------------------------------------------------------------------------------------------------------------

async function quietly(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    notifyError(err);
  }
}

export async function refreshProject(): Promise<void> {
  try {
    state.project = await call('project.info', {});
    state.engineError = null;
  } catch (err) {
    state.project = null;
    state.engineError = errorMessage(err);
  } finally {
    state.projectKnown = true;
  }
}

export async function refreshModels(): Promise<void> {
  if (!state.project) {
    state.models = [];
    return;
  }
  state.models = await call('models.list', {});
  if (state.selectedModelId === null || !state.models.some((m) => m.id === state.selectedModelId)) {
    state.selectedModelId = state.models.length ? state.models[state.models.length - 1].id : null;
  }
}

export async function refreshStimuli(): Promise<void> {
  if (!state.project) {
    state.stimulusSets = [];
    return;
  }
  state.stimulusSets = await call('stimuli.list', {});
  if (state.selectedSetId === null || !state.stimulusSets.some((s) => s.id === state.selectedSetId)) {
    state.selectedSetId = state.stimulusSets.length ? state.stimulusSets[state.stimulusSets.length - 1].id : null;
  }
}

export async function refreshHarvests(): Promise<void> {
  if (!state.project) {
    state.harvests = [];
    return;
  }
  state.harvests = await call('harvests.list', {});
  if (state.selectedHarvestId !== null && !state.harvests.some((h) => h.id === state.selectedHarvestId)) {
    state.selectedHarvestId = null;
  }
}

export async function refreshBases(): Promise<void> {
  if (!state.project) {
    state.bases = [];
    return;
  }
  state.bases = await call('bases.list', {});
  if (state.selectedBasisId !== null && !state.bases.some((b) => b.id === state.selectedBasisId)) {
    state.selectedBasisId = null;
  }
}

export async function refreshReports(): Promise<void> {
  state.reports = state.project ? await call('reports.list', {}) : [];
}

export async function refreshJobs(): Promise<void> {
  if (!state.project) {
    state.jobs = {};
    return;
  }
  const list = await call('jobs.list', {});
  const next: Record<number, JobInfo> = {};
  for (const j of list) next[j.id] = j;
  state.jobs = next;
}

export async function refreshAll(): Promise<void> {
  await refreshProject();
  await Promise.all([quietly(refreshModels), quietly(refreshStimuli), quietly(refreshHarvests), quietly(refreshBases), quietly(refreshJobs), quietly(refreshReports)]);
}

/** Full detail of a model (tensors, suggested recipe), cached. */
export async function modelDetail(modelId: number): Promise<ModelDetail> {
  const cached = state.modelDetails[modelId];
  if (cached) return cached;
  const d = await call('models.get', { modelId });
  state.modelDetails[modelId] = d;
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------------------------

export async function openProject(path: string, create: boolean): Promise<boolean> {
  try {
    state.project = await call('project.open', { path, create });
    state.modelDetails = {};
    state.selectedModelId = null;
    state.selectedSetId = null;
    state.selectedHarvestId = null;
    state.selectedUnit = null;
    state.basesHarvestId = null;
    state.selectedBasisId = null;
    state.selectedTensors = {};
    state.dismissedJobs = {};
    localStorage.setItem('cajal.lastProject', path);
    await refreshAll();
    return true;
  } catch (err) {
    notifyError(err);
    return false;
  }
}

export async function openModel(path: string): Promise<ModelDetail | null> {
  try {
    const d = await call('models.open', { path });
    state.modelDetails[d.id] = d;
    await refreshModels();
    state.selectedModelId = d.id;
    return d;
  } catch (err) {
    notifyError(err);
    return null;
  }
}

export function selectHarvest(id: number | null): void {
  if (state.selectedHarvestId === id) return;
  state.selectedHarvestId = id;
  state.selectedUnit = null;
}

export async function cancelJob(jobId: number): Promise<void> {
  await quietly(async () => {
    await call('jobs.cancel', { jobId });
  });
}

export async function resumeJob(jobId: number): Promise<void> {
  await quietly(async () => {
    const r = await call('jobs.resume', { jobId });
    // A resume may continue the same job or start a new one that takes over; then the old one leaves the bar.
    if (r.jobId !== jobId) state.dismissedJobs[jobId] = true;
    delete state.dismissedJobs[r.jobId];
    await refreshJobs();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------------------

let started = false;
export function startSync(): void {
  if (started) return;
  started = true;
  on('job', (job) => {
    const before = state.jobs[job.id];
    state.jobs[job.id] = job;
    // A harvest's rows and status change with its job: keep the list current, but not on every progress tick.
    if (job.kind === 'harvest' && (!before || before.status !== job.status || Math.floor(before.progress * 20) !== Math.floor(job.progress * 20))) {
      void quietly(refreshHarvests);
    }
    // A basis's status and quality change when its fit job changes status (progress comes from the job itself).
    if (job.kind === 'fit' && (!before || before.status !== job.status)) void quietly(refreshBases);
    // h12sweep (#12): a sweep's runs are stored one by one; refetch when its status or the run in progress changes.
    if (job.kind === 'sae-sweep' && (!before || before.status !== job.status || before.live?.run !== job.live?.run)) void quietly(refreshBases);
    // lesions (#10): a finished loss-recovered run fills its basis's figure in the Bases table.
    if (job.kind === 'loss-recovered' && job.status === 'done' && before?.status !== 'done') void quietly(refreshBases);
  });
  on('project', (ev) => {
    const ch = new Set(ev.changed);
    const pathChanged = (ev.path ?? null) !== (state.project?.path ?? null);
    if (pathChanged) {
      void refreshAll();
      return;
    }
    if (ch.has('models')) void quietly(refreshModels);
    if (ch.has('stimuli')) void quietly(refreshStimuli);
    if (ch.has('harvests')) void quietly(refreshHarvests);
    if (ch.has('bases')) void quietly(refreshBases);
    if (ch.has('jobs')) void quietly(refreshJobs);
    if (ch.has('reports')) void quietly(refreshReports);
  });
  let wasOpen = false;
  onConnectionState((s) => {
    state.connection = s;
    if (s === 'open') {
      if (wasOpen) void refreshAll(); // a reconnect: anything may have happened while we were away
      wasOpen = true;
    }
  });
  void (async () => {
    try {
      state.system = await call('system.info', {});
    } catch {
      /* refreshAll below says why in the main area */
    }
    await refreshAll();
  })();
}
