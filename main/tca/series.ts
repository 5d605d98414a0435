// A checkpoint series (#15): the same tensor over the same stimuli through several checkpoints of one architecture,
// ordered by the user, as one units × checkpoints × stimuli tensor. Each checkpoint is harvested as usual (one row per
// stimulus); the series is a new harvest whose stimulus s holds one row per checkpoint, in the order given — the
// layout of a harvest recorded at all positions, so tca-sweep and `fit --method tca` read it unchanged, with the
// checkpoints in the place of positions. Checkpoints whose tensor shapes differ are refused before anything is written.
import { UserError } from '../errors';
import { commitChunks, readRowMeta, readRowRange } from '../store/activations';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { computeUnitStats } from '../harvest/unit-stats';

/** One sentence when the named tensor is missing from a checkpoint or its shape differs between checkpoints. */
export function checkSeriesShapes(files: { name: string; tensors: { name: string; shape: (number | string)[] | null }[] }[], tensor: string): void {
  if (files.length < 2) throw new UserError('tca.series-size', `A checkpoint series needs at least two checkpoints, not ${files.length}.`);
  const shapes = files.map((f) => {
    const t = f.tensors.find((x) => x.name === tensor);
    if (!t) throw new UserError('tca.series-tensor', `Checkpoint ${f.name} has no tensor named ${tensor}, so it cannot join a series recording it.`);
    return (t.shape ?? []).map(String).join('×');
  });
  const bad = shapes.findIndex((s) => s !== shapes[0]);
  if (bad > 0) {
    throw new UserError('tca.series-shapes', `Tensor ${tensor} is ${shapes[0]} in ${files[0]!.name} but ${shapes[bad]} in ${files[bad]!.name}, so these files are not checkpoints of one architecture; choose checkpoints whose tensor shapes agree.`);
  }
}

/** The series harvest from finished one-row-per-stimulus harvests of the same tensor and stimuli, in checkpoint order. */
export function composeSeries(db: Db, harvestIds: number[], checkpoints: string[]): number {
  const hs = harvestIds.map((id) => repo.getHarvest(db, id));
  const first = hs[0]!;
  for (const h of hs) {
    if (h.status !== 'done' || h.rowsPerItem !== 1) throw new UserError('tca.series-harvest', `Harvest ${h.id} must be finished with one row per stimulus to join a checkpoint series.`);
    if (h.dim !== first.dim || h.rowsDone !== first.rowsDone || h.stimulusSetId !== first.stimulusSetId || h.tensor !== first.tensor) {
      throw new UserError('tca.series-shapes', `Harvest ${h.id} (${h.tensor}, ${h.dim} units, ${h.rowsDone} stimuli) does not match harvest ${first.id} (${first.tensor}, ${first.dim} units, ${first.rowsDone} stimuli); a series runs the same tensor and stimuli through every checkpoint.`);
    }
  }
  const K = hs.length;
  const D = first.dim;
  const S = first.rowsDone;
  const stimuliPerChunk = Math.max(1, Math.floor((1 << 20) / (D * K)));
  const seriesId = db.transaction(() => {
    const id = repo.insertHarvest(db, {
      modelId: first.modelId || null,
      stimulusSetId: first.stimulusSetId || null,
      jobId: null,
      source: 'import',
      tensor: `${first.tensor} × ${K} checkpoints`,
      tensorShape: [D, K],
      positions: 'all',
      dim: D,
      rowsPerItem: K,
      itemsExpected: S,
      chunkRows: stimuliPerChunk * K,
      params: { checkpointSeries: { harvestIds, checkpoints } },
    });
    for (let s0 = 0, index = 0; s0 < S; s0 += stimuliPerChunk, index++) {
      const n = Math.min(stimuliPerChunk, S - s0);
      const parts = hs.map((h) => readRowRange(db, h.id, s0, n, D));
      const meta = readRowMeta(db, first.id, Array.from({ length: n }, (_, i) => s0 + i));
      const data = new Float32Array(n * K * D);
      const packed = new Int32Array(n * K * 4);
      for (let i = 0; i < n; i++) {
        const m = meta.get(s0 + i);
        for (let k = 0; k < K; k++) {
          const row = i * K + k;
          data.set(parts[k]!.subarray(i * D, (i + 1) * D), row * D);
          packed.set([m?.stimulusIndex ?? s0 + i, m?.label ?? -1, 0, k], row * 4);
        }
      }
      commitChunks(db, [{ harvestId: id, chunkIndex: index, firstRow: s0 * K, rowCount: n * K, data, meta: packed }]);
    }
    repo.setHarvestStatus(db, id, 'done');
    return id;
  })();
  computeUnitStats(db, seriesId);
  return seriesId;
}
