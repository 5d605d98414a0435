// The revcorr job: a stored run (harvest, units or basis features, estimator, options) becomes streams, the
// estimator's passes, the LN model's pass, and one result row per unit. Progress, cancel and resume come from
// the job machinery; the estimator's accumulators are checkpointed in the run's own table, so a killed run resumes
// mid-pass and ends with the numbers an uninterrupted run gives.
import type { JobContext } from '../jobs/types';
import { getRevcorrRun, loadRevcorrCheckpoint, revcorrResults, saveRevcorrCheckpoint, saveRevcorrResults, setRevcorrStatus, type RevcorrResultRow } from '../store/revcorr';
import { estimate, type RevcorrParams } from './estimate';
import { fitNonlinearities } from './nonlinearity';
import { basisResponseStream, harvestResponseStream, harvestStimulusStream, loadStoredBasis, mappableHarvest } from './sources';
import type { EstimatorContext } from './types';
import { recordingOfHarvest } from '../store/recordings'; // recordings (#11 item 4)
import { recordingStreams, spatioTemporalDetail } from '../recordings/revcorr'; // recordings (#11 item 4)

export interface RevcorrJobResult {
  runId: number;
  estimator: string;
  units: number;
  rows: number;
  resumedFromRow: number | null;
}

export async function runRevcorrJob(raw: unknown, ctx: JobContext): Promise<RevcorrJobResult> {
  const { runId } = raw as { runId: number };
  const { db } = ctx;
  const run = getRevcorrRun(db, runId);
  if (run.status === 'done') return { runId, estimator: run.estimator, units: revcorrResults(db, runId).length, rows: 0, resumedFromRow: null };
  setRevcorrStatus(db, runId, 'running');
  // recordings (#11 item 4): a recording's cells are mapped over its own frames, with L lags of history per row.
  const rec = recordingOfHarvest(db, run.harvestId);
  const lags = Number(run.params.lags ?? 1);
  let stimuli, responses;
  if (rec) ({ stimuli, responses } = recordingStreams(db, rec, run.units, lags));
  else {
    const h = mappableHarvest(db, run.harvestId);
    stimuli = await harvestStimulusStream(db, h);
    responses = run.basisId !== null ? basisResponseStream(db, h, loadStoredBasis(db, run.basisId), run.basisId, run.units) : harvestResponseStream(db, h, run.units);
  }
  const saved = loadRevcorrCheckpoint(db, runId);
  // The estimator's passes take the first 85% of the bar, the LN model's projection pass the rest.
  const scaled = (lo: number, hi: number): EstimatorContext['progress'] => (done, total, message) =>
    ctx.progress({ fraction: lo + (hi - lo) * (total > 0 ? done / total : 1), done, total, unit: 'rows', message });
  const ectx: EstimatorContext = {
    progress: scaled(0, 0.85),
    throwIfCancelled: () => ctx.throwIfCancelled(),
    checkpoint: { load: () => loadRevcorrCheckpoint(db, runId), save: (s) => saveRevcorrCheckpoint(db, runId, s) },
  };
  const params = run.params as unknown as RevcorrParams;
  const result = await estimate(run.estimator, stimuli, responses, params, ectx);
  const ln = await fitNonlinearities(stimuli, responses, result.filters, { ...ectx, progress: scaled(0.85, 1) });
  const d = result.dim;
  const rows: RevcorrResultRow[] = run.units.map((unit, i) => {
    const detail: Record<string, unknown> = { note: result.notes[i] ?? null, nonlinearity: ln[i] };
    if (rec && lags > 1) detail.spatioTemporal = spatioTemporalDetail(result.filters.slice(i * d, (i + 1) * d), lags, rec.frameShape); // recordings
    let z: Float32Array | null = null;
    if (result.kind === 'sta') {
      z = result.nulls >= 2 ? result.z.slice(i * d, (i + 1) * d) : null;
      detail.weightSum = result.weightSums[i];
    } else if (result.kind === 'ridge') {
      detail.lambda = result.lambdas[i];
      detail.lambdaGrid = result.lambdaGrid;
      detail.cvR2 = result.cvR2[i];
    } else {
      const s = result.stc[i]!;
      detail.stc = {
        values: Array.from(s.values),
        nullLow: Array.from(s.nullLow),
        nullHigh: Array.from(s.nullHigh),
        axes: s.axes.map((a) => ({ value: a.value, sign: a.sign, band: a.band, vector: Array.from(a.vector) })),
      };
    }
    return { position: i, unit, name: responses.unitNames[i]!, filter: result.filters.slice(i * d, (i + 1) * d), z, detail };
  });
  saveRevcorrResults(db, runId, rows, { rowsUsed: result.rowsUsed, rows: stimuli.count, meanHeldOutEv: ln.reduce((a, b) => a + b.heldOutEv, 0) / Math.max(1, ln.length) });
  return { runId, estimator: run.estimator, units: rows.length, rows: stimuli.count, resumedFromRow: saved ? saved.nextRow : null };
}
