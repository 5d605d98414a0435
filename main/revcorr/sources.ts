// Where stimuli and responses come from in a project: a harvest's units (its stimulus set regenerates the stimuli,
// row t of the harvest being stimulus t) or a basis's features (the harvest's rows encoded by the basis: a
// feature's response is its activation). Both become the streams of types.ts, so the estimators never see a database.
import { basisFactory } from '../bases/index';
import type { Basis } from '../bases/types';
import { UserError } from '../errors';
import { openStimulusSource } from '../stimuli/open';
import { readRowRange } from '../store/activations';
import { getBasis, loadBasisTensors } from '../store/bases';
import type { Db } from '../store/project';
import { getHarvest, getStimulusSet, type HarvestRecord } from '../store/repo';
import type { ResponseStream, StimulusStream } from './types';

/** The harvest behind a reverse correlation, checked: finished, one row per stimulus, a stimulus set to replay. */
export function mappableHarvest(db: Db, harvestId: number): HarvestRecord {
  const h = getHarvest(db, harvestId);
  if (h.source !== 'model' || !h.stimulusSetId) throw new UserError('revcorr.imported-harvest', `Harvest ${h.id} was imported without its stimuli, so its units cannot be mapped; harvest the model over stimuli instead.`);
  if (h.rowsPerItem !== 1) throw new UserError('revcorr.positions', `Harvest ${h.id} has ${h.rowsPerItem} rows per stimulus (every position of a conv map); map units of a harvest recorded at the centre position or the spatial mean.`);
  if (h.rowsDone !== h.rowsExpected || h.rowsDone === 0) throw new UserError('revcorr.unfinished', `Harvest ${h.id} is ${h.status} with ${h.rowsDone} of ${h.rowsExpected} rows; finish it (run the same harvest command again) before mapping its units.`);
  return h;
}

export async function harvestStimulusStream(db: Db, h: HarvestRecord): Promise<StimulusStream> {
  const set = getStimulusSet(db, h.stimulusSetId);
  const source = await openStimulusSource(set.spec);
  const count = h.rowsDone;
  if (source.count < count) throw new UserError('revcorr.stimuli-changed', `The stimulus set of harvest ${h.id} now has ${source.count} items but the harvest has ${count} rows; it cannot be replayed.`);
  const dim = source.itemShape.reduce((a, b) => a * b, 1);
  return { count, itemShape: [...source.itemShape], dim, read: (start, rows) => source.batch(start, rows) };
}

/** Rows start..start+rows−1 of a harvest (rows × dim); the SQL lives in the store. */
function harvestRows(db: Db, h: HarvestRecord, start: number, rows: number): Float32Array {
  return readRowRange(db, h.id, start, rows, h.dim);
}

function checkIndices(list: number[], size: number, what: string, owner: string): void {
  if (list.length === 0) throw new UserError('revcorr.no-units', `Name at least one ${what} to map.`);
  const bad = list.find((u) => !Number.isInteger(u) || u < 0 || u >= size);
  if (bad !== undefined) throw new UserError('revcorr.unit-range', `${owner} has ${size} ${what}s (0 to ${size - 1}); ${bad} is out of range.`);
}

export function harvestResponseStream(db: Db, h: HarvestRecord, units: number[]): ResponseStream {
  checkIndices(units, h.dim, 'unit', `Harvest ${h.id}`);
  return {
    count: h.rowsDone,
    units: units.length,
    unitNames: units.map((u) => `unit ${u}`),
    ordering: 'independent',
    read: async (start, rows) => {
      const x = harvestRows(db, h, start, rows);
      const out = new Float32Array(units.length * rows);
      units.forEach((u, i) => {
        for (let j = 0; j < rows; j++) out[i * rows + j] = x[j * h.dim + u]!;
      });
      return out;
    },
  };
}

export function loadStoredBasis(db: Db, basisId: number): Basis {
  const rec = getBasis(db, basisId);
  if (rec.status !== 'done' && rec.status !== 'imported') throw new UserError('basis.unfinished', `Basis ${rec.id} is ${rec.status}; only finished bases can be used.`);
  return basisFactory(rec.method).load(rec.params, rec.seed, loadBasisTensors(db, rec.id));
}

/** Features of a basis fitted to harvest h, as responses: the harvest's rows encoded, block by block. */
export function basisResponseStream(db: Db, h: HarvestRecord, basis: Basis, basisId: number, features: number[]): ResponseStream {
  checkIndices(features, basis.nFeatures, 'feature', `Basis ${basisId}`);
  if (basis.dim !== h.dim) throw new UserError('revcorr.basis-dim', `Basis ${basisId} reads ${basis.dim} units but harvest ${h.id} has ${h.dim}; use a harvest of the layer the basis was fitted to.`);
  const m = basis.nFeatures;
  return {
    count: h.rowsDone,
    units: features.length,
    unitNames: features.map((f) => `feature ${f}`),
    ordering: 'independent',
    read: async (start, rows) => {
      const f = await basis.encode(harvestRows(db, h, start, rows), rows);
      const out = new Float32Array(features.length * rows);
      features.forEach((k, i) => {
        for (let j = 0; j < rows; j++) out[i * rows + j] = f[j * m + k]!;
      });
      return out;
    },
  };
}
