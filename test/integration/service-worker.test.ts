// The service worker: opening a model (hashed, parsed and probed in a worker thread, not on the thread that serves
// the UI), drawing thumbnails and scanning a harvest for a unit's histogram or extreme rows give the same results and
// the same one-sentence errors as doing it in-process. (Comparisons, its other task, are checked against an
// in-process computation in features-planted.test.ts.)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { extremeRows, unitHistogram } from '../../main/harvest/unit-stats';
import { inspectModel } from '../../main/onnx/inspect';
import { hashFile, readModelFile } from '../../main/onnx/model';
import { Lab } from '../../main/services/lab';
import { openStimulusSource } from '../../main/stimuli/open';
import type { StimulusSpec } from '../../main/stimuli/types';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir();
const lab = new Lab(() => undefined);
lab.openProject({ path: join(dir, 'open.cajal'), create: true });
after(() => lab.shutdown());

/** Counts onnxruntime sessions created on this (the serving) thread while `run` runs. */
async function sessionsOnThisThread<T>(run: () => Promise<T>): Promise<{ result: T; sessions: number }> {
  const create = ort.InferenceSession.create;
  let sessions = 0;
  ort.InferenceSession.create = ((...args: Parameters<typeof create>) => {
    sessions++;
    return create.apply(ort.InferenceSession, args);
  }) as typeof create;
  try {
    return { result: await run(), sessions };
  } finally {
    ort.InferenceSession.create = create;
  }
}

test('SqueezeNet is probed in a worker: no session on the serving thread, the same tensors as in-process', async () => {
  const path = fixtureModels.squeezenetFp16();
  // SqueezeNet leaves one Dropout mask undeclared, so inspecting it runs the model once.
  const inProcess = await sessionsOnThisThread(async () => inspectModel((await readModelFile(path)).model));
  assert.ok(inProcess.sessions > 0, 'the in-process inspection probes on this thread (the counter works)');
  assert.ok(inProcess.result.intermediates.some((t) => t.shapeSource === 'probed'));

  const opened = await sessionsOnThisThread(() => lab.openModel({ path }));
  assert.equal(opened.sessions, 0, 'opening the model ran no onnxruntime session on the serving thread');
  assert.deepEqual(opened.result.tensors, inProcess.result.intermediates);
  assert.equal(opened.result.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
  assert.equal(await hashFile(path), opened.result.sha256);

  // Opened again, it is the same record (found by its streamed hash).
  const again = await lab.openModel({ path });
  assert.equal(again.id, opened.result.id);
  assert.equal(lab.listModels().length, 1);
});

test('a broken file gives the same one sentence from the worker, and no model is recorded', async () => {
  const truncated = join(dir, 'cut.onnx');
  const bytes = readFileSync(fixtureModels.mnist8());
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  const text = join(dir, 'notes.onnx');
  writeFileSync(text, 'This is a README, not a model.\n');
  const cases: [string, string, RegExp][] = [
    [truncated, 'model.truncated', /^The file .*cut\.onnx is truncated/],
    [text, 'model.text', /^The file .*notes\.onnx is a text file/],
    [join(dir, 'missing.onnx'), 'model.not-found', /^The model file .*missing\.onnx does not exist\.$/],
    [dir, 'model.is-directory', /is a folder, not an ONNX model file\.$/],
  ];
  const before = lab.listModels().length;
  for (const [path, code, message] of cases) {
    await assert.rejects(lab.openModel({ path }), (err: unknown) => {
      assert.equal((err as { code: string }).code, code);
      assert.match((err as Error).message, message);
      return true;
    });
  }
  assert.equal(lab.listModels().length, before);
  // The worker survives failures: the next model opens.
  const mnist = await lab.openModel({ path: fixtureModels.mnist8() });
  assert.ok(mnist.tensors.length > 5);
});

test('thumbnails are drawn in the worker, byte for byte what the source draws here, and stored once', async () => {
  const mnist = await lab.openModel({ path: fixtureModels.mnist8() });
  const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: 50, recipe: mnist.suggestedRecipe! } });
  const got = await lab.thumbnails(set.id, [3, 17, 42]);
  const source = await openStimulusSource(set.spec as StimulusSpec);
  for (const t of got) {
    const here = Buffer.from(await source.thumbnail(t.index)).toString('base64');
    assert.equal(t.thumbnail, `data:image/png;base64,${here}`, `thumbnail ${t.index}`);
  }
  const stored = lab['db']!.prepare('SELECT count(*) AS n FROM stimulus_items WHERE set_id = ? AND thumbnail IS NOT NULL').get(set.id) as { n: number };
  assert.equal(stored.n, 3);
  assert.deepEqual(await lab.thumbnails(set.id, [17]), [got[1]]);
});

test('a unit histogram and its extreme rows come from the worker, equal to a scan here; a wrong unit is a sentence', async () => {
  const mnist = await lab.openModel({ path: fixtureModels.mnist8() });
  const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: 30, recipe: { ...mnist.suggestedRecipe!, scale: 1 } } });
  const started = lab.startHarvest({ modelId: mnist.id, stimulusSetId: set.id, tensors: ['ReLU32_Output_0'], positions: 'all', chunkRows: 5000 });
  assert.equal((await lab.jobs.wait(started.jobId)).status, 'done');
  const harvestId = started.harvestIds[0]!;
  const db = lab['db']!;
  assert.deepEqual(await lab.harvestHistogram({ harvestId, unit: 3, bins: 16 }), unitHistogram(db, harvestId, 3, 16));
  const top = await lab.harvestTop({ harvestId, unit: 3, k: 7, order: 'top' });
  assert.deepEqual(top.map((t) => [t.row, t.activation]), extremeRows(db, harvestId, 3, 7, 'top').map((r) => [r.row, r.value]));
  await assert.rejects(lab.harvestHistogram({ harvestId, unit: 99, bins: 16 }), (err: unknown) => {
    assert.ok((err as { code?: string }).code, 'a coded UserError, not an internal failure');
    assert.match((err as Error).message, /99/);
    return true;
  });
});
