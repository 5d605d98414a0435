// API of the harvests room: recording a tensor over a stimulus set, its unit statistics, histograms and top
// stimuli, and activations imported from elsewhere.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id, nonEmpty } from './common';
import { shardRequestSchema } from '../../harvest/shard'; // room: scale (#14 item 3)
import { positionsSchema, type HarvestInfo, type HarvestStats, type Histogram, type TopStimulus } from '../../harvest/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export { positionsSchema } from '../../harvest/types';
export type { HarvestInfo, HarvestStats, HarvestStatus, Histogram, Positions, TopStimulus, UnitStats } from '../../harvest/types';

export const harvestsMethods = {
  'harvests.start': z
    .object({
      modelId: id,
      stimulusSetId: id,
      tensors: z.array(nonEmpty).min(1).max(64),
      positions: positionsSchema.default('centre'),
      limit: z.number().int().positive().optional(),
      batchSize: z.number().int().positive().max(4096).optional(),
      chunkRows: z.number().int().positive().max(1_000_000).optional(),
      /** float16 halves the project file at ~3 significant digits per value (#14); float32 by default. */
      storage: z.enum(['float32', 'float16']).optional(),
      // room: scale (#14 item 3) — record only shard index of count (a contiguous run of whole chunks); `cajal merge` joins them
      shard: shardRequestSchema.optional(),
      // room: i8 — a value for every model input besides the stimuli ('zeros', a number, true/false), kept with the harvest
      inputs: z
        .record(z.string().min(1).max(256), z.string().min(1).max(64))
        .refine((r) => Object.keys(r).length <= 64, 'at most 64 inputs')
        .optional(),
    })
    .strict(),
  'harvests.list': z.object({}).strict(),
  'harvests.stats': z.object({ harvestId: id }).strict(),
  'harvests.histogram': z
    .object({ harvestId: id, unit: z.number().int().min(0), bins: z.number().int().min(2).max(512).default(50) })
    .strict(),
  'harvests.top': z
    .object({
      harvestId: id,
      unit: z.number().int().min(0),
      k: z.number().int().min(1).max(256).default(16),
      order: z.enum(['top', 'bottom']).default('top'),
    })
    .strict(),
  'harvests.importNpy': z
    .object({ path: nonEmpty, labelsPath: nonEmpty.optional(), name: z.string().max(200).optional() })
    .strict(),
} as const;

export interface HarvestsResults {
  'harvests.start': { jobId: number; harvestIds: number[]; resumedFromRow: number | null };
  'harvests.list': HarvestInfo[];
  'harvests.stats': HarvestStats;
  'harvests.histogram': Histogram;
  'harvests.top': TopStimulus[];
  'harvests.importNpy': HarvestInfo;
}
