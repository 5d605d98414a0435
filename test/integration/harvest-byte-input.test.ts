// A harvest that feeds MNIST digits as bytes, Cast to float32 by the graph (#14, harvest/byte-input.ts), stores the
// same bytes as one fed the prepared floats (CAJAL_HARVEST_BYTES=0): rows, row metadata, statistics — pipelined and
// inline, with a batch that does not divide the chunks, and on a model whose batch is fixed at 1 tapped at its first
// convolution. Each harvest records which it did, and a recipe whose pixels are not 0..255 keeps float feeds.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { fixtureModels, repoRoot, tempDir } from '../helpers/fixtures';
import { assertSameHarvest, harvest, stored } from './harvest-pipeline-helpers';

async function harvestWith(bytes: boolean, args: string[], pipeline: boolean): Promise<void> {
  const before = process.env.CAJAL_HARVEST_BYTES;
  process.env.CAJAL_HARVEST_BYTES = bytes ? '1' : '0'; // the CLI process inherits it when it is spawned
  try {
    await harvest(args, pipeline);
  } finally {
    if (before === undefined) delete process.env.CAJAL_HARVEST_BYTES;
    else process.env.CAJAL_HARVEST_BYTES = before;
  }
}

/** What the last job says it fed, and what its harvest recorded it would. */
function fed(project: string): { result: boolean; recorded: boolean } {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    const result = JSON.parse(db.prepare('SELECT result_json FROM jobs ORDER BY id DESC LIMIT 1').pluck().get() as string) as { stimulusBytes: boolean };
    const params = JSON.parse(db.prepare('SELECT params_json FROM harvests ORDER BY id LIMIT 1').pluck().get() as string) as { stimulusBytes: boolean };
    return { result: result.stimulusBytes, recorded: params.stimulusBytes };
  } finally {
    db.close();
  }
}

/** The stored harvest with the one parameter that differs by design (how the stimuli were fed) taken out. */
function withoutFeedChoice(s: ReturnType<typeof stored>): ReturnType<typeof stored> {
  return {
    ...s,
    harvests: s.harvests.map((h) => {
      const { stimulusBytes: _fed, ...params } = JSON.parse((h as { params_json: string }).params_json) as Record<string, unknown>;
      return { ...(h as object), params_json: JSON.stringify(params) };
    }),
  };
}

async function compare(name: string, args: (project: string) => string[], rows: number, pipeline: boolean): Promise<void> {
  const dir = tempDir();
  const viaBytes = join(dir, `${name}-bytes.cajal`);
  const viaFloats = join(dir, `${name}-floats.cajal`);
  await harvestWith(true, args(viaBytes), pipeline);
  await harvestWith(false, args(viaFloats), pipeline);
  assert.deepEqual(fed(viaBytes), { result: true, recorded: true }, 'the first harvest fed bytes');
  assert.deepEqual(fed(viaFloats), { result: false, recorded: false }, 'the second fed floats');
  assertSameHarvest(withoutFeedChoice(stored(viaBytes)), withoutFeedChoice(stored(viaFloats)), rows);
}

const mlp = (project: string) => [
  'harvest', '--project', project, '--model', join(repoRoot, 'resources/models/mnist-mlp.onnx'), '--tensor', 'hidden1', '--tensor', 'hidden2',
  '--stimuli', 'mnist', '--recipe-preset', 'raw255', '--limit', '300', '--batch', '7', '--chunk-rows', '64', '--json',
];

test('the bundled MLP over 300 digits, two tensors, batch 7 across chunks of 64: byte-identical fed bytes or floats, pipelined', { timeout: 120_000 }, async () => {
  await compare('mlp-pipelined', mlp, 300, true);
});

test('the same harvest with inline writes: byte-identical fed bytes or floats', { timeout: 120_000 }, async () => {
  await compare('mlp-inline', mlp, 300, false);
});

test('mnist-8 (batch fixed at 1) tapped at its first convolution and a ReLU: byte-identical fed bytes or floats', { timeout: 120_000 }, async () => {
  await compare('mnist8', (project) => [
    'harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'Convolution28_Output_0', '--tensor', 'ReLU114_Output_0',
    '--stimuli', 'mnist', '--recipe-preset', 'raw255', '--limit', '40', '--chunk-rows', '16', '--json',
  ], 40, true);
});

test('pixels 0..1 (the default recipe of a float input) are fed as floats, recorded as allowed', { timeout: 120_000 }, async () => {
  const project = join(tempDir(), 'unit.cajal');
  await harvestWith(true, ['harvest', '--project', project, '--model', join(repoRoot, 'resources/models/mnist-mlp.onnx'), '--tensor', 'hidden1',
    '--stimuli', 'mnist', '--limit', '20', '--json'], true);
  assert.deepEqual(fed(project), { result: false, recorded: true });
});
