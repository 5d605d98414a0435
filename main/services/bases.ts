// Bases over a harvest: start fits (one job each), sweeps, listing, and interop with other tools — SAEs in SAELens'
// safetensors layout (saelens.ts), and directions as .npy (activations computed elsewhere: harvest/import-npy.ts).
import { checkTensorHarvest } from './tca'; // tca (#15)
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BasisDetail, BasisInfo, Params } from '../api/contract';
import { basisFactory, sweptMethods } from '../bases/index';
import type { SaeSweepJobParams } from '../bases/sweep-job';
import { effectiveRank } from '../bases/effective-rank';
import type { PcaBasis } from '../bases/pca';
import type { BasesResults } from '../api/schemas/bases';
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

/** A basis record for a fit about to run (status pending), named and with its resolved params; no job yet. */
function insertFitBasis(db: Db, p: Params<'bases.fit'>): number {
  const { dim, basis, holdout } = validateFit(db, p.harvestId, p.method, p.params, p.seed);
  // The name keeps to what the user chose; the stored params are the full resolved set.
  const name = p.name ?? describeParams(p.method, p.params);
  return basesRepo.insertBasis(db, {
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
}

export function startFit(db: Db, jobs: JobManager, p: Params<'bases.fit'>): { jobId: number; basisId: number } {
  const basisId = insertFitBasis(db, p);
  const jobId = repo.insertJob(db, 'fit', `Fit ${basesRepo.getBasis(db, basisId).name} · harvest ${p.harvestId}`, { basisId });
  basesRepo.setBasisJob(db, basisId, jobId);
  void jobs.run(jobId);
  return { jobId, basisId };
}

/**
 * h12sweep (#12): one sae-sweep job training the method at every value of its swept parameter in turn (sweep-job.ts).
 * Every run is validated and recorded (pending, under the sweep's job) before the job starts, so a bad value starts
 * nothing and the table lists the whole sweep at once.
 */
export function startSweep(db: Db, jobs: JobManager, p: Params<'bases.sweep'>): { jobId: number; basisIds: number[] } {
  const swept = sweptMethods();
  const key = swept.find((s) => s.method === p.method)?.key;
  if (!key) {
    throw new UserError('basis.sweep-method', `${p.method} is not swept; a sparsity sweep trains one of ${swept.map((s) => s.method).join(', ')}.`);
  }
  if (new Set(p.values).size !== p.values.length) throw new UserError('basis.sweep-values', `The sweep lists a value of ${key} twice (${p.values.join(', ')}); list each once.`);
  if (key in p.params) throw new UserError('basis.sweep-values', `${key} is what the sweep varies; give its values in the list, not among the parameters.`);
  for (const v of p.values) {
    const { basis } = validateFit(db, p.harvestId, p.method, { ...p.params, [key]: v }, p.seed);
    // A method may clip a value to what it can use (TopK's k to its latents): that run would repeat another.
    if (basis.params[key] !== v) throw new UserError('basis.sweep-values', `${p.method} cannot use ${key} = ${v} here (it would run at ${String(basis.params[key])}); list values up to ${String(basis.params[key])}.`);
  }
  const basisIds = db.transaction(() => p.values.map((v) => insertFitBasis(db, { harvestId: p.harvestId, method: p.method, seed: p.seed, params: { ...p.params, [key]: v } })))();
  const params: SaeSweepJobParams = { method: p.method, key, values: p.values, basisIds };
  const jobId = repo.insertJob(db, 'sae-sweep', `Sweep ${p.method} over ${key} = ${p.values.join(', ')} · harvest ${p.harvestId}`, params);
  for (const id of basisIds) basesRepo.setBasisJob(db, id, jobId);
  void jobs.run(jobId);
  return { jobId, basisIds };
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

/**
 * h12sweep (#12): the harvest's effective rank for the fit form's first guess at k — from the newest complete PCA
 * basis of the harvest (its covariance spectrum on the training rows), else from the stored unit variances (an
 * upper bound of both figures; see bases/effective-rank.ts).
 */
export function harvestEffectiveRank(db: Db, harvestId: number): BasesResults['bases.effectiveRank'] {
  const h = repo.getHarvest(db, harvestId);
  const pca = basesRepo
    .listBases(db, harvestId)
    .filter((b) => b.method === 'pca' && b.status === 'done' && b.nFeatures === h.dim)
    .pop();
  if (pca) {
    const spectrum = (loadBasis(db, pca) as PcaBasis).explainedVariance;
    return { harvestId, dim: h.dim, source: 'pca', basisId: pca.id, ...effectiveRank(spectrum) };
  }
  const stats = repo.loadUnitStats(db, harvestId);
  if (!stats.length) throw new UserError('basis.no-unit-stats', `Harvest ${harvestId} has no unit statistics yet; they are stored when the harvest finishes.`);
  return { harvestId, dim: h.dim, source: 'unit-variances', basisId: null, ...effectiveRank(stats.map((s) => s.std * s.std)) };
}
