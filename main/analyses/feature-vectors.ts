// After the statistics, the statistics job stores each feature's unit direction and (SAEs) encoder column one row per
// feature (store/feature-columns.ts), so a feature card reads its own vectors without loading the dictionary (#18).
// For an SAE both come straight from the loaded weights (W_dec's rows, W_enc's columns) without another m × d copy;
// for an SAE the job read as its encoder alone, W_dec's rows stream from the store a stored block at a time.
import { SparseAutoencoder } from '../bases/sae';
import { SaeArchEncoder } from '../bases/sae-arch-encoder';
import type { SaeEncoder } from '../bases/sae-encoder';
import type { Basis } from '../bases/types';
import { tensorRowRuns } from '../store/basis-blocks';
import { saveFeatureVectors } from '../store/feature-columns';
import type { Db } from '../store/project';

export function storeSaeFeatureVectors(db: Db, basisId: number, encoder: SaeEncoder | SaeArchEncoder): void {
  // scale (#18): an imported JumpReLU or Gated SAE's encoder holds W_enc transposed, its columns as rows.
  if (encoder instanceof SaeArchEncoder) saveFeatureVectors(db, basisId, encoder.nFeatures, encoder.dim, tensorRowRuns(db, basisId, 'W_dec'), encoder.encoderRows, 'rows');
  else saveFeatureVectors(db, basisId, encoder.nFeatures, encoder.dim, tensorRowRuns(db, basisId, 'W_dec'), encoder.wEnc);
}

export function storeFeatureVectors(db: Db, basisId: number, basis: Basis): void {
  const m = basis.nFeatures;
  const d = basis.dim;
  if (basis instanceof SparseAutoencoder && basis.weights) {
    saveFeatureVectors(db, basisId, m, d, basis.weights.W_dec, basis.weights.W_enc);
  } else {
    saveFeatureVectors(db, basisId, m, d, basis.directions(), null);
  }
}
