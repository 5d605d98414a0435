// h18imp (#18 item 4): bases.importSae as a job. The checks read only cfg.json and the safetensors header, and refuse
// bad input before anything is written; then an 'importing' basis (listed nowhere) and an import-sae job are
// recorded together, and the job copies the tensors block by block off the UI thread with progress, rate and ETA
// (MB), cancel and resume. The call resolves with the basis once the job has finished.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { BasisInfo, Params } from '../api/contract';
import { UserError } from '../errors';
import { readSafetensorsHeader } from '../io/safetensors-stream';
import type { JobManager } from '../jobs/manager';
import { blockRowsFor } from '../sae-import/job';
import type { SaeImportJobParams } from '../sae-import/types';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { planSaeImport } from './saelens';

/** Records the import (basis and job, one transaction) and returns the job's id; the job does the copying. */
export function startSaeImport(db: Db, jobs: JobManager, p: Params<'bases.importSae'>): { jobId: number; basisId: number } {
  let header!: ReturnType<typeof readSafetensorsHeader>;
  const plan = planSaeImport(db, p, (file) => {
    header = readSafetensorsHeader(file, basename(file));
    return Object.fromEntries(Object.entries(header.tensors).map(([n, t]) => [n, t.shape]));
  });
  const st = statSync(plan.file);
  const arch = plan.reading.architecture;
  const params: Omit<SaeImportJobParams, 'basisId'> = {
    file: plan.file,
    fileBytes: st.size,
    mtimeMs: st.mtimeMs,
    dataStart: header.dataStart,
    tensors: plan.wanted.map((name) => ({ name, entry: header.tensors[name]!, blockRows: blockRowsFor(header.tensors[name]!.shape) })),
    fold: !plan.folded ? 'none' : arch === 'gated' ? 'gated' : 'b_enc',
    normScale: arch === 'standard' || arch === 'topk',
  };
  const megabytes = (plan.d * plan.m * 8) / 2 ** 20;
  const ids = db.transaction(() => {
    const basisId = basesRepo.insertBasis(db, { harvestId: plan.harvestId, jobId: null, method: plan.method, name: plan.name, params: plan.params, seed: 0, nFeatures: plan.m, dim: plan.d, status: 'importing' });
    const jobId = repo.insertJob(db, 'import-sae', `Import SAE · ${plan.name} · ${plan.m.toLocaleString('en-US')} features · ${megabytes.toFixed(0)} MB`, { ...params, basisId });
    basesRepo.setBasisJob(db, basisId, jobId);
    return { basisId, jobId };
  })();
  void jobs.run(ids.jobId);
  return ids;
}

/** bases.importSae: starts the import job and resolves with the basis when it is done. */
export async function importSaeAsJob(db: Db, jobs: JobManager, p: Params<'bases.importSae'>): Promise<BasisInfo> {
  const { jobId, basisId } = startSaeImport(db, jobs, p);
  const info = await jobs.wait(jobId);
  if (info.status === 'cancelled') {
    throw new UserError('sae.import-cancelled', `The import of basis ${basisId} was cancelled at ${(100 * info.progress).toFixed(0)} %; resume job ${jobId} to finish it (until then it is not listed).`);
  }
  if (info.status !== 'done') throw new UserError('sae.import-failed', info.error ?? `The import job ${jobId} stopped (${info.status}).`);
  const rec = basesRepo.getBasis(db, basisId);
  return { ...rec, method: rec.method as BasisInfo['method'], status: 'imported', quality: null };
}
