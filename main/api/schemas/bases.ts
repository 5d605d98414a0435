// API of the bases room: fitting, sweeping, listing and exchanging bases (decompositions of a harvest).
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import type { LossRecoveredInfo } from './lesions';
import { BASIS_METHODS } from '../../util/method-order';
import { id, nonEmpty } from './common';
import type { BasisMethodDefinition, BasisQualityInfo } from '../../bases/types';
import type { ReportDetail, ReportSectionInfo } from '../../report/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export type { BasisMethodDefinition, BasisQualityInfo } from '../../bases/types';
export type { BasisParamSpec, ParamValue as BasisParamValue } from '../../bases/param-spec';

export const basisMethodSchema = z.enum(BASIS_METHODS);
export type BasisMethodName = z.infer<typeof basisMethodSchema>;

export interface BasisInfo {
  id: number;
  harvestId: number;
  jobId: number | null;
  method: BasisMethodName;
  name: string;
  params: Record<string, unknown>;
  seed: number;
  nFeatures: number;
  dim: number;
  status: 'pending' | 'training' | 'done' | 'failed' | 'cancelled' | 'imported';
  quality: BasisQualityInfo | null;
  /** The latest loss-recovered run of this basis (#10), where one was made. */
  lossRecovered?: LossRecoveredInfo | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface BasisDetail extends BasisInfo {
  /** Training curves (gradient-trained methods): one entry per logged step. */
  trainingLog: { step: number; metrics: Record<string, number> }[];
}

export const basesMethods = {
  'bases.fit': z
    .object({
      harvestId: id,
      method: basisMethodSchema,
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
      /** Method parameters, e.g. { nFeatures: 64 } or { nFeatures: 2048, l1: 0.004, steps: 5000 }; checked by the method. */
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
      name: z.string().max(200).optional(),
    })
    .strict(),
  'bases.sweep': z
    .object({
      harvestId: id,
      /** h12sweep (#12): any trained method whose spec names a swept parameter (checked by the service). */
      method: basisMethodSchema,
      /** The values of the method's swept parameter (sae-l1's l1Coefficient, the TopK family's k), one SAE each. */
      values: z.array(z.number().positive()).min(2).max(16),
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    })
    .strict(),
  'bases.list': z.object({ harvestId: id.optional() }).strict(),
  'bases.effectiveRank': z.object({ harvestId: id }).strict(), // h12sweep (#12)
  'bases.definitions': z.object({}).strict(),
  'bases.get': z.object({ basisId: id }).strict(),
  'bases.exportSae': z.object({ basisId: id, dir: nonEmpty }).strict(),
  'bases.importSae': z.object({ harvestId: id, path: nonEmpty, name: z.string().max(200).optional() }).strict(),
  'bases.exportDirections': z.object({ basisId: id, path: nonEmpty }).strict(),
  /**
   * h12front (#12): the harvest's sparsity frontier (every finished basis at held-out L0 and explained variance) as a
   * report section, with frontiers a and b compared at equal L0 (default: sae-batchtopk against sae-topk, as the card).
   */
  'reports.addFrontier': z
    .object({ reportId: id.nullable().default(null), harvestId: id, a: basisMethodSchema.nullable().default(null), b: basisMethodSchema.nullable().default(null) })
    .strict(),
} as const;

export interface BasesResults {
  'bases.fit': { jobId: number; basisId: number };
  /** h12sweep (#12): one sae-sweep job trains every run in turn. */
  'bases.sweep': { jobId: number; basisIds: number[] };
  'bases.list': BasisInfo[];
  /** h12sweep (#12): participation ratio and dims for 90 % variance, from a complete PCA's spectrum or (an upper bound) the unit variances. */
  'bases.effectiveRank': { harvestId: number; dim: number; source: 'pca' | 'unit-variances'; basisId: number | null; participationRatio: number; dims90: number };
  'bases.definitions': BasisMethodDefinition[];
  'bases.get': BasisDetail;
  'bases.exportSae': { dir: string; files: string[] };
  'bases.importSae': BasisInfo;
  'bases.exportDirections': { path: string; shape: number[] };
  'reports.addFrontier': { report: ReportDetail; section: ReportSectionInfo };
}
