// API of the tensor component analysis room (#15): start a rank sweep (Williams et al.'s two diagnostics) over a
// harvest recorded at all positions. Fits at one rank go through bases.fit with method 'tca'.
import { z } from 'zod';

export const tcaMethods = {
  'tca.sweep': z
    .object({
      harvestId: z.number().int().positive(),
      ranks: z.array(z.number().int().min(1).max(256)).min(1).max(64),
      nonneg: z.boolean().default(false),
      restarts: z.number().int().min(1).max(100).default(3),
      maxIter: z.number().int().min(1).max(10000).default(200),
      tol: z.number().positive().default(1e-5),
      seed: z.number().int().min(0).default(0),
    })
    .strict(),
};

export interface TcaSweepRank {
  rank: number;
  errors: number[];
  bestError: number;
  bestIndex: number;
  similarities: number[];
  meanSimilarity: number | null;
  iterations: number[];
}

/** The tca-sweep job's stored result. */
export interface TcaSweepResult {
  harvestId: number;
  dim: number;
  positions: number;
  stimuli: number;
  nonneg: boolean;
  restarts: number;
  ranks: TcaSweepRank[];
}

export interface TcaResults {
  'tca.sweep': { jobId: number };
}
