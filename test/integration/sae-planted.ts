// Planted-dictionary ground truth shared by the SAE integration tests and experiments.
import { Rng } from '../../main/util/random';

export interface Planted {
  atoms: Float32Array; // nAtoms × d, unit rows
  data: Float32Array; // rows × d
  rows: number;
  d: number;
  nAtoms: number;
}

/** x = Σ c_i a_i over `nAtoms` random unit atoms in R^d; each atom active with p = active/nAtoms, c ~ U[0.5, 1.5]. */
export function plantedData(seed: number, d = 64, nAtoms = 256, rows = 32768, active = 4): Planted {
  const rng = new Rng(seed);
  const atoms = new Float32Array(nAtoms * d);
  for (let a = 0; a < nAtoms; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      atoms[a * d + j] = v;
      s += v * v;
    }
    for (let j = 0; j < d; j++) atoms[a * d + j]! /= Math.sqrt(s);
  }
  const data = new Float32Array(rows * d);
  const p = active / nAtoms;
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < nAtoms; a++) {
      if (rng.float() >= p) continue;
      const c = rng.uniform(0.5, 1.5);
      for (let j = 0; j < d; j++) data[r * d + j]! += c * atoms[a * d + j]!;
    }
  }
  return { atoms, data, rows, d, nAtoms };
}

export { meanMaxCosine } from '../helpers/planted-cosine';
