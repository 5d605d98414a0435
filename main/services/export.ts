// Exports: a harvest's activations, a basis' feature activations and directions as streamed .npy; feature
// statistics, metric values and comparisons as CSV or Parquet. Everything that can be wrong (the target folder,
// the harvest or basis, the format for that kind of data) is found before anything is read; the file appears under
// its name only once complete, and the project is only read.
import { statSync } from 'node:fs';
import type { Comparison } from '../api/contract';
import { UserError } from '../errors';
import { writeCsv } from '../export/csv';
import { writeActivations, writeDirections, writeFeatureActivations } from '../export/matrices';
import { writeParquet } from '../export/parquet';
import { comparisonTable, metricsTable, statsTable } from '../export/tables';
import { checkTarget, writeAtomically } from '../export/target';
import { exportOffThread } from '../jobs/service';
import { MATRIX_WHATS, type ExportRequest, type ExportResult, type Table } from '../export/types';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { compare, featureTable } from './features';
import type { ProjectRef } from '../jobs/service';
import { loadBasis } from '../bases/load';
import { render as renderReport } from './reports';
import { choosePrinter, writePdf, type PrintedPdf } from '../report/pdf';

function needs(id: number | undefined, flag: 'harvest' | 'basis', what: string): number {
  if (id === undefined) throw new UserError('export.usage', `Exporting ${what} needs a ${flag} id (--${flag} ID).`);
  return id;
}

function usableHarvest(db: Db, harvestId: number) {
  const h = repo.getHarvest(db, harvestId);
  if (h.rowsDone === 0) throw new UserError('export.empty', `Harvest ${harvestId} has no rows yet, so there is nothing to export.`);
  return h;
}

export async function exportData(db: Db, where: ProjectRef, p: ExportRequest): Promise<ExportResult> {
  const matrix = MATRIX_WHATS.includes(p.what);
  if (matrix !== (p.format === 'npy')) {
    throw new UserError(
      'export.format',
      matrix ? `${p.what} is a matrix and leaves as .npy (--format npy).` : `${p.what} is a table and leaves as CSV or Parquet (--format csv or parquet), not .npy.`,
    );
  }
  const target = checkTarget(p.out, `the ${p.what} export`);
  let shape: number[];
  if (p.what === 'activations') {
    const h = usableHarvest(db, needs(p.harvestId, 'harvest', 'activations'));
    shape = await writeAtomically(target, (tmp) => writeActivations(db, h.id, h.rowsDone, h.dim, tmp));
  } else if (p.what === 'features' || p.what === 'directions') {
    const rec = basesRepo.getBasis(db, needs(p.basisId, 'basis', p.what === 'features' ? 'feature activations' : 'directions'));
    const basis = loadBasis(db, rec);
    if (p.what === 'directions') shape = await writeAtomically(target, (tmp) => writeDirections(basis, tmp));
    else {
      const h = usableHarvest(db, rec.harvestId);
      shape = await writeAtomically(target, (tmp) => writeFeatureActivations(db, h.id, h.rowsDone, basis, tmp));
    }
  } else {
    let table: Table;
    if (p.what === 'comparison') {
      const harvestId = needs(p.harvestId, 'harvest', 'a comparison');
      const c: Comparison = await compare(db, where, { harvestId, bootstrap: p.bootstrap ?? 2000, seed: p.seed ?? 0 });
      if (!c.bases.length) throw new UserError('export.empty', `Harvest ${harvestId} has no finished bases, so there is no comparison to export.`);
      table = comparisonTable(c, c.metricNames);
    } else {
      const basisId = needs(p.basisId, 'basis', p.what === 'stats' ? 'feature statistics' : 'metric values');
      const t = featureTable(db, basisId);
      if (!t.computed) throw new UserError('export.empty', `Basis ${basisId} has no feature statistics yet; compute them first (cajal features --basis ${basisId}).`);
      if (p.what === 'metrics' && !t.metricNames.length) throw new UserError('export.empty', `Basis ${basisId} has no metric values yet; score it first (cajal metrics --basis ${basisId}).`);
      table = p.what === 'stats' ? statsTable(t) : metricsTable(t);
    }
    await writeAtomically(target, (tmp) => (p.format === 'csv' ? writeCsv(tmp, table) : writeParquet(tmp, table)));
    shape = [table.rows.length, table.columns.length];
  }
  return { path: target, what: p.what, format: p.format, shape, bytes: statSync(target).size };
}

/** Renders report `id` and prints it to PDF; the printer and the target folder are checked before rendering. */
export async function reportPdf(db: Db, p: { id: number; out: string; chromium?: string }, cajalVersion: string): Promise<PrintedPdf> {
  const target = checkTarget(p.out, 'the PDF');
  const printer = choosePrinter(p.chromium);
  const { html } = await renderReport(db, { cajalVersion }, p.id);
  return writePdf(html, target, printer);
}

/** The router's handlers for this room, given the open project (read when each call arrives). */
export function exportHandlers(project: () => { db: Db; where: ProjectRef; cajalVersion: string }) {
  return {
    'export.write': (p: ExportRequest) => {
      const { db, where } = project();
      // Matrices may be gigabytes (and feature activations are encoded on the way): off the serving thread.
      return MATRIX_WHATS.includes(p.what) && p.format === 'npy' ? exportOffThread(where, p) : exportData(db, where, p);
    },
    'reports.pdf': (p: { id: number; out: string; chromium?: string }) => {
      const { db, cajalVersion } = project();
      return reportPdf(db, p, cajalVersion);
    },
  };
}
