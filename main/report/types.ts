// A report and its sections, as the store keeps them and the report builder renders them.
// The API contract re-exports them (main/api/schemas/reports.ts), so the engine below it never imports the API.

export type ReportSectionKind = 'comparison' | 'collection' | 'lesion' | 'revcorr' | 'tca' | 'frontier'; // lesions (#10): 'lesion'; revcorr (#11): 'revcorr'; tca (#15): 'tca'; h12front (#12): 'frontier'

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
