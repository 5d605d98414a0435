// Rows planted from a few random unit atoms, imported into a project as `cajal import-activations` does: the
// sparsity sweeps' ground truth (test/integration/sae-sweep.test.ts, frontier-report.test.ts). Row r is the sum of
// `atomsIn(r)` of `atoms` unit atoms (seeded, drawn with replacement) with weights in [0.5, 2).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../main/io/npy';
import { Rng } from '../../main/util/random';
import { runCliInProcess } from './cli';

export interface PlantedRows {
  /** Folder the .npy is written to. */
  dir: string;
  /** Project file the rows are imported into (made when absent). */
  project: string;
  /** The .npy's name in `dir`. */
  name: string;
  rows: number;
  d: number;
  atoms: number;
  /** How many atoms row r sums. */
  atomsIn: (row: number) => number;
  seed?: number;
}

/** The new harvest's id. */
export async function importPlantedRows(o: PlantedRows): Promise<number> {
  const { rows, d } = o;
  const rng = new Rng(o.seed ?? 12);
  const atoms = rng.fillNormal(new Float32Array(o.atoms * d)) as Float32Array;
  for (let a = 0; a < o.atoms; a++) {
    let n = 0;
    for (let j = 0; j < d; j++) n += atoms[a * d + j]! ** 2;
    for (let j = 0; j < d; j++) atoms[a * d + j]! /= Math.sqrt(n);
  }
  const x = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < o.atomsIn(r); s++) {
      const a = rng.int(0, o.atoms);
      const w = rng.uniform(0.5, 2);
      for (let j = 0; j < d; j++) x[r * d + j]! += w * atoms[a * d + j]!;
    }
  }
  writeFileSync(join(o.dir, o.name), writeNpy(x, [rows, d]));
  const r = await runCliInProcess(['import-activations', '--project', o.project, '--npy', join(o.dir, o.name), '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { harvest: { id: number } }).harvest.id;
}
