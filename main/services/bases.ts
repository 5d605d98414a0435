// Bases over a harvest: start fits (one job each), sweeps, listing, and interop with other tools — SAEs in SAELens'
// safetensors layout (saelens.ts), and directions as .npy (activations computed elsewhere: harvest/import-npy.ts).
import { checkTensorHarvest } from './tca'; // tca (#15)
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BasisDetail, BasisInfo, Params } from '../api/contract';
import { basisFactory } from '../bases/index';
import { DEFAULT_HOLDOUT } from '../bases/fit';
import type { Basis } from '../bases/types';
import { UserError } from '../errors';
import type { JobManager } from '../jobs/manager';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { loadBasis } from '../bases/load';

type BasisStatus = BasisInfo['status'];

export function basisInfo(r: basesRepo.BasisRecord): BasisInfo {
  return { ...r, method: r.method as BasisInfo['method'], status: r.status as BasisStatus, quality: r.quality as BasisInfo['quality'] };
}

/**
 * Checks a fit request against the harvest before anything is written: bad parameters, NMF on negative data.
 * Returns the constructed (unfitted) basis, whose `params` hold every default filled in.
 */
function validateFit(db: Db, harvestId: number, method: string, params: Record<string, unknown>, seed: number): { dim: number; basis: Basis; holdout: number } {
  const h = repo.getHarvest(db, harvestId);
  if (h.status !== 'done') throw new UserError('basis.harvest-unfinished', `Harvest ${harvestId} is ${h.status}; bases are fitted on finished harvests.`);
  const holdout = params.holdout ?? DEFAULT_HOLDOUT;
  if (typeof holdout !== 'number' || holdout < 0 || holdout >= 0.9) {
    throw new UserError('basis.params', `holdout must be a fraction between 0 and 0.9, not ${String(holdout)}.`);
  }
  const k = params.nFeatures;
  const trainRows = Math.floor(h.rowsDone * (1 - holdout));
  if (method === 'kmeans' && typeof k === 'number' && k > trainRows) {
    throw new UserError('basis.params', `K-means cannot find ${k} clusters in ${trainRows} training rows; choose nFeatures ≤ ${trainRows}.`);
  }
  if (method === 'nmf') {
    const stats = repo.loadUnitStats(db, harvestId);
    const worst = stats.reduce((a, s) => (s.min < a.min ? s : a), { unit: -1, min: 0 } as { unit: number; min: number });
    if (worst.min < 0) {
      throw new UserError(
        'basis.nmf-negative',
        `NMF needs non-negative activations, but unit ${worst.unit} of harvest ${harvestId} reaches ${worst.min.toPrecision(3)}; harvest after a ReLU or choose another method.`,
      );
    }
  }
  if (method === 'tca') checkTensorHarvest(db, harvestId); // tca (#15): a units × positions × stimuli tensor only
  // Constructing the basis checks its own parameters (component counts against d, k for TopK, …).
  const basis = basisFactory(method).create(params, seed, h.dim);
  return { dim: h.dim, basis, holdout };
}

/**
 * The parameters a fit really runs with: the basis' own resolved `params` (every default filled in: an SAE's lr,
 * λ, steps, deadWindow, targetNorm, …) plus the lab's held-out fraction. These, not the request, are stored, so a
 * basis says how it was made even after the defaults change; the fit job rebuilds the basis from them unchanged.
 */
function resolvedParams(basis: Basis, holdout: number): Record<string, unknown> {
  return { ...basis.params, holdout };
}

function describeParams(method: string, params: Record<string, unknown>): string {
  const bits = Object.entries(params)
    .filter(([k]) => ['nFeatures', 'l1Coefficient', 'k', 'steps', 'whiten', 'fun', 'algorithm', 'cosine', 'rank', 'nonneg'].includes(k)) // rank, nonneg: tca (#15)
    .map(([k, v]) => `${k}=${String(v)}`);
  return bits.length ? `${method} (${bits.join(', ')})` : method;
}

export function startFit(db: Db, jobs: JobManager, p: Params<'bases.fit'>): { jobId: number; basisId: number } {
  const { dim, basis, holdout } = validateFit(db, p.harvestId, p.method, p.params, p.seed);
  // The name keeps to what the user chose; the stored params are the full resolved set.
  const name = p.name ?? describeParams(p.method, p.params);
  const basisId = basesRepo.insertBasis(db, {
    harvestId: p.harvestId,
    jobId: null,
    method: p.method,
    name,
    params: resolvedParams(basis, holdout),
    seed: p.seed,
    nFeatures: basis.nFeatures,
    dim,
    status: 'pending',
  });
  const jobId = repo.insertJob(db, 'fit', `Fit ${name} · harvest ${p.harvestId}`, { basisId });
  basesRepo.setBasisJob(db, basisId, jobId);
  void jobs.run(jobId);
  return { jobId, basisId };
}

export function startSweep(db: Db, jobs: JobManager, p: Params<'bases.sweep'>): { jobIds: number[]; basisIds: number[] } {
  // h12jg: the key each method's spec names (sae-jumprelu: l0Coefficient; sae-gated: l1Coefficient).
  const key = basisFactory(p.method).spec.tags.sweep ?? (p.method === 'sae-l1' ? 'l1Coefficient' : 'k');
  // Validate every member first, so a bad value starts nothing.
  for (const v of p.values) validateFit(db, p.harvestId, p.method, { ...p.params, [key]: v }, p.seed);
  const started = p.values.map((v) => startFit(db, jobs, { harvestId: p.harvestId, method: p.method, seed: p.seed, params: { ...p.params, [key]: v } }));
  return { jobIds: started.map((s) => s.jobId), basisIds: started.map((s) => s.basisId) };
}

export function getBasisDetail(db: Db, basisId: number): BasisDetail {
  return { ...basisInfo(basesRepo.getBasis(db, basisId)), trainingLog: basesRepo.trainingLog(db, basisId) };
}

// SAELens interop lives in its own module; re-exported here, where the lab looks for every basis service.
export { exportSae, importSae } from './saelens';

export async function exportDirections(db: Db, p: Params<'bases.exportDirections'>): Promise<{ path: string; shape: number[] }> {
  const rec = basesRepo.getBasis(db, p.basisId);
  const basis = loadBasis(db, rec);
  const dirs = basis.directions();
  const shape = [basis.nFeatures, basis.dim];
  const path = resolve(p.path);
  const { writeNpy } = await import('../io/npy');
  writeFileSync(path, writeNpy(dirs, shape));
  return { path, shape };
}
