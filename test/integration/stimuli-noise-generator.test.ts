// Noise generator 2 (#14) must not touch a harvest made before it: a white-noise set stored with generator 1 (its
// spec written exactly as before generators were numbered) and a harvest of it cancelled mid-way; then the request a
// `cajal harvest --stimuli noise:white:N` sends (no generator) finds that set, the same harvest request resumes it,
// and its rows equal an uninterrupted harvest of the set byte for byte. A new project's set of the same noise gets
// generator 2.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Lab } from '../../main/services/lab';
import { fixtureModels, tempDir } from '../helpers/fixtures';
import { diskReader, watchedLab } from '../helpers/job-events';

const ITEMS = 2000;
const CHUNK = 50;

const { lab, nextEvent } = watchedLab();
const projectPath = join(tempDir(), 'noise-generator.cajal');
lab.openProject({ path: projectPath, create: true });
after(() => lab.shutdown());
const onDisk = diskReader(projectPath);
const rowsDone = (harvestId: number) => (onDisk((db) => db.prepare('SELECT rows_done FROM harvests WHERE id = ?').get(harvestId)) as { rows_done: number }).rows_done;
const rows = (harvestId: number) =>
  Buffer.concat((onDisk((db) => db.prepare('SELECT data FROM activation_chunks WHERE harvest_id = ? ORDER BY chunk_index').all(harvestId)) as { data: Buffer }[]).map((c) => c.data));

test('a harvest of a generator-1 noise set, cancelled, resumes from the same request to the bytes of an uninterrupted one', { timeout: 240_000 }, async () => {
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const white = { kind: 'noise' as const, distribution: 'gaussian' as const, count: ITEMS, itemShape: [1, 28, 28], seed: 0, mean: 0, std: 1 };
  const old = await lab.createStimulusSet({ spec: { ...white, generator: 1 } });
  const storedJson = onDisk((db) => db.prepare('SELECT spec_json FROM stimulus_sets WHERE id = ?').pluck().get(old.id)) as string;
  assert.equal(storedJson, JSON.stringify(white), 'stored exactly as a noise spec was before generators were numbered');

  const request = { modelId: model.id, stimulusSetId: old.id, tensors: ['ReLU114_Output_0'], positions: 'centre' as const, chunkRows: CHUNK };
  const started = lab.startHarvest(request);
  const harvestId = started.harvestIds[0]!;
  // Cancel once a chunk is on disk (mnist-8 runs one stimulus at a time, so 2,000 are far from done by then).
  await nextEvent(started.jobId, () => rowsDone(harvestId) > 0);
  assert.equal(lab.jobs.cancel(started.jobId), true);
  assert.equal((await lab.jobs.wait(started.jobId)).status, 'cancelled');
  const atCancel = rowsDone(harvestId);
  assert.ok(atCancel > 0 && atCancel < ITEMS, `cancelled at ${atCancel} rows`);

  // What `cajal harvest --stimuli noise:white:2000` asks for after the upgrade: no generator. It is the stored set.
  const again = await lab.createStimulusSet({ spec: white });
  assert.equal(again.id, old.id);
  const resumed = lab.startHarvest({ ...request, stimulusSetId: again.id });
  assert.deepEqual([resumed.jobId, resumed.resumedFromRow], [started.jobId, atCancel]);
  assert.equal((await lab.jobs.wait(resumed.jobId)).status, 'done');

  const straight = lab.startHarvest(request);
  assert.notEqual(straight.jobId, started.jobId);
  assert.equal((await lab.jobs.wait(straight.jobId)).status, 'done');
  const a = rows(harvestId);
  assert.equal(a.byteLength, ITEMS * 16 * 4);
  assert.ok(a.equals(rows(straight.harvestIds[0]!)), 'the resumed generator-1 harvest equals an uninterrupted one, byte for byte');

  // A project without that set gets generator 2 for the same request (its values: test/unit/stimuli/noise-generator.test.ts).
  const lab2 = new Lab(() => undefined);
  lab2.openProject({ path: join(tempDir(), 'fresh.cajal'), create: true });
  try {
    const fresh = await lab2.createStimulusSet({ spec: white });
    assert.equal((fresh.spec as { generator?: number }).generator, 2);
  } finally {
    await lab2.shutdown();
  }
});
