// Harvests on real checkpoints, checked against a direct onnxruntime run of the same model on the same inputs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Events, EventName } from '../../main/api/contract';
import { tensorToFloat32, float32ToOrtTensor } from '../../main/onnx/dtypes';
import { parseModel, serializeModel } from '../../main/onnx/model';
import { createSession } from '../../main/onnx/session';
import { tapModel } from '../../main/onnx/tap';
import { Lab } from '../../main/services/lab';
import { openStimulusSource } from '../../main/stimuli/open';
import { applyPreset, defaultRecipeForInput } from '../../main/stimuli/recipe';
import type { StimulusSpec } from '../../main/stimuli/types';
import { readRowMeta, readRows, streamChunks } from '../../main/store/activations';
import { openProjectDb } from '../../main/store/project';
import { fixture, fixtureModels, tempDir } from '../helpers/fixtures';
import { readFileSync } from 'node:fs';

const events: { event: EventName; payload: unknown }[] = [];
const lab = new Lab(<E extends EventName>(event: E, payload: Events[E]) => events.push({ event, payload }));
const projectPath = join(tempDir(), 'harvest.cajal');
lab.openProject({ path: projectPath, create: true });
after(() => lab.shutdown());

async function harvest(modelId: number, setId: number, tensor: string, positions: 'centre' | 'all' | 'mean', limit?: number) {
  const started = lab.startHarvest({ modelId, stimulusSetId: setId, tensors: [tensor], positions, limit });
  const job = await lab.jobs.wait(started.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  return lab.listHarvests().find((h) => h.id === started.harvestIds[0])!;
}

test('mnist-8 (batch fixed at 1): all / centre / mean positions of a conv map match a direct ORT run', async () => {
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const recipe = { ...model.suggestedRecipe!, scale: 1 };
  const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: 40, recipe } });
  const all = await harvest(model.id, set.id, 'ReLU32_Output_0', 'all');
  const centre = await harvest(model.id, set.id, 'ReLU32_Output_0', 'centre');
  const mean = await harvest(model.id, set.id, 'ReLU32_Output_0', 'mean');
  assert.deepEqual([all.rowsDone, all.dim, centre.rowsDone, mean.rowsDone], [40 * 784, 8, 40, 40]);

  // Direct run of stimulus 7 through the tapped model.
  const bytes = readFileSync(fixtureModels.mnist8());
  const session = await createSession(serializeModel(tapModel(parseModel(bytes, 'mnist-8'), ['ReLU32_Output_0'])));
  const source = await openStimulusSource(set.spec as StimulusSpec);
  const out = await session.run({ Input3: float32ToOrtTensor(await source.batch(7, 1), [1, 1, 28, 28], 'float32') });
  const map = tensorToFloat32(out['ReLU32_Output_0']!); // [1, 8, 28, 28]
  await session.release();

  const db = lab['db']!; // the Lab's own connection: reads see every committed chunk
  const rowsAll = readRows(db, all.id, [7 * 784 + 14 * 28 + 14, 7 * 784 + 3 * 28 + 20]);
  const metaAll = readRowMeta(db, all.id, [7 * 784 + 3 * 28 + 20]).get(7 * 784 + 3 * 28 + 20)!;
  assert.deepEqual([metaAll.stimulusIndex, metaAll.posY, metaAll.posX, metaAll.label], [7, 3, 20, source.meta(7).label]);
  for (let c = 0; c < 8; c++) {
    assert.ok(Math.abs(rowsAll.get(7 * 784 + 3 * 28 + 20)![c]! - map[c * 784 + 3 * 28 + 20]!) < 1e-6);
    assert.ok(Math.abs(rowsAll.get(7 * 784 + 14 * 28 + 14)![c]! - map[c * 784 + 14 * 28 + 14]!) < 1e-6);
  }
  const centreRow = readRows(db, centre.id, [7]).get(7)!;
  const meanRow = readRows(db, mean.id, [7]).get(7)!;
  // #14: the harvest ran only the nodes before its tap (onnx/prune.ts), and recorded so; its rows are the whole
  // model's bit for bit.
  const params = JSON.parse((db.prepare('SELECT params_json FROM harvests WHERE id = ?').get(centre.id) as { params_json: string }).params_json);
  assert.equal(params.graph, 'taps');
  for (let c = 0; c < 8; c++) {
    assert.equal(centreRow[c], map[c * 784 + 14 * 28 + 14]);
    let s = 0;
    for (let p = 0; p < 784; p++) s += map[c * 784 + p]!;
    assert.ok(Math.abs(meanRow[c]! - s / 784) < 1e-4);
  }

  // Unit statistics, histogram and extreme stimuli come from the stored rows.
  const stats = lab.harvestStats(centre.id);
  assert.equal(stats.units.length, 8);
  const hist = await lab.harvestHistogram({ harvestId: all.id, unit: 0, bins: 20 });
  assert.equal(hist.counts.reduce((a, b) => a + b, 0), 40 * 784);
  const top = await lab.harvestTop({ harvestId: centre.id, unit: 2, k: 5, order: 'top' });
  assert.equal(top.length, 5);
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.activation >= top[i]!.activation);
  assert.match(top[0]!.thumbnail, /^data:image\/png;base64,/);
  assert.ok(events.some((e) => e.event === 'job' && (e.payload as { status: string }).status === 'done'));
});

test('SqueezeNet (float16): a fire module over the fixture photos, and the kitten is a tabby', async () => {
  const model = await lab.openModel({ path: fixtureModels.squeezenetFp16() });
  assert.equal(model.inputs[0]!.dtype, 'float16');
  const recipe = applyPreset(defaultRecipeForInput([1, 3, 224, 224], 'float16', 'data_0'), 'imagenet-bgr255');
  const set = await lab.createStimulusSet({ spec: { kind: 'folder', path: join(fixture('images')), labelsFromSubfolders: false, recipe } });
  const fire = await harvest(model.id, set.id, 'fire9/concat_1', 'mean');
  assert.equal(fire.rowsDone, set.count);
  assert.equal(fire.dim, 512);
  const out = await harvest(model.id, set.id, 'softmaxout_1', 'centre');
  const db = lab['db']!;
  const kittenIndex = [...Array(set.count).keys()].find((i) => /kitten/.test(String(lab['db']!.prepare('SELECT name FROM stimulus_items WHERE set_id = ? AND idx = ?').pluck().get(set.id, i))))!;
  const probs = readRows(db, out.id, [kittenIndex]).get(kittenIndex)!;
  const labels = readFileSync(fixture('models/imagenet-labels.txt'), 'utf8').split('\n');
  const best = probs.indexOf(Math.max(...probs));
  assert.match(labels[best]!, /tabby/);
  assert.ok(probs[best]! > 0.8, `p(tabby) = ${probs[best]}`);
  for (const chunk of streamChunks(db, fire.id)) for (const v of chunk.data) assert.ok(Number.isFinite(v));
});

test('a project reopened from disk sees the harvests and their rows', () => {
  const db = openProjectDb(projectPath);
  const n = db.prepare("SELECT count(*) AS n FROM harvests WHERE status = 'done'").pluck().get() as number;
  assert.ok(n >= 5);
  db.close();
});
