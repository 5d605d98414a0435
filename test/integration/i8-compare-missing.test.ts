// Issue #8 item 6: `cajal compare` on bases with no metrics printed only the match matrix and exited 0. Now it names
// the missing metrics per basis with the command that computes them (exit 1 when none exist), and --compute
// computes the default set before comparing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Comparison } from '../../main/api/contract';
import { runCli } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const project = join(tempDir(), 'compare-missing.cajal');

function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

test('compare without metrics names them per basis; --compute computes the default set', { timeout: 600_000 }, async () => {
  const h = json<{ harvests: { id: number }[] }>(
    await runCli(['harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU32_Output_0', '--stimuli', 'mnist:120', '--scale', '1', '--json']),
  );
  const harvest = String(h.harvests[0]!.id);
  const ids: number[] = [];
  for (const method of [['neurons'], ['random', '--k', '8']]) {
    ids.push(json<{ basis: { id: number } }>(await runCli(['fit', '--project', project, '--harvest', harvest, '--method', ...method, '--seed', '1', '--json'])).basis.id);
  }

  const bare = await runCli(['compare', '--project', project, '--harvest', harvest]);
  assert.equal(bare.code, 1, 'no metric at all: the comparison is empty');
  assert.match(bare.stderr, /Metrics missing for 2 bases; compute them with the commands below, or all at once with cajal compare --project \S+ --harvest \d+ --compute\./);
  const labelled = '2afc-pixel, 2afc-colour, consistency-pixel, compression, 2afc-label, consistency-label, label-purity, label-entropy';
  assert.ok(bare.stderr.includes(`basis ${ids[0]} (neurons) has no ${labelled}: cajal metrics --project ${project} --basis ${ids[0]}`), bare.stderr);
  assert.ok(bare.stderr.includes(`basis ${ids[1]} (random) has no ${labelled}`), bare.stderr);

  const computed = json<Comparison & { missingMetrics: unknown[] }>(await runCli(['compare', '--project', project, '--harvest', harvest, '--compute', '--bootstrap', '200', '--json']));
  assert.deepEqual(computed.missingMetrics, []);
  assert.deepEqual([...computed.metricNames].sort(), labelled.split(', ').sort());
  for (const b of computed.bases) assert.equal(b.metrics['2afc-pixel']!.values.length, b.nFeatures);

  const again = await runCli(['compare', '--project', project, '--harvest', harvest]);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /missing/);
});
