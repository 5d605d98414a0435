// How well a basis recovers a planted dictionary, the score every planted-recovery check uses (tests and benches).

/**
 * For each planted atom (rows of `atoms`, nAtoms × d), the best cosine with any learned direction (rows of `dirs`,
 * nDirs × d, not necessarily unit); the mean over atoms. `abs` scores |cos|, for methods whose atoms have no sign
 * (scikit-learn's dictionary learning is scored that way).
 */
export function meanMaxCosine(atoms: Float32Array, nAtoms: number, dirs: Float32Array, nDirs: number, d: number, abs = false): number {
  let total = 0;
  for (let a = 0; a < nAtoms; a++) {
    let best = -1;
    for (let k = 0; k < nDirs; k++) {
      let dot = 0;
      let nk = 0;
      for (let j = 0; j < d; j++) {
        dot += atoms[a * d + j]! * dirs[k * d + j]!;
        nk += dirs[k * d + j]! ** 2;
      }
      const cos = dot / Math.sqrt(nk || 1);
      best = Math.max(best, abs ? Math.abs(cos) : cos);
    }
    total += best;
  }
  return total / nAtoms;
}

/**
 * For each planted atom its best cosine with a learned direction (rows of `dirs`, unit norm as the SAEs store them),
 * sorted ascending — so a test can read the median and the weakest atoms.
 */
export function bestCosines(planted: { atoms: Float32Array; nAtoms: number; d: number }, dirs: Float32Array, nDirs: number): number[] {
  const { atoms, nAtoms, d } = planted;
  const best: number[] = [];
  for (let a = 0; a < nAtoms; a++) {
    let b = -1;
    for (let k = 0; k < nDirs; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += atoms[a * d + j]! * dirs[k * d + j]!;
      b = Math.max(b, dot);
    }
    best.push(b);
  }
  return best.sort((x, y) => x - y);
}
