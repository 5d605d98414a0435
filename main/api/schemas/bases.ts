// API of the bases room: fitting, sweeping, listing and exchanging bases (decompositions of a harvest).
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import type { LossRecoveredInfo } from './lesions';
import { BASIS_METHODS } from '../../util/method-order';
import { id, nonEmpty } from './common';
import type { BasisMethodDefinition, BasisQualityInfo } from '../../bases/types';

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
      method: z.enum(['sae-l1', 'sae-topk', 'sae-batchtopk', 'sae-matryoshka', 'sae-jumprelu', 'sae-gated']), // #12: sae-batchtopk, sae-matryoshka; h12jg: sae-jumprelu, sae-gated
      /** The L1 coefficients (sae-l1) or k values (sae-topk) to train, one SAE each. */
      values: z.array(z.number().positive()).min(2).max(16),
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    })
    .strict(),
  'bases.list': z.object({ harvestId: id.optional() }).strict(),
  'bases.definitions': z.object({}).strict(),
  'bases.get': z.object({ basisId: id }).strict(),
  'bases.exportSae': z.object({ basisId: id, dir: nonEmpty }).strict(),
  'bases.importSae': z.object({ harvestId: id, path: nonEmpty, name: z.string().max(200).optional() }).strict(),
  'bases.exportDirections': z.object({ basisId: id, path: nonEmpty }).strict(),
} as const;

export interface BasesResults {
  'bases.fit': { jobId: number; basisId: number };
  'bases.sweep': { jobIds: number[]; basisIds: number[] };
  'bases.list': BasisInfo[];
  'bases.definitions': BasisMethodDefinition[];
  'bases.get': BasisDetail;
  'bases.exportSae': { dir: string; files: string[] };
  'bases.importSae': BasisInfo;
  'bases.exportDirections': { path: string; shape: number[] };
}
