// Bases over a harvest: start fits (one job each), sweeps, listing, and interop with other tools — SAEs in SAELens'
// safetensors layout, directions as .npy, and activations computed elsewhere imported as a harvest.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BasisDetail, BasisInfo, HarvestInfo, Params } from '../api/contract';
import { basisFactory } from '../bases/index';
import { DEFAULT_HOLDOUT } from '../bases/fit';
import type { Basis, BasisState } from '../bases/types';
import { UserError } from '../errors';
import { computeUnitStats } from '../harvest/stats';
import { readNpy } from '../io/npy';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import type { JobManager } from '../jobs/manager';
import { commitChunks } from '../store/activations';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { loadBasis } from './load-basis';

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
    .filter(([k]) => ['nFeatures', 'l1Coefficient', 'k', 'steps', 'whiten', 'fun', 'algorithm', 'cosine'].includes(k))
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
  db.prepare('UPDATE bases SET job_id = ? WHERE id = ?').run(jobId, basisId);
  void jobs.run(jobId);
  return { jobId, basisId };
}

export function startSweep(db: Db, jobs: JobManager, p: Params<'bases.sweep'>): { jobIds: number[]; basisIds: number[] } {
  const key = p.method === 'sae-l1' ? 'l1Coefficient' : 'k';
  // Validate every member first, so a bad value starts nothing.
  for (const v of p.values) validateFit(db, p.harvestId, p.method, { ...p.params, [key]: v }, p.seed);
  const started = p.values.map((v) => startFit(db, jobs, { harvestId: p.harvestId, method: p.method, seed: p.seed, params: { ...p.params, [key]: v } }));
  return { jobIds: started.map((s) => s.jobId), basisIds: started.map((s) => s.basisId) };
}

export function getBasisDetail(db: Db, basisId: number): BasisDetail {
  return { ...basisInfo(basesRepo.getBasis(db, basisId)), trainingLog: basesRepo.trainingLog(db, basisId) };
}

// ----- SAELens interop -----

interface SaeLensCfg {
  d_in: number;
  d_sae: number;
  architecture?: string;
  activation_fn_str?: string;
  activation_fn_kwargs?: { k?: number };
  normalize_activations?: string;
  [key: string]: unknown;
}

/**
 * Writes `sae_weights.safetensors` and `cfg.json` as SAELens lays them out. Cajal trains on inputs scaled to a fixed
 * mean norm; that scale is folded into the exported weights, so the file works on raw activations
 * (normalize_activations = "none") and nobody downstream can lose it — the pitfall SAELens' trackers report.
 */
export async function exportSae(db: Db, p: Params<'bases.exportSae'>): Promise<{ dir: string; files: string[] }> {
  const rec = basesRepo.getBasis(db, p.basisId);
  if (rec.method !== 'sae-l1' && rec.method !== 'sae-topk') {
    throw new UserError('basis.not-sae', `Basis ${p.basisId} is ${rec.method}, not a sparse autoencoder; export its directions as .npy instead.`);
  }
  const state = basesRepo.loadBasisTensors(db, p.basisId);
  const s = state.norm_scale?.data[0] ?? 1;
  const scaled = (t: { shape: number[]; data: Float32Array }, f: number) => ({ shape: t.shape, data: t.data.map((v) => v * f) });
  const need = (name: string) => {
    const t = state[name];
    if (!t) throw new UserError('basis.incomplete', `Basis ${p.basisId} has no ${name} tensor; was its fit finished?`);
    return t;
  };
  const tensors = {
    W_enc: scaled(need('W_enc'), s),
    b_enc: need('b_enc'),
    W_dec: scaled(need('W_dec'), 1 / s),
    b_dec: scaled(need('b_dec'), 1 / s),
  };
  const h = repo.getHarvest(db, rec.harvestId);
  const cfg: SaeLensCfg = {
    d_in: rec.dim,
    d_sae: rec.nFeatures,
    architecture: rec.method === 'sae-topk' ? 'topk' : 'standard',
    activation_fn_str: rec.method === 'sae-topk' ? 'topk' : 'relu',
    ...(rec.method === 'sae-topk' ? { activation_fn_kwargs: { k: Number(rec.params.k) } } : {}),
    apply_b_dec_to_input: true,
    normalize_activations: 'none',
    dtype: 'float32',
    device: 'cpu',
    model_name: h.modelName,
    hook_name: h.tensor,
    hook_layer: 0,
    // The stored params are the resolved set (every default the fit used), so this is the full training recipe.
    // They keep Cajal's names: SAELens' own training fields (l1_coefficient, lr, …) carry its own loss definitions.
    cajal: { basisId: rec.id, method: rec.method, params: rec.params, seed: rec.seed, input_scale_folded_into_weights: s, positions: h.positions },
  };
  const dir = resolve(p.dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sae_weights.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  writeFileSync(join(dir, 'cfg.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  return { dir, files: ['sae_weights.safetensors', 'cfg.json'] };
}

/** Reads an SAELens SAE (a folder with sae_weights.safetensors + cfg.json, or the .safetensors file beside cfg.json). */
export async function importSae(db: Db, p: Params<'bases.importSae'>): Promise<BasisInfo> {
  const h = repo.getHarvest(db, p.harvestId);
  const given = resolve(p.path);
  if (!existsSync(given)) throw new UserError('sae.missing', `There is no file or folder at ${given}.`);
  const file = statSync(given).isDirectory() ? join(given, 'sae_weights.safetensors') : given;
  const cfgPath = join(dirname(file), 'cfg.json');
  if (!existsSync(file)) throw new UserError('sae.missing', `${dirname(file)} has no sae_weights.safetensors.`);
  const { tensors } = readSafetensors(readFileSync(file), basename(file));
  let cfg: Partial<SaeLensCfg> = {};
  if (existsSync(cfgPath)) {
    try {
      cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as SaeLensCfg;
    } catch {
      throw new UserError('sae.cfg', `${cfgPath} is not valid JSON.`);
    }
  }
  for (const n of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) {
    if (!tensors[n]) throw new UserError('sae.shape', `${basename(file)} has no ${n} tensor; SAELens' layout has W_enc, b_enc, W_dec and b_dec.`);
  }
  const [d, m] = tensors.W_enc!.shape as [number, number];
  const shapes: [string, number[]][] = [['W_enc', [d, m]], ['b_enc', [m]], ['W_dec', [m, d]], ['b_dec', [d]]];
  for (const [n, want] of shapes) {
    const got = tensors[n]!.shape;
    if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
      throw new UserError('sae.shape', `${n} in ${basename(file)} is ${got.join('×')} but W_enc (${d}×${m}) needs it to be ${want.join('×')}.`);
    }
  }
  if (cfg.d_in !== undefined && cfg.d_in !== d) throw new UserError('sae.shape', `cfg.json says d_in = ${cfg.d_in} but W_enc has ${d} rows.`);
  if (d !== h.dim) {
    throw new UserError('sae.shape', `The SAE reads ${d}-dimensional activations but harvest ${h.id} (${h.tensor}) has ${h.dim} units.`);
  }
  const norm = cfg.normalize_activations;
  if (norm && norm !== 'none') {
    throw new UserError('sae.normalisation', `cfg.json says normalize_activations = "${norm}", whose scale SAELens does not store; export the SAE with the scale folded into its weights.`);
  }
  const topk = cfg.activation_fn_str === 'topk' || cfg.architecture === 'topk';
  const k = cfg.activation_fn_kwargs?.k;
  if (topk && !(typeof k === 'number' && k > 0)) throw new UserError('sae.cfg', 'cfg.json describes a TopK SAE without activation_fn_kwargs.k.');
  const method = topk ? 'sae-topk' : 'sae-l1';
  const params = { nFeatures: m, ...(topk ? { k: k! } : {}), imported: basename(dirname(file)) };
  const state: BasisState = {
    W_enc: tensors.W_enc!,
    b_enc: tensors.b_enc!,
    W_dec: tensors.W_dec!,
    b_dec: tensors.b_dec!,
    norm_scale: { shape: [1], data: new Float32Array([1]) },
  };
  // Loading through the method's own factory proves the tensors form a working SAE before anything is written.
  const basis = basisFactory(method).load(params, 0, state);
  const id = db.transaction(() => {
    const basisId = basesRepo.insertBasis(db, { harvestId: h.id, jobId: null, method, name: p.name ?? `imported ${method} (${basename(dirname(file))})`, params, seed: 0, nFeatures: m, dim: d, status: 'imported' });
    basesRepo.saveBasisTensors(db, basisId, basis.state());
    return basisId;
  })();
  return basisInfo(basesRepo.getBasis(db, id));
}

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

// ----- activations from elsewhere -----

export function importActivations(db: Db, p: Params<'harvests.importNpy'>): HarvestInfo {
  const path = resolve(p.path);
  if (!existsSync(path)) throw new UserError('import.missing', `There is no file at ${path}.`);
  const x = readNpy(readFileSync(path), basename(path));
  if (x.shape.length !== 2) throw new UserError('import.shape', `${basename(path)} is ${x.shape.join('×')}; activations must be a 2-D array of rows × units.`);
  const [rows, dim] = x.shape as [number, number];
  if (rows === 0 || dim === 0) throw new UserError('import.shape', `${basename(path)} is empty (${rows}×${dim}).`);
  let labels: Float32Array | null = null;
  if (p.labelsPath) {
    const lp = resolve(p.labelsPath);
    if (!existsSync(lp)) throw new UserError('import.missing', `There is no labels file at ${lp}.`);
    const l = readNpy(readFileSync(lp), basename(lp));
    if (l.data.length !== rows) throw new UserError('import.labels', `${basename(lp)} has ${l.data.length} labels but the activations have ${rows} rows.`);
    if (!l.data.every((v) => Number.isInteger(v) && v >= 0)) throw new UserError('import.labels', `${basename(lp)} must hold non-negative whole-number labels.`);
    labels = l.data;
  }
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]!)) throw new UserError('import.values', `${basename(path)} holds a non-finite value at row ${Math.floor(i / dim)}, unit ${i % dim}.`);
  }
  const chunkRows = Math.max(1, Math.min(16384, Math.floor((1 << 20) / dim)));
  const id = db.transaction(() => {
    const harvestId = repo.insertHarvest(db, {
      modelId: null,
      stimulusSetId: null,
      jobId: null,
      source: 'import',
      tensor: p.name ?? basename(path),
      tensorShape: [dim],
      positions: 'centre',
      dim,
      rowsPerItem: 1,
      itemsExpected: rows,
      chunkRows,
      params: { importedFrom: path, labelsFrom: p.labelsPath ?? null, dtype: x.dtype },
    });
    for (let start = 0, index = 0; start < rows; start += chunkRows, index++) {
      const n = Math.min(chunkRows, rows - start);
      const meta = new Int32Array(n * 4);
      for (let r = 0; r < n; r++) {
        meta[r * 4] = start + r;
        meta[r * 4 + 1] = labels ? labels[start + r]! : -1;
        meta[r * 4 + 2] = -1;
        meta[r * 4 + 3] = -1;
      }
      commitChunks(db, [{ harvestId, chunkIndex: index, firstRow: start, rowCount: n, data: x.data.subarray(start * dim, (start + n) * dim), meta }]);
    }
    repo.setHarvestStatus(db, harvestId, 'done');
    return harvestId;
  })();
  computeUnitStats(db, id);
  return repo.publicHarvest(repo.getHarvest(db, id));
}
