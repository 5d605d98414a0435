// A planted SAE in SAELens layout over labelled rows, as files a user would import (#18): acts.npy (rows × d, units
// 0..classes-1 fire only on their class), labels.npy, and sae/ (sae_weights.safetensors + cfg.json, ReLU) where latent
// c < classes reads unit c (active exactly on label c) and every other latent has a unit-norm column over the noise
// units with bias −2.5 (active on ~0.6 % of rows).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../main/io/npy';
import { writeSafetensors } from '../../main/io/safetensors';
import { Rng } from '../../main/util/random';

export interface PlantedSaeFiles {
  acts: string;
  labels: string;
  saeDir: string;
  labelOf: Float32Array;
}

export function writePlantedSae(dir: string, o: { m: number; d: number; rows: number; classes: number; seed: number }): PlantedSaeFiles {
  const { m: M, d: D, rows: ROWS, classes: C } = o;
  const rng = new Rng(o.seed);
  const labels = Float32Array.from({ length: ROWS }, (_, i) => i % C);
  const x = new Float32Array(ROWS * D);
  for (let r = 0; r < ROWS; r++) {
    x[r * D + labels[r]!] = 1 + Math.abs(rng.normal());
    for (let u = C; u < D; u++) x[r * D + u] = rng.normal();
  }
  const acts = join(dir, 'acts.npy');
  const labelsPath = join(dir, 'labels.npy');
  writeFileSync(acts, writeNpy(x, [ROWS, D]));
  writeFileSync(labelsPath, writeNpy(labels, [ROWS]));
  const wEnc = new Float32Array(D * M);
  const bEnc = new Float32Array(M).fill(-2.5);
  const col = new Float64Array(D - C);
  for (let j = 0; j < M; j++) {
    if (j < C) {
      wEnc[j * M + j] = 1;
      bEnc[j] = -0.5;
      continue;
    }
    let n = 0;
    for (let i = 0; i < col.length; i++) n += (col[i] = rng.normal()) ** 2;
    for (let i = 0; i < col.length; i++) wEnc[(C + i) * M + j] = col[i]! / Math.sqrt(n);
  }
  const wDec = new Float32Array(M * D);
  for (let j = 0; j < M; j++) for (let u = 0; u < D; u++) wDec[j * D + u] = wEnc[u * M + j]!;
  const saeDir = join(dir, 'sae');
  mkdirSync(saeDir, { recursive: true });
  writeFileSync(join(saeDir, 'sae_weights.safetensors'), writeSafetensors({ W_enc: { shape: [D, M], data: wEnc }, b_enc: { shape: [M], data: bEnc }, W_dec: { shape: [M, D], data: wDec }, b_dec: { shape: [D], data: new Float32Array(D) } }));
  writeFileSync(join(saeDir, 'cfg.json'), JSON.stringify({ d_in: D, d_sae: M, activation_fn_str: 'relu', normalize_activations: 'none' }));
  return { acts, labels: labelsPath, saeDir, labelOf: labels };
}
