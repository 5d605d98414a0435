// `cajal revcorr` (#11): map receptive fields of a harvest's units or a basis's features. With --stimuli the layer
// is first harvested again over the mapping stimuli (same model, tensor and position), then reverse-correlated;
// everything goes through the router, so the CLI validates as the UI does.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { RevcorrResults } from '../api/schemas/revcorr';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { writeNpy } from '../io/npy';
import { Lab } from '../services/lab';
import { getBasis } from '../store/bases';
import { getRecording } from '../store/recordings'; // recordings (#11 item 4)
import * as repo from '../store/repo';
import { defaultRecipeForInput } from '../stimuli/recipe';
import { parseStimulusSpec } from '../stimuli/parse';
import { noiseGeneratorFromFlag, noiseGeneratorOptions, noiseGeneratorUsage, withNoiseGenerator } from './noise-generator-flag';
import { formatTable, out, progressPrinter } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

/** "0-3,7" → [0, 1, 2, 3, 7]. */
export function parseIndexList(text: string, flag: string): number[] {
  const list: number[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new UserError('cli.usage', `--${flag} takes indices and ranges like 0-3,7, not ${text}.`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) list.push(i);
    if (list.length > 4096) throw new UserError('cli.usage', `--${flag} names more than 4,096 indices; map fewer at once.`);
  }
  return list;
}

function parseTransform(text: string | undefined): { kind: 'raw' } | { kind: 'rectified' } | { kind: 'threshold'; value: number } | undefined {
  if (text === undefined) return undefined;
  if (text === 'raw' || text === 'rectified') return { kind: text };
  const m = /^threshold:(-?[\d.eE+-]+)$/.exec(text);
  if (m && Number.isFinite(Number(m[1]))) return { kind: 'threshold', value: Number(m[1]) };
  throw new UserError('cli.usage', `--responses takes raw, rectified or threshold:VALUE, not ${text}.`);
}

const revcorr = {
  usage: `cajal revcorr --project FILE (--harvest H --units LIST | --basis B --features LIST) --estimator sta|ridge|stc
              [--stimuli noise:white|noise:sparse|noise:pink|mnist|folder:P] [--count N] [--responses raw|rectified|threshold:V]
              [--nulls N] [--seed S] [--noise-generator 1|2] [--out filters.npy] [--json]
       cajal revcorr --project FILE --recording R --cells LIST --estimator sta|ridge|stc [--lags L] …
  Maps receptive fields by reverse correlation: the spike-triggered average (sta), the ridge-regularised linear
  receptive field with λ by cross-validation (ridge), or spike-triggered covariance with nested significance (stc).
  --stimuli   harvest the same layer again over these mapping stimuli first (default: the harvest's own stimuli)
  --count N   number of mapping stimuli for noise (default 20000)
${noiseGeneratorUsage(14)}
  --out F     the filters as a float32 .npy of shape [units, ...stimulus shape]
  --recording R --cells LIST   map cells of an imported recording over its own frames
  --lags L    recordings only: the last L frames per time bin; prints each cell's temporal peak (rank-1 SVD)
  Every fifth stimulus is held out: ridge's cross-validation and the LN model's explained variance use it.`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    harvest: { type: 'string' },
    units: { type: 'string' },
    basis: { type: 'string' },
    features: { type: 'string' },
    estimator: { type: 'string' },
    stimuli: { type: 'string' },
    count: { type: 'string' },
    responses: { type: 'string' },
    nulls: { type: 'string' },
    seed: { type: 'string' },
    lags: { type: 'string' },
    recording: { type: 'string' }, // recordings (#11 item 4)
    cells: { type: 'string' },
    out: { type: 'string' },
    ...noiseGeneratorOptions, // #14
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    const estimator = v.estimator as string | undefined;
    if (!estimator || !['sta', 'ridge', 'stc'].includes(estimator)) throw new UserError('cli.usage', `--estimator takes sta, ridge or stc${estimator ? `, not ${estimator}` : ''}.`);
    // recordings (#11 item 4): a recording's cells map over its own frames, with lags.
    if (v.recording !== undefined) return runRecording(v, estimator);
    if (v.lags !== undefined && Number(v.lags) !== 1) throw new UserError('cli.usage', '--lags applies to recorded neurons (frames in time); a network\'s stimuli are independent images, so map them without lags.');
    const byBasis = v.basis !== undefined;
    if (byBasis === (v.harvest !== undefined)) throw new UserError('cli.usage', 'Name either --harvest H with --units, or --basis B with --features.');
    if (byBasis ? v.features === undefined : v.units === undefined) throw new UserError('cli.usage', byBasis ? '--basis needs --features LIST.' : '--harvest needs --units LIST.');
    const json = Boolean(v.json);
    const transform = parseTransform(v.responses as string | undefined);
    const count = v.count === undefined ? 20000 : Number(v.count);
    if (!Number.isInteger(count) || count < 25) throw new UserError('cli.usage', `--count takes a whole number of at least 25, not ${String(v.count)}.`);
    const generator = noiseGeneratorFromFlag(v); // #14
    if (generator !== undefined && typeof v.stimuli !== 'string') throw new UserError('cli.usage', '--noise-generator applies to the mapping stimuli; give them with --stimuli noise:white or noise:pink.');
    const lab = new Lab(json ? () => undefined : progressPrinter(), {});
    lab.openProject({ path: resolve(v.project), create: false });
    const router = createRouter(lab, 'direct');
    const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
    try {
      const db = lab.database;
      const basisId = byBasis ? Number(v.basis) : undefined;
      let harvestId = byBasis ? getBasis(db, basisId!).harvestId : Number(v.harvest);
      const h = repo.getHarvest(db, harvestId);
      // Indices are checked before a mapping harvest is made, so a typo writes nothing.
      const indices = parseIndexList((byBasis ? v.features : v.units) as string, byBasis ? 'features' : 'units');
      const size = byBasis ? getBasis(db, basisId!).nFeatures : h.dim;
      const bad = indices.find((i) => i >= size);
      if (bad !== undefined) throw new UserError('revcorr.unit-range', `${byBasis ? `Basis ${basisId}` : `Harvest ${h.id}`} has ${size} ${byBasis ? 'features' : 'units'} (0 to ${size - 1}); ${bad} is out of range.`);
      if (typeof v.stimuli === 'string') {
        if (h.source !== 'model') throw new UserError('revcorr.imported-harvest', `Harvest ${h.id} was imported, so there is no model to show new stimuli to.`);
        const model = repo.getModel(db, h.modelId);
        const input = model.inspection.inputs[0]!;
        const spec = parseStimulusSpec(v.stimuli, defaultRecipeForInput(input.shape ?? [], input.dtype ?? 'float32', input.name), {
          count: v.stimuli.startsWith('noise') ? count : undefined,
          itemShape: (input.shape ?? []).slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : 1)),
          seed: v.seed === undefined ? undefined : Number(v.seed),
        });
        const set = await call<{ id: number }>('stimuli.create', { spec: withNoiseGenerator(spec, generator, v.stimuli) });
        if (set.id !== h.stimulusSetId) {
          const started = await call<{ jobId: number; harvestIds: number[] }>('harvests.start', { modelId: h.modelId, stimulusSetId: set.id, tensors: [h.tensor], positions: h.positions === 'all' ? 'centre' : h.positions });
          const job = await lab.jobs.wait(started.jobId);
          if (!json) process.stderr.write('\n');
          if (job.status !== 'done') throw new UserError(`harvest.${job.status}`, job.error ?? `The mapping harvest ${job.status}.`);
          harvestId = started.harvestIds[0]!;
        }
      }
      const params: Record<string, unknown> = { harvestId, estimator };
      if (byBasis) Object.assign(params, { basisId, features: indices });
      else params.units = indices;
      if (transform) params.transform = transform;
      if (v.nulls !== undefined) params.nulls = Number(v.nulls);
      if (v.seed !== undefined) params.seed = Number(v.seed);
      const { jobId, runId } = await call<RevcorrResults['revcorr.start']>('revcorr.start', params);
      const job = await lab.jobs.wait(jobId);
      if (!json) process.stderr.write('\n');
      if (job.status !== 'done') throw new UserError(`revcorr.${job.status}`, job.error ?? `The receptive-field run ${job.status}.`);
      const { run, results } = await call<RevcorrResults['revcorr.get']>('revcorr.get', { runId });
      let outPath: string | null = null;
      if (typeof v.out === 'string') {
        outPath = resolve(v.out);
        const d = results[0]?.filter.length ?? 0;
        const data = new Float32Array(results.length * d);
        results.forEach((r, i) => data.set(r.filter, i * d));
        writeFileSync(outPath, writeNpy(data, [results.length, ...run.itemShape]));
      }
      const rows = results.map((r) => {
        const nl = r.detail.nonlinearity as { heldOutEv: number } | undefined;
        const stc = r.detail.stc as { axes: { sign: string; value: number }[] } | undefined;
        return { unit: r.unit, name: r.name, heldOutEv: nl?.heldOutEv ?? null, lambda: (r.detail.lambda as number | undefined) ?? null, stcAxes: stc ? stc.axes.map((a) => ({ sign: a.sign, value: a.value })) : null, note: (r.detail.note as string | null) ?? null };
      });
      if (json) out({ ok: true, runId, jobId, harvestId, basisId: basisId ?? null, estimator, itemShape: run.itemShape, out: outPath, units: rows });
      else {
        process.stdout.write(`receptive fields: run ${runId} · ${estimator} · harvest ${harvestId}${byBasis ? ` · basis ${basisId}` : ''}\n`);
        process.stdout.write(formatTable(['unit', 'name', 'LN EV (held out)', 'λ', 'STC axes', 'note'], rows.map((r) => [String(r.unit), r.name, r.heldOutEv === null ? '—' : r.heldOutEv.toFixed(3), r.lambda === null ? '—' : r.lambda.toExponential(1), r.stcAxes ? r.stcAxes.map((a) => `${a.sign[0]}${a.value.toFixed(2)}`).join(' ') || 'none' : '—', r.note ?? ''])));
        if (outPath) process.stdout.write(`filters written to ${outPath}\n`);
      }
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

/** recordings (#11 item 4): `--recording R --cells LIST [--lags L]`, printed with each cell's temporal peak. */
async function runRecording(v: Record<string, unknown>, estimator: string): Promise<number> {
  if (v.harvest !== undefined || v.basis !== undefined || v.stimuli !== undefined) throw new UserError('cli.usage', '--recording maps cells over the recording\'s own frames; leave out --harvest, --basis and --stimuli.');
  if (typeof v.cells !== 'string') throw new UserError('cli.usage', '--recording needs --cells LIST.');
  const lags = v.lags === undefined ? 1 : Number(v.lags);
  if (!Number.isInteger(lags) || lags < 1 || lags > 64) throw new UserError('cli.usage', `--lags takes a whole number from 1 to 64, not ${String(v.lags)}.`);
  const json = Boolean(v.json);
  const lab = new Lab(json ? () => undefined : progressPrinter(), {});
  lab.openProject({ path: resolve(v.project as string), create: false });
  const router = createRouter(lab, 'direct');
  try {
    const rec = getRecording(lab.database, Number(v.recording));
    const params: Record<string, unknown> = { harvestId: rec.harvestId, units: parseIndexList(v.cells, 'cells'), estimator, lags };
    const transform = parseTransform(v.responses as string | undefined);
    if (transform) params.transform = transform;
    if (v.nulls !== undefined) params.nulls = Number(v.nulls);
    if (v.seed !== undefined) params.seed = Number(v.seed);
    const { jobId, runId } = (await router.call('revcorr.start', params)) as RevcorrResults['revcorr.start'];
    const job = await lab.jobs.wait(jobId);
    if (!json) process.stderr.write('\n');
    if (job.status !== 'done') throw new UserError(`revcorr.${job.status}`, job.error ?? `The receptive-field run ${job.status}.`);
    const { run, results } = (await router.call('revcorr.get', { runId })) as RevcorrResults['revcorr.get'];
    let outPath: string | null = null;
    if (typeof v.out === 'string') {
      outPath = resolve(v.out);
      const d = results[0]?.filter.length ?? 0;
      const data = new Float32Array(results.length * d);
      results.forEach((r, i) => data.set(r.filter, i * d));
      writeFileSync(outPath, writeNpy(data, [results.length, ...run.itemShape]));
    }
    const cells = results.map((r) => {
      const st = r.detail.spatioTemporal as { peakLag: number; separability: number; temporal: number[] } | undefined;
      const nl = r.detail.nonlinearity as { heldOutEv: number } | undefined;
      return { cell: r.unit, peakLag: st?.peakLag ?? null, peakMs: st ? (st.peakLag * 1000) / rec.frameRate : null, separability: st?.separability ?? null, temporal: st?.temporal ?? null, heldOutEv: nl?.heldOutEv ?? null, note: (r.detail.note as string | null) ?? null };
    });
    if (json) out({ ok: true, runId, jobId, recordingId: rec.id, harvestId: rec.harvestId, estimator, lags, itemShape: run.itemShape, out: outPath, cells });
    else {
      process.stdout.write(`receptive fields: run ${runId} · ${estimator} · recording ${rec.id} (${rec.name}) · ${lags} lag(s) of ${(1000 / rec.frameRate).toFixed(1)} ms\n`);
      process.stdout.write(formatTable(['cell', 'peak lag', 'peak (ms)', 'rank-1 share', 'temporal kernel (lag 0 →)', 'LN EV (held out)', 'note'], cells.map((c) => [String(c.cell), c.peakLag === null ? '—' : String(c.peakLag), c.peakMs === null ? '—' : c.peakMs.toFixed(1), c.separability === null ? '—' : c.separability.toFixed(3), c.temporal ? c.temporal.map((t) => t.toFixed(2)).join(' ') : '—', c.heldOutEv === null ? '—' : c.heldOutEv.toFixed(3), c.note ?? ''])));
      if (outPath) process.stdout.write(`filters written to ${outPath}\n`);
    }
    return 0;
  } finally {
    await lab.shutdown();
  }
}

export const revcorrCommands = { revcorr };
