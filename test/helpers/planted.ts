// A harvest with planted ground truth over real MNIST digits, written straight into a project: unit c (c < planted)
// fires only for digit class c (1 + |N(0,1)|), the remaining units are Gaussian noise. Labels, thumbnails and the
// whole analysis path are real; only the activations are made by hand.
import type { Router } from '../../main/api/router';
import { computeUnitStats } from '../../main/harvest/unit-stats';
import type { Lab } from '../../main/services/lab';
import { commitChunks } from '../../main/store/activations';
import * as repo from '../../main/store/repo';
import { Rng } from '../../main/util/random';

export interface PlantedOptions {
  /** MNIST digits (rows). */
  n: number;
  /** Units 0..planted-1 are planted (at most 10). */
  planted: number;
  /** Units in all. */
  dim: number;
  seed: number;
  chunkRows: number;
  tensor?: string;
}

/** Create the MNIST stimulus set and the planted harvest in the lab's open project; returns the harvest id. */
export async function plantedHarvest(lab: Lab, router: Router, o: PlantedOptions): Promise<number> {
  const { n, planted, dim: D, chunkRows } = o;
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = (await router.call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: n, recipe } })) as { id: number };
  const db = lab['db']!;
  const labels = repo.stimulusLabels(db, set.id);
  const rng = new Rng(o.seed);
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (c < planted) x[i * D + c] = 1 + Math.abs(rng.normal());
    for (let u = planted; u < D; u++) x[i * D + u] = rng.normal();
  }
  const harvestId = repo.insertHarvest(db, {
    modelId: null,
    stimulusSetId: set.id,
    jobId: null,
    source: 'import',
    tensor: o.tensor ?? 'planted',
    tensorShape: [D],
    positions: 'centre',
    dim: D,
    rowsPerItem: 1,
    itemsExpected: n,
    chunkRows,
    params: { planted: true },
  });
  for (let s = 0, k = 0; s < n; s += chunkRows, k++) {
    const rows = Math.min(chunkRows, n - s);
    const meta = new Int32Array(rows * 4);
    for (let r = 0; r < rows; r++) meta.set([s + r, labels[s + r]!, -1, -1], r * 4);
    commitChunks(db, [{ harvestId, chunkIndex: k, firstRow: s, rowCount: rows, data: x.subarray(s * D, (s + rows) * D), meta }]);
  }
  repo.setHarvestStatus(db, harvestId, 'done');
  computeUnitStats(db, harvestId);
  return harvestId;
}
