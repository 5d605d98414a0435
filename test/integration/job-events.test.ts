// The contract's job events: every snapshot goes out as `job`, and again as `job.progress`, `job.done`,
// `job.failed` or `job.cancelled`, so a listener can wait for the one kind it cares about. Real harvests on a real
// project file; the failure is a real one (an image of a folder stimulus set deleted before the harvest).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EventName, Events, JobInfo } from '../../main/api/contract';
import { Lab } from '../../main/services/lab';
import { fixture, fixtureModels, tempDir } from '../helpers/fixtures';

const events: { event: EventName; job: JobInfo }[] = [];
const lab = new Lab(<E extends EventName>(event: E, payload: Events[E]) => {
  if (event.startsWith('job')) events.push({ event, job: payload as JobInfo });
});
const dir = tempDir();
lab.openProject({ path: join(dir, 'events.cajal'), create: true });
after(() => lab.shutdown());

const eventsOf = (jobId: number) => events.filter((e) => e.job.id === jobId);

test('a finished harvest sends job.progress while running and job.done once, each also as job', async () => {
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: 300, recipe: { ...model.suggestedRecipe!, scale: 1 } } });
  const { jobId } = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU32_Output_0'], positions: 'centre' });
  const final = await lab.jobs.wait(jobId);
  assert.equal(final.status, 'done', final.error ?? '');
  const mine = eventsOf(jobId);
  const done = mine.filter((e) => e.event === 'job.done');
  assert.equal(done.length, 1);
  assert.equal(done[0]!.job.status, 'done');
  for (const e of mine.filter((e) => e.event === 'job.progress')) assert.equal(e.job.status, 'running');
  // Every status-specific event is preceded by the same snapshot sent as `job`.
  for (let i = 0; i < mine.length; i++) {
    if (mine[i]!.event === 'job') continue;
    assert.equal(mine[i - 1]?.event, 'job');
    assert.deepEqual(mine[i - 1]!.job, mine[i]!.job);
  }
  assert.ok(!mine.some((e) => e.event === 'job.failed' || e.event === 'job.cancelled'));
});

test('a harvest whose stimulus file vanished sends job.failed with the reason in words', async () => {
  const images = join(dir, 'images');
  mkdirSync(images);
  for (const name of ['kitten_224.png', 'fish.png', 'bald_eagle.jpeg']) copyFileSync(fixture(`images/${name}`), join(images, name));
  const model = await lab.openModel({ path: fixtureModels.cifar10() });
  const set = await lab.createStimulusSet({ spec: { kind: 'folder', path: images, labelsFromSubfolders: false, recipe: model.suggestedRecipe! } });
  rmSync(join(images, 'fish.png'));
  const { jobId } = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: [model.tensors.find((t) => t.op === 'Relu')!.name], positions: 'centre' });
  const final = await lab.jobs.wait(jobId);
  assert.equal(final.status, 'failed');
  const failed = eventsOf(jobId).filter((e) => e.event === 'job.failed');
  assert.equal(failed.length, 1);
  assert.match(failed[0]!.job.error ?? '', /fish\.png/);
  assert.doesNotMatch(failed[0]!.job.error ?? '', /\n\s+at /, 'no stack trace in the error');
  assert.ok(!eventsOf(jobId).some((e) => e.event === 'job.done'));
});
