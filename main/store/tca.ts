// SQL for tca (#15): the best fit of every rank of a rank sweep, kept beside the job (not in its result JSON, which
// every jobs.list ships) so the TCA panel can draw any rank's factors without fitting again.
import { UserError } from '../errors';
import type { CpModel } from '../tca/cp';
import { blobToFloat32, float32ToBlob } from './activations';
import type { Db } from './project';

export interface SweepFactors {
  rank: number;
  dim: number;
  positions: number;
  stimuli: number;
  weights: Float32Array;
  /** R × d, R × P, R × S, row-major, each row unit norm. */
  units: Float32Array;
  positionFactors: Float32Array;
  stimulusFactors: Float32Array;
  error: number;
}

export function putSweepFactors(db: Db, jobId: number, m: CpModel): void {
  db.prepare(
    `INSERT OR REPLACE INTO tca_sweep_factors(job_id, rank, dim, positions, stimuli, weights, units, position_factors, stimulus_factors, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    jobId,
    m.rank,
    m.dim,
    m.positions,
    m.stimuli,
    float32ToBlob(Float32Array.from(m.weights)),
    float32ToBlob(Float32Array.from(m.units)),
    float32ToBlob(Float32Array.from(m.positionFactors)),
    float32ToBlob(Float32Array.from(m.stimulusFactors)),
    m.error,
  );
}

interface Row {
  rank: number;
  dim: number;
  positions: number;
  stimuli: number;
  weights: Buffer;
  units: Buffer;
  position_factors: Buffer;
  stimulus_factors: Buffer;
  error: number;
}

export function getSweepFactors(db: Db, jobId: number, rank: number): SweepFactors {
  const r = db.prepare('SELECT * FROM tca_sweep_factors WHERE job_id = ? AND rank = ?').get(jobId, rank) as Row | undefined;
  if (!r) throw new UserError('tca.rank-unswept', `Rank sweep ${jobId} has no fit at rank ${rank}; pick one of the ranks it swept.`);
  return {
    rank: r.rank,
    dim: r.dim,
    positions: r.positions,
    stimuli: r.stimuli,
    weights: blobToFloat32(r.weights),
    units: blobToFloat32(r.units),
    positionFactors: blobToFloat32(r.position_factors),
    stimulusFactors: blobToFloat32(r.stimulus_factors),
    error: r.error,
  };
}
