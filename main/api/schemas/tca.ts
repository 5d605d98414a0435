// API of the tensor component analysis room (#15): start a rank sweep (Williams et al.'s two diagnostics) over a
// harvest recorded at all positions; read a sweep's diagnostics and one rank's factors; send them to a report. Fits at
// one rank go through bases.fit with method 'tca'.
import { z } from 'zod';
import type { SweepRank } from '../../tca/sweep';
import type { ReportDetail, ReportSectionInfo } from '../../report/types';

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
  /** A checkpoint series: the same tensor and stimuli through checkpoints of one architecture, in the order given. */
  'tca.series': z
    .object({ modelPaths: z.array(z.string().min(1)).min(2).max(64), tensor: z.string().min(1), stimulusSetId: z.number().int().positive() })
    .strict(),
  /** A finished (or partly finished) sweep's diagnostics and, for one of its ranks, the best fit's factors. */
  'tca.get': z.object({ jobId: z.number().int().positive(), rank: z.number().int().min(1).max(256).optional() }).strict(),
  /** The sweep's two diagnostics and one rank's components, as a report section. */
  'reports.addTcaSweep': z
    .object({ reportId: z.number().int().positive().nullable().default(null), jobId: z.number().int().positive(), rank: z.number().int().min(1).max(256) })
    .strict(),
};

/** One rank of a sweep, as the engine computes it (tca/sweep.ts). */
export type TcaSweepRank = SweepRank;

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

/** One rank's best fit: weight and the three factors of each component (rows unit norm). */
export interface TcaFactors {
  rank: number;
  error: number;
  weights: number[];
  /** [component][unit], [component][position], [component][stimulus]. */
  units: number[][];
  positions: number[][];
  stimuli: number[][];
}

export interface TcaSweepView {
  jobId: number;
  status: string;
  sweep: TcaSweepResult;
  factors: TcaFactors | null;
  /** Each stimulus's label (null where it has none), in the stimulus factor's order. */
  labels: (number | null)[];
  labelNames: string[] | null;
  /** The middle axis: positions of a map, or the checkpoints of a series (their file names, in order). */
  middle: { kind: 'position' | 'checkpoint'; names: string[] | null };
}

export interface TcaResults {
  'tca.sweep': { jobId: number };
  'tca.get': TcaSweepView;
  'tca.series': { harvestId: number; checkpointHarvestIds: number[] };
  'reports.addTcaSweep': { report: ReportDetail; section: ReportSectionInfo };
}
