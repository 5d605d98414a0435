// Stimuli prepared by stimulus threads, in blocks, ahead of the model (#14, harvest/stimulus-blocks.ts) give the
// same stored bytes as stimuli prepared on the job thread (CAJAL_HARVEST_STIMULUS_THREADS=0): rows, row metadata,
// statistics — on generated noise cut into many blocks and chunks, on a shard (whose stimuli start past 0), and on
// photos decoded from a folder by a model with a fixed batch. An image a thread cannot read stops the harvest with
// the same one sentence as on the job thread, keeping the chunks committed before it.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { fixture, fixtureModels, tempDir } from '../helpers/fixtures';
import { runCli } from '../helpers/cli';
import { committedRows } from '../helpers/kill-resume';
import { assertSameHarvest, cli, harvest, stored } from './harvest-pipeline-helpers';

async function harvestWith(threads: number, args: string[]): Promise<void> {
  const before = process.env.CAJAL_HARVEST_STIMULUS_THREADS;
  process.env.CAJAL_HARVEST_STIMULUS_THREADS = String(threads); // the CLI process inherits it when it is spawned
  try {
    await harvest(args, true);
  } finally {
    if (before === undefined) delete process.env.CAJAL_HARVEST_STIMULUS_THREADS;
    else process.env.CAJAL_HARVEST_STIMULUS_THREADS = before;
  }
}

function stimulusThreadsOf(project: string): number {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    return (JSON.parse(db.prepare('SELECT result_json FROM jobs ORDER BY id DESC LIMIT 1').pluck().get() as string) as { stimulusThreads: number }).stimulusThreads;
  } finally {
    db.close();
  }
}

async function compare(name: string, args: (project: string) => string[], rows: number): Promise<void> {
  const dir = tempDir();
  const threaded = join(dir, `${name}-threads.cajal`);
  const inline = join(dir, `${name}-inline.cajal`);
  await harvestWith(3, args(threaded));
  await harvestWith(0, args(inline));
  assert.equal(stimulusThreadsOf(threaded), 3, 'three stimulus threads prepared the first harvest');
  assert.equal(stimulusThreadsOf(inline), 0, 'the second prepared its stimuli on the job thread');
  assertSameHarvest(stored(threaded), stored(inline), rows);
}

test('CIFAR noise in many blocks, shard 1 of 2, all positions: byte-identical with and without stimulus threads', { timeout: 120_000 }, async () => {
  // 400 stimuli of 3,072 values: blocks of 341 items (2^20 values) cut at chunks of 20 items (2,880 rows), batch 7.
  await compare('noise', (project) => [
    'harvest', '--project', project, '--model', fixtureModels.cifar10(), '--tensor', '40', '--positions', 'all',
    '--stimuli', 'noise:white:400', '--batch', '7', '--chunk-rows', '2880', '--shard', '1/2', '--json',
  ], 200 * 144);
});

test('mnist-8 (batch fixed at 1) over a folder of photos and digits: byte-identical with and without stimulus threads', { timeout: 120_000 }, async () => {
  const folder = tempDir('cajal-photos-');
  const images = ['mnist_0.jpg', 'mnist_3.jpg', 'kitten_224.png', 'mnist_7.jpg', 'fish.png'];
  for (let i = 0; i < 15; i++) copyFileSync(fixture(`images/${images[i % images.length]!}`), join(folder, `${String(i).padStart(2, '0')}-${images[i % images.length]!}`));
  await compare('folder', (project) => [
    'harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU114_Output_0',
    '--stimuli', `folder:${folder}`, '--recipe-preset', 'raw255', '--chunk-rows', '4', '--json',
  ], 15);
});

test('an unreadable image stops the harvest with the same sentence with and without stimulus threads, keeping the chunks before it', { timeout: 120_000 }, async () => {
  const folder = tempDir('cajal-bad-photos-');
  copyFileSync(fixture('images/mnist_0.jpg'), join(folder, 'a.jpg'));
  copyFileSync(fixture('images/mnist_3.jpg'), join(folder, 'b.jpg'));
  writeFileSync(join(folder, 'c.png'), 'not an image');
  const dir = tempDir();
  const errors: string[] = [];
  for (const threads of [2, 0]) {
    const project = join(dir, `bad-${threads}.cajal`);
    const before = process.env.CAJAL_HARVEST_STIMULUS_THREADS;
    process.env.CAJAL_HARVEST_STIMULUS_THREADS = String(threads);
    try {
      const run = await runCli(['harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU114_Output_0',
        '--stimuli', `folder:${folder}`, '--recipe-preset', 'raw255', '--chunk-rows', '1'], (a) => cli(a, true));
      assert.notEqual(run.code, 0);
      errors.push(run.stderr.trim().split('\n').at(-1)!);
    } finally {
      if (before === undefined) delete process.env.CAJAL_HARVEST_STIMULUS_THREADS;
      else process.env.CAJAL_HARVEST_STIMULUS_THREADS = before;
    }
    assert.equal(committedRows(project), 2, 'the two readable images were committed');
  }
  assert.match(errors[0]!, /^cajal harvest: The image .*c\.png could not be read: it is neither a PNG nor a JPEG file\.$/);
  assert.equal(errors[0], errors[1]);
});
