// Sending a lesion run (#10) — an ablation sweep or a Shapley analysis — to a report: a snapshot of the run, its
// results and its provenance (harvest, basis, reproduce record), so the section reads the same after the project
// changes. The lesion service hands the run over (`getRun`), so this file never reaches into the lesion store.
import type { Params } from '../api/contract';
import type { ReportDetail, ReportSectionInfo } from '../report/types';
import { UserError } from '../errors';
import type { SweepRow } from '../lesions/sweep-view';
import type { LesionRunSnapshot } from '../report/snapshot';
import * as basesRepo from '../store/bases';
import type { LesionRunRecord } from '../store/lesions';
import type { Db } from '../store/project';
import * as store from '../store/reports';
import { added, basisProvenance, harvestProvenance, snapshotBase, type ReportContext } from './reports';
import { captureReproduce } from './reproduce';

/** What the lesion service gives for a run (the shape of lesions.get). */
export interface LesionRunForReport {
  run: Omit<LesionRunRecord, 'jobId'>;
  results: SweepRow[];
}

/** Lesions a section keeps at most (a sweep of every feature of a large SAE at a dozen α is the case this bounds). */
const MAX_ROWS = 20000;

export async function addLesionRun(
  db: Db,
  ctx: ReportContext,
  p: Params<'reports.addLesionRun'>,
  getRun: (runId: number) => LesionRunForReport | Promise<LesionRunForReport>,
): Promise<{ report: ReportDetail; section: ReportSectionInfo }> {
  // Everything that can be wrong is found before anything is written.
  if (p.reportId !== null) store.getReport(db, p.reportId);
  const { run, results } = await getRun(p.runId);
  if (run.kind === 'loss-recovered') {
    throw new UserError('report.lesion-kind', `Run ${run.id} is a loss-recovered measurement, which the Bases table shows; send an ablation sweep or a Shapley analysis.`);
  }
  if (run.status !== 'done' || !run.summary) {
    throw new UserError('report.lesion-unfinished', `Lesion run ${run.id} is ${run.status}; only a finished run can be sent to a report.`);
  }
  if (results.length > MAX_ROWS) {
    throw new UserError('report.lesion-too-large', `Sweep ${run.id} has ${results.length.toLocaleString('en-US')} lesions and a report section holds at most ${MAX_ROWS.toLocaleString('en-US')}; send a sweep over fewer elements or α.`);
  }
  const harvest = harvestProvenance(db, run.harvestId);
  const basis = run.basisId !== null ? basisProvenance(basesRepo.getBasis(db, run.basisId)) : null;
  const snapshot: LesionRunSnapshot = {
    ...snapshotBase(ctx, []),
    run: { id: run.id, kind: run.kind, harvestId: run.harvestId, basisId: run.basisId, params: run.params, elements: run.elements, summary: run.summary, createdAt: run.createdAt, finishedAt: run.finishedAt },
    harvest,
    basis,
    rows: run.kind === 'sweep' ? results.map((r) => ({ position: r.position, element: r.element, name: r.name, alpha: r.alpha, effects: r.effects })) : [],
    reproduce: captureReproduce(db, [run.harvestId], basis ? [basis.basisId] : [], []),
  };
  const mode = String(run.params.mode ?? '');
  const what = `${run.elements.length} ${basis ? `features of ${basis.name}` : `units of ${harvest.tensor}`}`;
  const title = run.kind === 'sweep' ? `${mode === 'steer' ? 'Steering' : `Ablation (${mode})`} of ${what} (sweep ${run.id})` : `Shapley values of ${what}, game ${String(run.params.game ?? run.summary.game ?? '')} (run ${run.id})`;
  const ids = store.addSection(db, p.reportId !== null ? { id: p.reportId } : { create: run.kind === 'sweep' ? `Lesions of ${harvest.tensor}` : `Shapley analysis of ${harvest.tensor}` }, {
    kind: 'lesion',
    title,
    params: { runId: run.id, kind: run.kind, harvestId: run.harvestId, basisId: run.basisId, ...run.params },
    snapshot,
  });
  return added(db, ids);
}
