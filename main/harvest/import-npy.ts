// Activations computed elsewhere, imported as a harvest: a rows × units .npy matrix (and optional labels) stored in the
// same chunks a recorded harvest uses, so every basis and analysis reads it the same way.
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { HarvestInfo } from './types';
import { UserError } from '../errors';
import { openNpyRows, readNpy } from '../io/npy';
import { commitChunks } from '../store/activations';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { computeUnitStats } from './unit-stats';

/**
 * A harvest from a rows × units .npy matrix computed elsewhere. The matrix is read a chunk of rows at a time (a
 * C-order file never has to fit in memory) inside one transaction: a non-finite value anywhere rolls it all back,
 * so a refused file leaves the project as it was. Runs in the service worker (see services/harvests.ts).
 */
export interface ImportNpyRequest {
  path: string;
  labelsPath?: string;
  name?: string;
}

export function importActivations(db: Db, p: ImportNpyRequest): HarvestInfo {
  const path = resolve(p.path);
  if (!existsSync(path)) throw new UserError('import.missing', `There is no file at ${path}.`);
  const x = openNpyRows(path, basename(path));
  try {
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
        const data = x.rows(start, n);
        for (let i = 0; i < data.length; i++) {
          if (!Number.isFinite(data[i]!)) throw new UserError('import.values', `${basename(path)} holds a non-finite value at row ${start + Math.floor(i / dim)}, unit ${i % dim}.`);
        }
        const meta = new Int32Array(n * 4);
        for (let r = 0; r < n; r++) {
          meta[r * 4] = start + r;
          meta[r * 4 + 1] = labels ? labels[start + r]! : -1;
          meta[r * 4 + 2] = -1;
          meta[r * 4 + 3] = -1;
        }
        commitChunks(db, [{ harvestId, chunkIndex: index, firstRow: start, rowCount: n, data, meta }]);
      }
      repo.setHarvestStatus(db, harvestId, 'done');
      return harvestId;
    })();
    computeUnitStats(db, id);
    return repo.publicHarvest(repo.getHarvest(db, id));
  } finally {
    x.close();
  }
}
