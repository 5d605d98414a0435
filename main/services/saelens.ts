// SAELens interop: export a Cajal SAE as `sae_weights.safetensors` + `cfg.json` in SAELens' layout, and import one
// trained elsewhere. An import is refused, with nothing written, unless Cajal computes exactly what SAELens would:
// the "standard" (ReLU), "topk", "jumprelu" and "gated" architectures, SAELens' run-time row normalisations (constant_norm_rescale,
// layer_norm: bases/row-norm.ts) reproduced row by row, and no dataset-wide input factor it did not write.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BasisInfo, Params } from '../api/contract';
import { basisFactory } from '../bases/index';
import { saeLensArchTensors } from '../bases/sae-saelens-arch';
import type { BasisState, NamedTensor } from '../bases/types';
import { UserError } from '../errors';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import type { RowNorm } from '../bases/row-norm'; // h12norm

interface SaeLensCfg {
  d_in?: number;
  d_sae?: number;
  architecture?: string;
  /** SAELens ≥ 6: TopK's k. */
  k?: number;
  /** SAELens < 6: "relu" or "topk", with k in activation_fn_kwargs. */
  activation_fn_str?: string;
  activation_fn_kwargs?: { k?: number };
  apply_b_dec_to_input?: boolean;
  normalize_activations?: string | null;
  finetuning_scaling_factor?: boolean;
  rescale_acts_by_decoder_norm?: boolean;
  [key: string]: unknown;
}

/**
 * Writes `sae_weights.safetensors` and `cfg.json` as SAELens lays them out. Cajal trains on inputs scaled to a fixed
 * mean norm; that scale is folded into the exported weights, so the file works on raw activations
 * (normalize_activations = "none") and nobody downstream can lose it — the pitfall SAELens' trackers report.
 */
export async function exportSae(db: Db, p: Params<'bases.exportSae'>): Promise<{ dir: string; files: string[] }> {
  const rec = basesRepo.getBasis(db, p.basisId);
  const saeMethods = ['sae-l1', 'sae-topk', 'sae-batchtopk', 'sae-matryoshka', 'sae-jumprelu', 'sae-gated']; // h12jg: jumprelu, gated
  if (!saeMethods.includes(rec.method)) {
    throw new UserError('basis.not-sae', `Basis ${p.basisId} is ${rec.method}, not a sparse autoencoder; export its directions as .npy instead.`);
  }
  const state = basesRepo.loadBasisTensors(db, p.basisId);
  const arch = rec.params.importedArchitecture;
  if (arch === 'jumprelu' || arch === 'gated') return writeSaeLens(p.dir, exportArchTensors(p.basisId, arch, state), exportCfg(db, rec, arch, {}));
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
  if (rec.method === 'sae-batchtopk' || rec.method === 'sae-matryoshka') {
    // #12: as SAELens saves a BatchTopK (or Matryoshka BatchTopK) SAE for inference: JumpReLU with the one threshold on every latent. The input
    // scale folds into W_enc and b_dec only, so pre-activations, and with them the threshold, are unchanged.
    const th = need('threshold').data[0]!;
    const threshold = { shape: [rec.nFeatures], data: new Float32Array(rec.nFeatures).fill(th) };
    return writeSaeLens(p.dir, { ...tensors, threshold }, exportCfg(db, rec, 'jumprelu', {}, s));
  }
  // h12jg: a trained JumpReLU or Gated SAE in its SAELens architecture. The input scale folds into W_enc (and the
  // decoder) only, so every pre-activation — and with them θ, b_gate, r_mag and b_mag — is unchanged.
  if (rec.method === 'sae-jumprelu') {
    const threshold = { shape: [rec.nFeatures], data: need('log_threshold').data.map((v) => Math.exp(v)) };
    return writeSaeLens(p.dir, { W_enc: tensors.W_enc, b_enc: tensors.b_enc, threshold, W_dec: tensors.W_dec, b_dec: tensors.b_dec }, exportCfg(db, rec, 'jumprelu', {}, s));
  }
  if (rec.method === 'sae-gated') {
    const gated = { W_enc: tensors.W_enc, b_gate: tensors.b_enc, r_mag: need('r_mag'), b_mag: need('b_mag'), W_dec: tensors.W_dec, b_dec: tensors.b_dec };
    return writeSaeLens(p.dir, gated, exportCfg(db, rec, 'gated', {}, s));
  }
  const topk = rec.method === 'sae-topk';
  const k = Number(rec.params.k);
  // k twice: SAELens ≥ 6 reads the top-level field, earlier versions activation_fn_kwargs.
  const extra = topk ? { k, activation_fn_str: 'topk', activation_fn_kwargs: { k } } : { activation_fn_str: 'relu' };
  return writeSaeLens(p.dir, tensors, exportCfg(db, rec, topk ? 'topk' : 'standard', extra, s));
}

/** h12: an imported JumpReLU or Gated SAE is written back with exactly the tensors it was stored with. */
function exportArchTensors(basisId: number, arch: 'jumprelu' | 'gated', state: BasisState): Record<string, NamedTensor> {
  const [d, m] = state.W_enc?.shape ?? [];
  if (d === undefined || m === undefined) throw new UserError('basis.incomplete', `Basis ${basisId} has no W_enc tensor.`);
  const out: Record<string, NamedTensor> = {};
  for (const [n] of saeLensArchTensors(arch, d, m)) {
    const t = state[n];
    if (!t) throw new UserError('basis.incomplete', `Basis ${basisId} has no ${n} tensor, which a ${arch} SAE needs.`);
    out[n] = t;
  }
  return out;
}

function exportCfg(db: Db, rec: ReturnType<typeof basesRepo.getBasis>, architecture: string, extra: Record<string, unknown>, scale = 1): SaeLensCfg {
  const h = repo.getHarvest(db, rec.harvestId);
  return {
    d_in: rec.dim,
    d_sae: rec.nFeatures,
    architecture,
    ...extra,
    apply_b_dec_to_input: true,
    // h12norm: an SAE imported with a run-time row normalisation leaves with it (trained SAEs have none)
    normalize_activations: typeof rec.params.rowNorm === 'string' ? rec.params.rowNorm : 'none',
    dtype: 'float32',
    device: 'cpu',
    model_name: h.modelName,
    hook_name: h.tensor,
    hook_layer: 0,
    // The stored params are the resolved set (every default the fit used), so this is the full training recipe.
    // They keep Cajal's names: SAELens' own training fields (l1_coefficient, lr, …) carry its own loss definitions.
    cajal: { basisId: rec.id, method: rec.method, params: rec.params, seed: rec.seed, input_scale_folded_into_weights: scale, positions: h.positions },
  };
}

function writeSaeLens(dirGiven: string, tensors: Record<string, NamedTensor>, cfg: SaeLensCfg): { dir: string; files: string[] } {
  const dir = resolve(dirGiven);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sae_weights.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  writeFileSync(join(dir, 'cfg.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  return { dir, files: ['sae_weights.safetensors', 'cfg.json'] };
}

/** What Cajal makes of a cfg.json: which of its SAEs computes the same function, or a refusal. */
export interface SaeLensReading {
  method: 'sae-l1' | 'sae-topk';
  architecture: 'standard' | 'topk' | 'jumprelu' | 'gated';
  k: number | null;
  /** False: SAELens encodes x, not x − b_dec (see foldBDecIntoBEnc). */
  applyBDecToInput: boolean;
  /** h12norm: SAELens' run-time row normalisation (bases/row-norm.ts), 'none' for most SAEs. */
  rowNorm: RowNorm;
}

const NORMALISATION_REFUSALS: Record<string, string> = {
  expected_average_only_in:
    'SAELens scales inputs by a dataset-wide factor that it does not write into cfg.json; fold it into the weights in SAELens (fold_activation_norm_scaling_factor) and save again',
};

/** Reads cfg.json's description of the SAE; throws a one-sentence UserError for anything Cajal cannot honour. */
export function readSaeLensCfg(raw: unknown, label: string): SaeLensReading {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError('sae.cfg', `${label} is not a JSON object.`);
  const cfg = raw as SaeLensCfg;
  // SAELens before version 3 wrote no architecture field; those SAEs were all the standard ReLU kind.
  const arch = cfg.architecture ?? 'standard';
  if (arch !== 'standard' && arch !== 'topk' && arch !== 'jumprelu' && arch !== 'gated') {
    throw new UserError('sae.architecture', `${label} says architecture = "${String(arch)}", which Cajal does not implement; it imports SAELens' "standard" (ReLU), "topk", "jumprelu" and "gated" SAEs.`);
  }
  const act = cfg.activation_fn_str;
  if (act !== undefined && act !== 'relu' && act !== 'topk') {
    throw new UserError('sae.architecture', `${label} says activation_fn_str = "${String(act)}", which Cajal does not implement; it imports ReLU and TopK SAEs.`);
  }
  if (arch === 'topk' && act === 'relu') throw new UserError('sae.cfg', `${label} says architecture = "topk" but activation_fn_str = "relu"; it cannot be both.`);
  const topk = arch === 'topk' || act === 'topk';
  const norm = cfg.normalize_activations ?? 'none';
  // h12norm: the two run-time modes are reproduced row by row (bases/row-norm.ts); a dataset-wide factor SAELens did not write cannot be.
  const rowNorm: RowNorm = norm === 'constant_norm_rescale' || norm === 'layer_norm' ? norm : 'none';
  if (norm !== 'none' && rowNorm === 'none') {
    const why = NORMALISATION_REFUSALS[norm] ?? 'Cajal knows no such normalisation';
    throw new UserError('sae.normalisation', `${label} says normalize_activations = "${norm}": ${why}.`);
  }
  if (cfg.finetuning_scaling_factor === true) {
    throw new UserError('sae.cfg', `${label} says finetuning_scaling_factor = true: SAELens scales each feature by a learned factor that Cajal does not apply.`);
  }
  if (cfg.rescale_acts_by_decoder_norm === true) {
    throw new UserError('sae.cfg', `${label} says rescale_acts_by_decoder_norm = true: SAELens scales each feature by its decoder norm, which Cajal does not do.`);
  }
  const k = topk ? (cfg.k ?? cfg.activation_fn_kwargs?.k) : undefined;
  if (topk && !(typeof k === 'number' && Number.isInteger(k) && k > 0)) {
    throw new UserError('sae.cfg', `${label} describes a TopK SAE without a positive whole-number k (SAELens writes it as k or activation_fn_kwargs.k).`);
  }
  const apply = cfg.apply_b_dec_to_input ?? true;
  if (typeof apply !== 'boolean') throw new UserError('sae.cfg', `${label} says apply_b_dec_to_input = ${JSON.stringify(apply)}; it must be true or false.`);
  const architecture = arch === 'jumprelu' || arch === 'gated' ? arch : topk ? 'topk' : 'standard';
  return { method: topk ? 'sae-topk' : 'sae-l1', architecture, k: topk ? k! : null, applyBDecToInput: apply, rowNorm };
}

/**
 * Cajal's encoder always computes (x − b_dec)·W_enc + b_enc. An SAE saved with apply_b_dec_to_input = false encodes
 * x·W_enc + b_enc instead (its decoder still adds b_dec). Since x·W_enc + b_enc = (x − b_dec)·W_enc + (b_enc +
 * b_dec·W_enc), replacing b_enc by b_enc + b_dec·W_enc (summed in float64) gives identical pre-activations, hence
 * identical ReLU and TopK codes, and leaves W_enc, W_dec and b_dec as they are.
 */
export function foldBDecIntoBEnc(wEnc: NamedTensor, bEnc: NamedTensor, bDec: NamedTensor): NamedTensor {
  const [d, m] = wEnc.shape as [number, number];
  const out = new Float32Array(m);
  for (let j = 0; j < m; j++) {
    let s = bEnc.data[j]!;
    for (let i = 0; i < d; i++) s += bDec.data[i]! * wEnc.data[i * m + j]!;
    out[j] = s;
  }
  return { shape: [m], data: out };
}

/**
 * h12: the same fold for JumpReLU and Gated. JumpReLU's pre-activation is the standard one; Gated reads x·W_enc twice,
 * so with c = b_dec·W_enc the gate bias becomes b_gate + c and the magnitude bias b_mag + c·exp(r_mag).
 */
function foldedArchState(arch: 'jumprelu' | 'gated', t: Record<string, NamedTensor>, folded: boolean): BasisState {
  const state: BasisState = { ...t };
  if (!folded) return state;
  if (arch === 'jumprelu') {
    state.b_enc = foldBDecIntoBEnc(t.W_enc!, t.b_enc!, t.b_dec!);
    return state;
  }
  const m = t.W_enc!.shape[1]!;
  const c = foldBDecIntoBEnc(t.W_enc!, { shape: [m], data: new Float32Array(m) }, t.b_dec!).data;
  state.b_gate = { shape: [m], data: t.b_gate!.data.map((b, j) => b + c[j]!) };
  state.b_mag = { shape: [m], data: t.b_mag!.data.map((b, j) => b + c[j]! * Math.exp(t.r_mag!.data[j]!)) };
  return state;
}

function readCfgFile(cfgPath: string): unknown {
  if (!existsSync(cfgPath)) return {};
  try {
    return JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch {
    throw new UserError('sae.cfg', `${cfgPath} is not valid JSON.`);
  }
}

/** What an import will store, decided from cfg.json and the tensors' names and shapes alone (h18imp: no data read). */
export interface SaeImportPlan {
  harvestId: number;
  file: string;
  reading: SaeLensReading;
  method: 'sae-l1' | 'sae-topk';
  d: number;
  m: number;
  /** The tensors the SAE's architecture has, in SAELens' order. */
  wanted: string[];
  /** b_dec is folded into the encoder's biases (apply_b_dec_to_input = false). */
  folded: boolean;
  params: Record<string, unknown>;
  name: string;
}

/**
 * The checks of an import, on the file's tensor shapes: every refusal is one sentence and comes before anything is
 * written. `shapeOf` names the shape of each tensor in the file (from its header or from the tensors read).
 */
export function planSaeImport(db: Db, p: Params<'bases.importSae'>, shapesOf: (file: string) => Record<string, number[]>): SaeImportPlan {
  const h = repo.getHarvest(db, p.harvestId);
  const given = resolve(p.path);
  if (!existsSync(given)) throw new UserError('sae.missing', `There is no file or folder at ${given}.`);
  const file = statSync(given).isDirectory() ? join(given, 'sae_weights.safetensors') : given;
  const cfgPath = join(dirname(file), 'cfg.json');
  if (!existsSync(file)) throw new UserError('sae.missing', `${dirname(file)} has no sae_weights.safetensors.`);
  // The configuration first: a gated or JumpReLU SAE is refused for what it is, not for a tensor it lacks.
  const cfg = readCfgFile(cfgPath) as SaeLensCfg;
  const reading = readSaeLensCfg(cfg, existsSync(cfgPath) ? cfgPath : 'The SAE (no cfg.json, read as SAELens defaults)');
  const tensors = shapesOf(file);
  const arch = reading.architecture;
  const wEnc = tensors.W_enc;
  if (!wEnc || wEnc.length !== 2) throw new UserError('sae.shape', `${basename(file)} has no two-dimensional W_enc tensor, which every SAELens SAE has.`);
  const [d, m] = wEnc as [number, number];
  // h12: each architecture's own tensor list (JumpReLU's threshold, Gated's b_gate/r_mag/b_mag).
  const shapes: [string, number[]][] = arch === 'jumprelu' || arch === 'gated' ? saeLensArchTensors(arch, d, m) : [['W_enc', [d, m]], ['b_enc', [m]], ['W_dec', [m, d]], ['b_dec', [d]]];
  const wanted = shapes.map(([n]) => n);
  for (const n of wanted) {
    if (!tensors[n]) throw new UserError('sae.shape', `${basename(file)} has no ${n} tensor; SAELens' ${arch} layout has ${wanted.join(', ')}.`);
  }
  // Anything else (a finetuning scale, …) would change the SAE's function if honoured.
  const extra = Object.keys(tensors).filter((n) => !wanted.includes(n));
  if (extra.length) {
    throw new UserError('sae.shape', `${basename(file)} also holds ${extra.join(', ')}, which a ${arch} SAE does not have; Cajal would ignore it and compute another function.`);
  }
  for (const [n, want] of shapes) {
    const got = tensors[n]!;
    if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
      throw new UserError('sae.shape', `${n} in ${basename(file)} is ${got.join('×')} but W_enc (${d}×${m}) needs it to be ${want.join('×')}.`);
    }
  }
  if (cfg.d_in !== undefined && cfg.d_in !== d) throw new UserError('sae.shape', `cfg.json says d_in = ${cfg.d_in} but W_enc has ${d} rows.`);
  if (cfg.d_sae !== undefined && cfg.d_sae !== m) throw new UserError('sae.shape', `cfg.json says d_sae = ${cfg.d_sae} but W_enc has ${m} columns.`);
  if (reading.k !== null && reading.k > m) throw new UserError('sae.cfg', `cfg.json says k = ${reading.k} but the SAE has only ${m} latents.`);
  if (d !== h.dim) {
    throw new UserError('sae.shape', `The SAE reads ${d}-dimensional activations but harvest ${h.id} (${h.tensor}) has ${h.dim} units.`);
  }
  const { method } = reading;
  const folded = !reading.applyBDecToInput;
  const params = {
    nFeatures: m,
    ...(reading.k !== null ? { k: reading.k } : {}),
    imported: basename(dirname(file)),
    importedArchitecture: reading.architecture,
    ...(folded ? { importedBDecFoldedIntoBEnc: true } : {}),
    ...(reading.rowNorm !== 'none' ? { rowNorm: reading.rowNorm } : {}), // h12norm
  };
  const name = p.name ?? `imported ${method} (${basename(dirname(file))})`;
  return { harvestId: h.id, file, reading, method, d, m, wanted, folded, params, name };
}

/**
 * Reads an SAELens SAE (a folder with sae_weights.safetensors + cfg.json, or the .safetensors file beside cfg.json)
 * whole, in memory. h18imp: the lab imports in blocks as a job (services/sae-import.ts); this whole-file path is the
 * reference that import is tested against (same stored tensors).
 */
export async function importSae(db: Db, p: Params<'bases.importSae'>): Promise<BasisInfo> {
  let tensors: Record<string, NamedTensor> = {};
  const plan = planSaeImport(db, p, (file) => {
    tensors = readSafetensors(readFileSync(file), basename(file)).tensors;
    return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, t.shape]));
  });
  const { method, folded, params, m, d } = plan;
  const arch = plan.reading.architecture;
  const state: BasisState =
    arch === 'jumprelu' || arch === 'gated'
      ? foldedArchState(arch, tensors, folded)
      : {
          W_enc: tensors.W_enc!,
          b_enc: folded ? foldBDecIntoBEnc(tensors.W_enc!, tensors.b_enc!, tensors.b_dec!) : tensors.b_enc!,
          W_dec: tensors.W_dec!,
          b_dec: tensors.b_dec!,
          norm_scale: { shape: [1], data: new Float32Array([1]) },
        };
  // Loading through the method's own factory proves the tensors form a working SAE before anything is written.
  const basis = basisFactory(method).load(params, 0, state);
  const id = db.transaction(() => {
    const basisId = basesRepo.insertBasis(db, { harvestId: plan.harvestId, jobId: null, method, name: plan.name, params, seed: 0, nFeatures: m, dim: d, status: 'imported' });
    basesRepo.saveBasisTensors(db, basisId, basis.state());
    return basisId;
  })();
  const rec = basesRepo.getBasis(db, id);
  return { ...rec, method, status: 'imported', quality: null };
}
