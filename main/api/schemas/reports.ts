// API of the reports room: reports built from comparison and collection sections, rendered to one HTML file.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { bootstrapSchema, id, seedSchema } from './common';

export type ReportSectionKind = 'comparison' | 'collection';

export interface ReportSectionInfo {
  id: number;
  reportId: number;
  /** 0-based place in the report. */
  position: number;
  kind: ReportSectionKind;
  title: string;
  /** What made the section (harvest, bootstrap, seed, basis ids; or the collection's name and items), for provenance. */
  params: Record<string, unknown>;
  createdAt: string;
}

export interface ReportInfo {
  id: number;
  title: string;
  createdAt: string;
  updatedAt: string;
  sectionCount: number;
}

export interface ReportDetail extends ReportInfo {
  sections: ReportSectionInfo[];
}

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
