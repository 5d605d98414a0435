// What a report section records so its numbers can be rebuilt with `cajal` commands: how each harvest was made
// (model file, tensor, positions, stimulus spec), each basis' fit (method, stored parameters, seed), its feature
// statistics and metric runs (with their parameters), the comparison's bootstrap and seed, and the SHA-256 of every
// input file. Captured when the section is sent, like the rest of its snapshot.

export interface ReproduceHarvest {
  harvestId: number;
  source: 'model' | 'import';
  model: { name: string; path: string; sha256: string } | null;
  tensor: string;
  positions: string;
  /** The stored stimulus spec (kind, count, offset, path, recipe, seed…), or null for imported activations. */
  stimuli: Record<string, unknown> | null;
  rows: number;
  /** room: i8 — the values the model's other inputs took (`--input NAME=VALUE`), when it has any. */
  inputs?: Record<string, string>;
}

export interface ReproduceBasis {
  basisId: number;
  harvestId: number;
  name: string;
  method: string;
  seed: number;
  /** Parameters a `--param key=value` can carry (numbers, strings, booleans). */
  params: Record<string, number | string | boolean>;
  /** Stored parameters a flag cannot carry (lists, nulls) that differ from what the method would choose by itself. */
  unexpressible: string[];
  imported: boolean;
  featureStats: { topK: number; bands: number } | null;
  metricRuns: { metrics: string[]; trials: number; seed: number; afcPool: string; perceptualModel: { path: string; sha256: string } | null; perceptualPreset: string | null }[];
}

export interface InputFile {
  role: string;
  path: string;
  sha256: string;
  bytes: number;
}

export interface ReproduceRecord {
  harvests: ReproduceHarvest[];
  bases: ReproduceBasis[];
  comparisons: { harvestId: number; bootstrap: number; seed: number }[];
  inputs: InputFile[];
  /** Folders with more files than are listed one by one: the SHA-256 of their manifest ("sha256  path" lines). */
  manifests: { role: string; path: string; files: number; sha256: string }[];
}
