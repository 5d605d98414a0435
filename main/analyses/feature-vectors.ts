// After the statistics, the statistics job stores each feature's unit direction and (SAEs) encoder column one row per
// feature (store/feature-columns.ts), so a feature card reads its own vectors without loading the dictionary (#18).
import type { Basis } from '../bases/types';
import { readBasisTensor, saveFeatureVectors } from '../store/feature-columns';
import type { Db } from '../store/project';

export function storeFeatureVectors(db: Db, basisId: number, method: string, basis: Basis): void {
  const m = basis.nFeatures;
  const d = basis.dim;
  const wEnc = method === 'sae-l1' || method === 'sae-topk' ? readBasisTensor(db, basisId, 'W_enc') : null;
  const encoder = wEnc && wEnc.shape[0] === d && wEnc.shape[1] === m ? wEnc.data : null;
  saveFeatureVectors(db, basisId, m, d, basis.directions(), encoder);
}
