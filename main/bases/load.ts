// Rebuild a fitted basis from its stored parameters and tensors (used by fits' consumers: analyses, services, workers).
import { basisFactory } from './index';
import type { Basis } from './types';
import { UserError } from '../errors';
import { loadBasisTensors, type BasisRecord } from '../store/bases';
import type { Db } from '../store/project';

/** Throws the user's sentence for a basis that is not finished (fitting, failed, importing). */
export function requireFinished(rec: BasisRecord): void {
  if (rec.status !== 'done' && rec.status !== 'imported') {
    throw new UserError('basis.unfinished', `Basis ${rec.id} is ${rec.status}; only finished bases can be used.`);
  }
}

export function loadBasis(db: Db, rec: BasisRecord): Basis {
  requireFinished(rec);
  return basisFactory(rec.method).load(rec.params, rec.seed, loadBasisTensors(db, rec.id));
}
