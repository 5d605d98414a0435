// API of the reports room: reports built from comparison and collection sections, rendered to one HTML file.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { bootstrapSchema, id, seedSchema } from './common';
import type { ReportDetail, ReportInfo, ReportSectionInfo } from '../../report/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export type { ReportDetail, ReportInfo, ReportSectionInfo, ReportSectionKind } from '../../report/types';

const reportTitle = z.string().trim().min(1).max(200);

export const reportsMethods = {
  'reports.list': z.object({}).strict(),
  'reports.create': z.object({ title: reportTitle }).strict(),
  'reports.get': z.object({ id }).strict(),
  'reports.rename': z.object({ id, title: reportTitle }).strict(),
  'reports.delete': z.object({ id }).strict(),
  'reports.removeSection': z.object({ sectionId: id }).strict(),
  /** Move a section to a 0-based position; positions past the end mean the end. */
  'reports.moveSection': z.object({ sectionId: id, position: z.number().int().min(0) }).strict(),
  /** Send a comparison (the one compare.run gives for the same parameters) to a report; reportId null starts a new one. */
  'reports.addComparison': z.object({ reportId: id.nullable().default(null), harvestId: id, bootstrap: bootstrapSchema, seed: seedSchema }).strict(),
  /** Send a pinned-feature collection (stats, metrics, top stimuli) to a report; reportId null starts a new one. */
  'reports.addCollection': z.object({ reportId: id.nullable().default(null), name: z.string().min(1).max(200) }).strict(),
  /** The report as one self-contained HTML file (inline CSS and SVG, images as data: URIs). */
  'reports.render': z.object({ id }).strict(),
} as const;

export interface ReportsResults {
  'reports.list': ReportInfo[];
  'reports.create': ReportDetail;
  'reports.get': ReportDetail;
  'reports.rename': ReportDetail;
  'reports.delete': { id: number; title: string };
  'reports.removeSection': ReportDetail;
  'reports.moveSection': ReportDetail;
  'reports.addComparison': { report: ReportDetail; section: ReportSectionInfo };
  'reports.addCollection': { report: ReportDetail; section: ReportSectionInfo };
  'reports.render': { fileName: string; html: string };
}
