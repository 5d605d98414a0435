// What a harvest is and what its statistics look like, as the engine produces them and the API returns them.
// The API contract re-exports them (main/api/schemas/harvests.ts), so the engine below it never imports the API.
import { z } from 'zod';

export const positionsSchema = z.enum(['centre', 'all', 'mean']);
export type Positions = z.infer<typeof positionsSchema>;

export type HarvestStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface HarvestInfo {
  id: number;
  modelId: number;
  modelName: string;
  stimulusSetId: number;
  stimulusSetName: string;
  tensor: string;
  tensorShape: number[];
  positions: Positions;
  dim: number;
  rowsExpected: number;
  rowsDone: number;
  status: HarvestStatus;
  jobId: number | null;
  createdAt: string;
  finishedAt: string | null;
  /** 'import' for activations computed outside Cajal. */
  source: 'model' | 'import';
  /** room: i8 — the value each model input besides the stimuli took ('zeros', '16000'); absent when none. */
  inputs?: Record<string, string>;
  /** room: i8 — If nodes replaced by the branch that ran (with its condition's value), to reach a tensor inside one. */
  branches?: { node: string; branch: 'then_branch' | 'else_branch'; cond: string; value: boolean }[];
}

export interface UnitStats {
  unit: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Fraction of rows with activation > 0. */
  fracActive: number;
}

export interface HarvestStats {
  harvestId: number;
  rows: number;
  dim: number;
  units: UnitStats[];
}

export interface Histogram {
  /** Bin edges, length bins + 1. */
  edges: number[];
  counts: number[];
  rows: number;
}

export interface TopStimulus {
  row: number;
  stimulusIndex: number;
  label: number | null;
  labelName: string | null;
  activation: number;
  /** Spatial position of the row for conv maps harvested at all positions. */
  position: [number, number] | null;
  /** PNG as a data: URL, small. */
  thumbnail: string;
  /** room: text (#13) — a text harvest's row: its context, position and token (no thumbnail). */
  token?: { context: number; contextName: string | null; document: number; position: number; tokenId: number; tokenText: string };
}
