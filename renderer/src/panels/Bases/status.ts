// A basis's status as the UI shows it: the fit job (pushed by events) is fresher than the basis row (refetched
// when the job changes status), so a running job wins.
import type { BasisInfo, JobInfo } from '../../../../main/api/contract';
import { fmtNum, fmtPct } from '../../format';
import { state } from '../../store';

export type ShownStatus = BasisInfo['status'];

export function basisJob(b: BasisInfo): JobInfo | null {
  return b.jobId !== null ? (state.jobs[b.jobId] ?? null) : null;
}

export function shownStatus(b: BasisInfo): ShownStatus {
  const j = basisJob(b);
  // h12sweep (#12): a sweep job trains its runs in turn; only the run in progress is training, the others are as stored.
  if (j && j.kind === 'sae-sweep' && j.status === 'running') return j.live?.basisId === b.id ? 'training' : b.status;
  if (j && j.status === 'running') return 'training';
  if (j && j.status === 'queued') return 'pending';
  if (j && (b.status === 'training' || b.status === 'pending')) {
    // The job ended but the row has not been refetched yet.
    if (j.status === 'failed') return 'failed';
    if (j.status === 'cancelled' || j.status === 'interrupted') return 'cancelled';
  }
  return b.status;
}

export function statusClass(s: ShownStatus): string {
  return { pending: '', training: 'run', done: 'ok', imported: 'ok', failed: 'err', cancelled: 'warn' }[s];
}

export function progressOf(b: BasisInfo): number {
  const j = basisJob(b);
  if (j && j.kind === 'sae-sweep') return j.live?.basisId === b.id ? Math.max(0, Math.min(1, j.live.runFraction ?? 0)) : b.status === 'done' ? 1 : 0; // h12sweep (#12)
  return j ? Math.max(0, Math.min(1, j.progress)) : 0;
}

/** Label for a job that stopped: cancelled by the user (a pause, for trained methods) or interrupted. */
export function stoppedLabel(b: BasisInfo): string {
  const j = basisJob(b);
  if (j?.status === 'interrupted') return 'interrupted';
  return shownStatus(b);
}

// ----- numbers with sensible precision ---------------------------------------------------------------------------

export const fmtEv = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3).replace('-', '−'));
export const fmtFrac = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : fmtPct(x));
export const fmtL0 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : fmtNum(x, 3));
export const fmtMse = (x: number | null | undefined): string => fmtNum(x, 3);
