// Sending a receptive-field run (#11) to a report: a snapshot of the run, every unit's filter drawn as PNG (diverging:
// red positive, blue negative, white 0, scaled to the unit's largest |weight|) and its numbers, with provenance, so the
// section reads the same after the project changes.
import type { Params } from '../api/contract';
import { UserError } from '../errors';
import type { ReportDetail, ReportSectionInfo } from '../report/types';
import type { RevcorrRunSnapshot, RevcorrUnitSnapshot } from '../report/snapshot';
import { thumbnailPng } from '../stimuli/thumbnail';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as store from '../store/reports';
import { getRevcorrRun, revcorrResults } from '../store/revcorr';
import { added, basisProvenance, harvestProvenance, snapshotBase, type ReportContext } from './reports';

/** Units a section draws at most (a filter per unit and channel is a picture each). */
const MAX_UNITS = 256;

/** One channel of a filter as a diverging RGB picture, enlarged to about 96 px so a 5×5 kernel stays visible. */
function filterPng(filter: Float32Array, height: number, width: number, offset: number, scale: number): string {
  const k = Math.max(1, Math.floor(96 / Math.max(height, width)));
  const rgb = new Uint8Array(height * k * width * k * 3);
  for (let y = 0; y < height * k; y++) {
    for (let x = 0; x < width * k; x++) {
      const v = scale > 0 ? Math.max(-1, Math.min(1, filter[offset + Math.floor(y / k) * width + Math.floor(x / k)]! / scale)) : 0;
      const at = (y * width * k + x) * 3;
      // White at 0, towards red (positive) or blue (negative).
      rgb[at] = v < 0 ? Math.round(255 * (1 + v)) : 255;
      rgb[at + 1] = Math.round(255 * (1 - Math.abs(v)));
      rgb[at + 2] = v > 0 ? Math.round(255 * (1 - v)) : 255;
    }
  }
  return `data:image/png;base64,${Buffer.from(thumbnailPng({ width: width * k, height: height * k, rgb }, 96)).toString('base64')}`;
}

export function addRevcorrRun(db: Db, ctx: ReportContext, p: Params<'reports.addRevcorrRun'>): { report: ReportDetail; section: ReportSectionInfo } {
  if (p.reportId !== null) store.getReport(db, p.reportId);
  const run = getRevcorrRun(db, p.runId);
  if (run.status !== 'done') throw new UserError('report.revcorr-unfinished', `Receptive-field run ${run.id} is ${run.status}; only a finished run can be sent to a report.`);
  const results = revcorrResults(db, run.id);
  if (results.length > MAX_UNITS) throw new UserError('report.revcorr-too-large', `Run ${run.id} mapped ${results.length} units and a report section draws at most ${MAX_UNITS}; map fewer units and send that run.`);
  // [C, H, W] stimuli draw a picture per channel; a flat stimulus ([D]) draws as one row.
  const shape = run.itemShape.length >= 3 ? run.itemShape.slice(-3) : run.itemShape.length === 2 ? [1, ...run.itemShape] : [1, 1, run.itemShape[0] ?? 1];
  const [channels, height, width] = shape as [number, number, number];
  const units: RevcorrUnitSnapshot[] = results.map((r) => {
    const scale = r.filter.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const nl = r.detail.nonlinearity as { heldOutEv?: number } | undefined;
    const stc = r.detail.stc as { axes: { sign: string; value: number }[] } | undefined;
    return {
      unit: r.unit,
      name: r.name,
      images: Array.from({ length: channels }, (_, c) => filterPng(r.filter, height, width, c * height * width, scale)),
      heldOutEv: nl?.heldOutEv ?? null,
      lambda: typeof r.detail.lambda === 'number' ? r.detail.lambda : null,
      stcAxes: stc ? stc.axes.map((a) => ({ sign: a.sign, value: a.value })) : null,
      note: typeof r.detail.note === 'string' ? r.detail.note : null,
    };
  });
  const harvest = harvestProvenance(db, run.harvestId);
  const basis = run.basisId !== null ? basisProvenance(basesRepo.getBasis(db, run.basisId)) : null;
  const snapshot: RevcorrRunSnapshot = {
    ...snapshotBase(ctx, []),
    run: { id: run.id, estimator: run.estimator, harvestId: run.harvestId, basisId: run.basisId, params: run.params, itemShape: run.itemShape, summary: run.summary, createdAt: run.createdAt, finishedAt: run.finishedAt },
    harvest,
    basis,
    units,
  };
  const what = `${units.length} ${basis ? `features of ${basis.name}` : `units of ${harvest.tensor}`}`;
  const ids = store.addSection(db, p.reportId !== null ? { id: p.reportId } : { create: `Receptive fields of ${harvest.tensor}` }, {
    kind: 'revcorr',
    title: `Receptive fields (${run.estimator.toUpperCase()}) of ${what} (run ${run.id})`,
    params: { runId: run.id, estimator: run.estimator, harvestId: run.harvestId, basisId: run.basisId },
    snapshot,
  });
  return added(db, ids);
}
