// Stimuli prepared by stimulus threads, in blocks, ahead of the model (#14, harvest/stimulus-blocks.ts) give the
// same stored bytes as stimuli prepared on the job thread (CAJAL_HARVEST_STIMULUS_THREADS=0): rows, row metadata,
// statistics — on generated noise cut into many blocks and chunks, on a shard (whose stimuli start past 0), and on
// photos decoded from a folder by a model with a fixed batch.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { fixture, fixtureModels, tempDir } from '../helpers/fixtures';
import { assertSameHarvest, harvest, stored } from './harvest-pipeline-helpers';

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
