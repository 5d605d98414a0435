// Lesions (#10): starting sweeps, MSA runs and loss-recovered runs (every cheap check made before anything is
// written), listing runs and reading one back. The jobs themselves live in lesions/jobs.ts.
import type { ElementSelection, LesionRunInfo, LesionsResults, Params } from '../api/contract';
import { UserError } from '../errors';
import type { JobManager } from '../jobs/manager';
import type { JobKind } from '../jobs/types';
import { EXACT_LIMIT } from '../lesions/shapley/exact';
import { elementCount, resolveTarget } from '../lesions/subject';
import { getBasis } from '../store/bases';
import { getLesionRun, insertLesionRun, lesionResults, listLesionRuns, setLesionJob, topFeaturesByMetric, type LesionRunKind, type LesionRunRecord } from '../store/lesions';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

/** Up to this many elements in one MSA (the bound: players of a sampled game). */
const MSA_MAX_ELEMENTS = 256;

function resolveElements(db: Db, basisId: number | null, count: number, sel: ElementSelection, owner: string): number[] {
  if (sel.kind === 'all') return Array.from({ length: count }, (_, i) => i);
  if (sel.kind === 'top') {
    if (basisId === null) throw new UserError('lesions.top-units', 'The top N by a metric are features of a basis; name the units of a harvest as a list.');
    return topFeaturesByMetric(db, basisId, sel.by, sel.n);
  }
  const bad = sel.indices.find((i) => i >= count);
  if (bad !== undefined) throw new UserError('lesions.element', `${owner} has ${count} ${basisId === null ? 'units' : 'features'} (0 to ${count - 1}); ${bad} is out of range.`);
  return [...new Set(sel.indices)];
}

type TargetParams = Params<'lesions.ablate'> | Params<'lesions.shapley'>;

function prepare(db: Db, p: TargetParams): { harvestId: number; basisId: number | null; elements: number[]; owner: string } {
  const { harvest, basisId } = resolveTarget(db, p);
  if (harvest.status !== 'done') throw new UserError('lesions.unfinished', `Harvest ${harvest.id} is ${harvest.status}; lesion a finished harvest.`);
  if (basisId !== null) {
    const rec = getBasis(db, basisId);
    if (rec.status !== 'done' && rec.status !== 'imported') throw new UserError('basis.unfinished', `Basis ${rec.id} is ${rec.status}; only finished bases can be lesioned.`);
  }
  const owner = basisId !== null ? `Basis ${basisId}` : `The layer ${harvest.tensor}`;
  const elements = resolveElements(db, basisId, elementCount(db, harvest, basisId), p.elements, owner);
  if (p.mode === 'clamp' && p.value === undefined) throw new UserError('lesions.clamp-value', 'Clamping needs the value to clamp to (value).');
  if (p.output !== undefined) {
    const outputs = repo.getModel(db, harvest.modelId).outputs.map((o) => o.name);
    if (!outputs.includes(p.output)) throw new UserError('lesions.output', `The model has no output "${p.output}"; its outputs are ${outputs.join(', ')}.`);
  }
  return { harvestId: harvest.id, basisId, elements, owner };
}

function labelled(db: Db, harvestId: number, n: number): boolean {
  const h = repo.getHarvest(db, harvestId);
  return repo.stimulusLabels(db, h.stimulusSetId).slice(0, n).every((l) => l !== null);
}

function start(db: Db, jobs: JobManager, kind: LesionRunKind, jobKind: JobKind, title: string, r: { harvestId: number; basisId: number | null; params: Record<string, unknown>; elements: number[] }) {
  const { runId, jobId } = db.transaction(() => {
    const id = insertLesionRun(db, { kind, ...r });
    const job = repo.insertJob(db, jobKind, title, { runId: id });
    setLesionJob(db, id, job);
    return { runId: id, jobId: job };
  })();
  void jobs.run(jobId);
  return { jobId, runId };
}

const paramsOf = (p: TargetParams): Record<string, unknown> => {
  const { harvestId: _h, basisId: _b, elements: _e, ...rest } = p;
  return rest;
};

export function startSweep(db: Db, jobs: JobManager, p: Params<'lesions.ablate'>): LesionsResults['lesions.ablate'] {
  const t = prepare(db, p);
  if (p.mode === 'steer' && !p.alphas) throw new UserError('lesions.alpha', 'Steering needs the α values to sweep (alphas).');
  const what = `${t.owner} · ${t.elements.length} ${t.basisId === null ? 'unit' : 'feature'}(s) · ${p.mode}`;
  return start(db, jobs, 'sweep', 'lesion-sweep', `Ablation · ${what} · ${p.stimuli} stimuli`, { harvestId: t.harvestId, basisId: t.basisId, params: paramsOf(p), elements: t.elements });
}

export function startShapley(db: Db, jobs: JobManager, p: Params<'lesions.shapley'>): LesionsResults['lesions.shapley'] {
  const t = prepare(db, p);
  if (t.elements.length < 2) throw new UserError('lesions.msa-players', 'An MSA shares an effect among at least two elements; choose more.');
  if (t.elements.length > MSA_MAX_ELEMENTS) throw new UserError('lesions.msa-players', `An MSA takes up to ${MSA_MAX_ELEMENTS} elements (you chose ${t.elements.length}); choose the top ones by a metric.`);
  if (p.method === 'exact' && t.elements.length > EXACT_LIMIT) {
    throw new UserError('SHAPLEY_TOO_MANY', `Exact Shapley values enumerate 2^n coalitions and are limited to ${EXACT_LIMIT} elements (you chose ${t.elements.length}); choose fewer elements or use sampling.`);
  }
  if (p.mode === 'steer') throw new UserError('lesions.msa-steer', 'An MSA lesions the players outside each coalition; steering is not a lesion, so choose zero, mean, resample, project or clamp.');
  if ((p.game === 'accuracy' || p.game === 'loss') && !labelled(db, t.harvestId, p.stimuli)) {
    throw new UserError('lesions.unlabelled', `The ${p.game} game needs labelled stimuli, and the stimulus set of harvest ${t.harvestId} has no labels; use logit:CLASS or a labelled set.`);
  }
  const what = `${t.owner} · ${t.elements.length} elements · v = ${p.game}`;
  return start(db, jobs, 'shapley', 'shapley', `Shapley (MSA) · ${what} · ${p.stimuli} stimuli`, { harvestId: t.harvestId, basisId: t.basisId, params: paramsOf(p), elements: t.elements });
}

export function startLossRecovered(db: Db, jobs: JobManager, p: Params<'lesions.lossRecovered'>): LesionsResults['lesions.lossRecovered'] {
  const { harvest } = resolveTarget(db, { basisId: p.basisId });
  const rec = getBasis(db, p.basisId);
  if (rec.status !== 'done' && rec.status !== 'imported') throw new UserError('basis.unfinished', `Basis ${rec.id} is ${rec.status}; only finished bases can be spliced in.`);
  // room: text (#13 loss recovered) — a named output is checked before the run is written, as ablate's is.
  if (p.output !== undefined) {
    const outputs = repo.getModel(db, harvest.modelId).outputs.map((o) => o.name);
    if (!outputs.includes(p.output)) throw new UserError('lesions.output', `The model has no output "${p.output}"; its outputs are ${outputs.join(', ')}.`);
  }
  const { basisId: _b, ...params } = p;
  return start(db, jobs, 'loss-recovered', 'loss-recovered', `Loss recovered · basis ${rec.id} (${rec.name}) · ${p.stimuli} stimuli`, { harvestId: harvest.id, basisId: rec.id, params, elements: [] });
}

const info = (r: LesionRunRecord): LesionRunInfo => ({ ...r });

export function listRuns(db: Db): LesionsResults['lesions.list'] {
  return listLesionRuns(db).map(info);
}

export function getRun(db: Db, runId: number): LesionsResults['lesions.get'] {
  const run = getLesionRun(db, runId);
  return { run: info(run), results: lesionResults(db, runId) as LesionsResults['lesions.get']['results'] };
}
