// A harvest job in a real worker thread over a real project file: it reports progress with a fraction, a rate and an
// ETA; cancelled mid-way it leaves whole committed chunks and a `jobs` row that says so and keeps its parameters;
// the same request then resumes it and it ends with exactly the rows an uninterrupted harvest writes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeRowMeta } from '../../main/store/row-meta';
import { fixtureModels, tempDir } from '../helpers/fixtures';
import { diskReader, watchedLab } from '../helpers/job-events';

const ITEMS = 6000;
const CHUNK = 200;

const { lab, events: jobEvents, nextEvent } = watchedLab();
const projectPath = join(tempDir(), 'jobs.cajal');
lab.openProject({ path: projectPath, create: true });
after(() => lab.shutdown());
const onDisk = diskReader(projectPath);

function chunksOf(harvestId: number) {
  return onDisk((db) =>
    db.prepare('SELECT chunk_index, first_row, row_count, data, row_meta FROM activation_chunks WHERE harvest_id = ? ORDER BY chunk_index').all(harvestId),
  ) as { chunk_index: number; first_row: number; row_count: number; data: Buffer; row_meta: Buffer }[];
}

/** Stimulus index of every stored row, in row order. */
function stimulusIndices(harvestId: number): number[] {
  return chunksOf(harvestId).flatMap((c) => Array.from(decodeRowMeta(c.row_meta, c.row_count).filter((_, i) => i % 4 === 0)));
}

test('progress, cancel mid-way with whole chunks kept, then resume to exactly the expected rows', { timeout: 240_000 }, async () => {
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: ITEMS, recipe: { ...model.suggestedRecipe!, scale: 1 } } });
  const request = { modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU114_Output_0'], positions: 'centre' as const, chunkRows: CHUNK };

  // Cancel as soon as the job has reported a measured rate and an ETA and committed a chunk; mnist-8's batch is fixed at 1, so 6,000
  // digits are thousands of session runs and the cancel lands long before the end.
  const started = lab.startHarvest(request);
  const harvestId = started.harvestIds[0]!;
  // …and a chunk is committed: the writer thread commits behind the runs, so on a loaded machine the first rate can
  // come before any row is on disk.
  const committed = () => (onDisk((db) => db.prepare('SELECT rows_done FROM harvests WHERE id = ?').get(harvestId)) as { rows_done: number }).rows_done > 0;
  const measured = await nextEvent(started.jobId, (j) => j.status === 'running' && j.rate !== null && j.etaSeconds !== null && committed());
  assert.equal(lab.jobs.cancel(started.jobId), true);
  const cancelled = await lab.jobs.wait(started.jobId);
  assert.equal(measured.status, 'running', 'the job reported a rate and an ETA while running');

  assert.ok(measured.progress > 0 && measured.progress < 1, `fraction ${measured.progress}`);
  assert.ok(measured.rate! > 0, `rate ${measured.rate}`);
  assert.equal(measured.rateUnit, 'stimuli/s');
  assert.ok(measured.etaSeconds! > 0, `ETA ${measured.etaSeconds}`);
  assert.match(measured.message ?? '', /of 6,000 stimuli/);
  const progress = jobEvents.filter((j) => j.id === started.jobId && j.status === 'running').map((j) => j.progress);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'the fraction never goes back');

  assert.equal(cancelled.status, 'cancelled', cancelled.error ?? '');
  const job = onDisk((db) => db.prepare('SELECT status, params_json, message, finished_at FROM jobs WHERE id = ?').get(started.jobId)) as {
    status: string;
    params_json: string;
    message: string;
    finished_at: string | null;
  };
  assert.equal(job.status, 'cancelled');
  assert.ok(job.finished_at);
  assert.match(job.message, /can be resumed/);
  const params = JSON.parse(job.params_json) as { request: typeof request & { limit: number }; harvestIds: number[] };
  assert.deepEqual(params.request, { ...request, limit: ITEMS });
  assert.deepEqual(params.harvestIds, [harvestId]);

  // Only whole chunks, contiguous from row 0, and rows_done agrees with them.
  const kept = chunksOf(harvestId);
  const rowsAtCancel = onDisk((db) => db.prepare('SELECT rows_done, status FROM harvests WHERE id = ?').get(harvestId)) as { rows_done: number; status: string };
  assert.equal(rowsAtCancel.status, 'cancelled');
  assert.ok(rowsAtCancel.rows_done > 0 && rowsAtCancel.rows_done < ITEMS, `cancelled at ${rowsAtCancel.rows_done} of ${ITEMS} rows`);
  assert.equal(rowsAtCancel.rows_done % CHUNK, 0);
  assert.deepEqual(
    kept.map((c) => [c.chunk_index, c.first_row, c.row_count, c.data.byteLength]),
    Array.from({ length: rowsAtCancel.rows_done / CHUNK }, (_, k) => [k, k * CHUNK, CHUNK, CHUNK * 16 * 4]),
  );

  // The same request resumes the cancelled job from its last committed chunk.
  const resumed = lab.startHarvest(request);
  assert.deepEqual([resumed.jobId, resumed.harvestIds, resumed.resumedFromRow], [started.jobId, [harvestId], rowsAtCancel.rows_done]);
  const finished = await lab.jobs.wait(resumed.jobId);
  assert.equal(finished.status, 'done', finished.error ?? '');
  assert.equal(stimulusIndices(harvestId).join(), Array.from({ length: ITEMS }, (_, i) => i).join(), 'every stimulus exactly once, in order');

  // An uninterrupted harvest of the same request (a new job, since the first is done) writes the same bytes.
  const straight = lab.startHarvest(request);
  assert.notEqual(straight.jobId, started.jobId);
  assert.equal((await lab.jobs.wait(straight.jobId)).status, 'done');
  const a = Buffer.concat(chunksOf(harvestId).map((c) => c.data));
  const b = Buffer.concat(chunksOf(straight.harvestIds[0]!).map((c) => c.data));
  assert.equal(a.byteLength, ITEMS * 16 * 4);
  assert.ok(a.equals(b), 'the resumed harvest equals an uninterrupted one, byte for byte');
  const statuses = onDisk((db) => db.prepare('SELECT id, status FROM jobs ORDER BY id').all());
  assert.deepEqual(statuses, [{ id: started.jobId, status: 'done' }, { id: straight.jobId, status: 'done' }]);
});
