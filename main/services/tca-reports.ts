// Sending a TCA rank sweep (#15) to a report: a snapshot of both diagnostics for every rank and, for the chosen rank,
// each component's weight and three factors (largest weight first), with the harvest's provenance and the stimulus
// labels, so the section reads the same after the project changes.
import type { Params } from '../api/contract';
import type { TcaSweepResult } from '../api/schemas/tca';
import { UserError } from '../errors';
import type { TcaSweepSnapshot } from '../report/snapshot';
import type { ReportDetail, ReportSectionInfo } from '../report/types';
import type { Db } from '../store/project';
import * as store from '../store/reports';
import * as repo from '../store/repo';
import { added, harvestProvenance, snapshotBase, type ReportContext } from './reports';
import { getTcaSweep } from './tca';

export function addTcaSweep(db: Db, ctx: ReportContext, p: Params<'reports.addTcaSweep'>): { report: ReportDetail; section: ReportSectionInfo } {
  if (p.reportId !== null) store.getReport(db, p.reportId);
  const view = getTcaSweep(db, { jobId: p.jobId, rank: p.rank });
  if (view.status !== 'done') throw new UserError('report.tca-unfinished', `Rank sweep ${p.jobId} is ${view.status}; only a finished sweep can be sent to a report.`);
  const f = view.factors!;
  const sweep: TcaSweepResult = view.sweep;
  const order = f.weights.map((_, k) => k).sort((a, b) => f.weights[b]! - f.weights[a]!);
  const jp = repo.getJob(db, p.jobId).params as { maxIter: number; seed: number };
  const harvest = harvestProvenance(db, sweep.harvestId);
  const snapshot: TcaSweepSnapshot = {
    ...snapshotBase(ctx, []),
    jobId: p.jobId,
    harvest,
    params: { nonneg: sweep.nonneg, restarts: sweep.restarts, maxIter: jp.maxIter, seed: jp.seed },
    shape: { dim: sweep.dim, positions: sweep.positions, stimuli: sweep.stimuli },
    ranks: sweep.ranks.map((r) => ({ rank: r.rank, errors: r.errors, bestError: r.bestError, similarities: r.similarities, meanSimilarity: r.meanSimilarity })),
    rank: f.rank,
    components: order.map((k) => ({ weight: f.weights[k]!, units: f.units[k]!, positions: f.positions[k]!, stimuli: f.stimuli[k]! })),
    labels: view.labels,
    labelNames: view.labelNames,
    middle: view.middle,
  };
  const ids = store.addSection(db, p.reportId !== null ? { id: p.reportId } : { create: `Tensor components of ${harvest.tensor}` }, {
    kind: 'tca',
    title: `Tensor components (${sweep.nonneg ? 'non-negative ' : ''}CP) of ${harvest.tensor}: rank sweep ${sweep.ranks[0]?.rank ?? ''}–${sweep.ranks.at(-1)?.rank ?? ''}, ${f.rank} components shown (sweep ${p.jobId})`,
    params: { jobId: p.jobId, rank: f.rank, harvestId: sweep.harvestId },
    snapshot,
  });
  return added(db, ids);
}
