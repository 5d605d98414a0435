// API of the receptive-fields room (#11): start a reverse-correlation run over a harvest's units or a basis's
// features, list runs, read one run's filters and per-unit detail.
import { z } from 'zod';
import type { RevcorrRunRecord } from '../../store/revcorr';
import type { ReportDetail, ReportSectionInfo } from '../../report/types';

const transformSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('raw') }).strict(),
  z.object({ kind: z.literal('rectified') }).strict(),
  z.object({ kind: z.literal('threshold'), value: z.number().finite() }).strict(),
]);

const indexList = z.array(z.number().int().min(0)).min(1).max(4096);

export const revcorrMethods = {
  'revcorr.start': z
    .object({
      harvestId: z.number().int().positive(),
      units: indexList.optional(),
      basisId: z.number().int().positive().optional(),
      features: indexList.optional(),
      estimator: z.enum(['sta', 'ridge', 'stc']),
      transform: transformSchema.optional(),
      nulls: z.number().int().min(0).max(1000).optional(),
      seed: z.number().int().min(0).optional(),
      maxAxes: z.number().int().min(1).max(64).optional(),
      lambdas: z.array(z.number().positive()).min(1).max(64).optional(),
      // recordings (#11 item 4): frames of history per row, for a recording's harvest only.
      lags: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
  'revcorr.list': z.object({}).strict(),
  'revcorr.get': z.object({ runId: z.number().int().positive() }).strict(),
  /** Send a finished run to a report (reportId null starts a new one). */
  'reports.addRevcorrRun': z.object({ reportId: z.number().int().positive().nullable().default(null), runId: z.number().int().positive() }).strict(),
};

/** A run as the store keeps it (store/revcorr.ts); the API gives the record unchanged. */
export type RevcorrRunInfo = RevcorrRunRecord;

export interface RevcorrUnitResult {
  position: number;
  unit: number;
  name: string;
  filter: number[];
  z: number[] | null;
  detail: Record<string, unknown>;
}

export interface RevcorrResults {
  'revcorr.start': { jobId: number; runId: number };
  'revcorr.list': RevcorrRunInfo[];
  'revcorr.get': { run: RevcorrRunInfo; results: RevcorrUnitResult[] };
  'reports.addRevcorrRun': { report: ReportDetail; section: ReportSectionInfo };
}
