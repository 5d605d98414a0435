// A pipelined harvest (writes and unit statistics on the writer thread, #14) stores the same bytes as the same
// harvest with pipelining off (CAJAL_HARVEST_PIPELINE=0), on the bundled MLP and on a conv map at every position.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, repoRoot, tempDir } from '../helpers/fixtures';
import { assertSameHarvest, harvest, stored } from './harvest-pipeline-helpers';

async function compareModes(name: string, args: (project: string) => string[], rows: number): Promise<void> {
  const dir = tempDir();
  const on = join(dir, `${name}-pipelined.cajal`);
  const off = join(dir, `${name}-inline.cajal`);
  await harvest(args(on), true);
  await harvest(args(off), false);
  const a = stored(on);
  const b = stored(off);
  assert.equal(a.pipelined, true, 'the first harvest ran on the writer thread');
  assert.equal(b.pipelined, false, 'the second harvest wrote inline');
  assertSameHarvest(a, b, rows);
}

test('bundled MLP, float32: rows and statistics byte-identical with and without pipelining', { timeout: 120_000 }, async () => {
  await compareModes('mlp', (project) => [
    'harvest', '--project', project, '--model', join(repoRoot, 'resources/models/mnist-mlp.onnx'), '--tensor', 'hidden1',
    '--stimuli', 'mnist', '--limit', '3000', '--batch', '32', '--chunk-rows', '256', '--json',
  ], 3000);
});

test('CIFAR conv map at all 144 positions, float16 rows: byte-identical with and without pipelining', { timeout: 120_000 }, async () => {
  await compareModes('conv', (project) => [
    'harvest', '--project', project, '--model', fixtureModels.cifar10(), '--tensor', '40', '--positions', 'all',
    '--stimuli', 'noise:white:100', '--limit', '100', '--batch', '16', '--chunk-rows', '2000', '--storage', 'float16', '--json',
  ], 100 * 144);
});

