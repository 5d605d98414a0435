// Issue #8 item 6: `cajal compare` on bases with no metrics printed only the match matrix and exited 0. Now it names
// the missing metrics per basis with the command that computes them (exit 1 when none exist), and --compute
// computes the default set before comparing. The commands run in this process (the same argument parsing and commands as
// `cajal`), sparing a start-up of tsx and the engine for each of the nine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { median } from '../../main/analyses/stats';
import { insertMetricRun, saveMetricValues } from '../../main/store/features';
import { openProjectDb } from '../../main/store/project';
import { test } from 'node:test';
import type { Comparison } from '../../main/api/contract';
import { runCliInProcess as runCli } from '../helpers/cli';
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
  ceiling = { harvest, randomId: ids[1]!, neuronsId: ids[0]!, computed };
});

let ceiling: { harvest: string; randomId: number; neuronsId: number; computed: Comparison } | undefined;

// Issue #8 item 9, on the same real project: the random basis' 2AFC-label scores are set to 1 for 90% of its
// directions (as random directions on the demo's 10,000 digits score, median 1.000, CI [1, 1]); the comparison,
// the CLI's table and the report flag that metric, and leave the metrics whose null is off its bounds alone.
test('a metric whose random null sits at its ceiling is flagged in the comparison, the CLI and the report', { timeout: 300_000 }, async () => {
  assert.ok(ceiling, 'the project of the test above');
  const db = openProjectDb(project);
  const random = ceiling.computed.bases.find((b) => b.basisId === ceiling!.randomId)!;
  const planted = random.metrics['2afc-label']!.values.map((v, i) => (i % 10 === 0 ? v : 1));
  const run = insertMetricRun(db, ceiling.randomId, null, ['2afc-label'], { planted: true });
  saveMetricValues(db, ceiling.randomId, run, '2afc-label', planted);
  db.close();

  const c = json<Comparison>(await runCli(['compare', '--project', project, '--harvest', ceiling.harvest, '--bootstrap', '200', '--json']));
  assert.deepEqual(Object.keys(c.saturated ?? {}), ['2afc-label']);
  assert.equal(c.saturated!['2afc-label']!.at, 'ceiling');
  assert.equal(c.saturated!['2afc-label']!.nullMedian, 1);
  // Before, without a flag: the real values give no metric a null at a bound.
  assert.ok(ceiling.computed.metricNames.every((m) => Math.abs(median(ceiling!.computed.bases.find((b) => b.basisId === ceiling!.randomId)!.metrics[m]!.values) - 1) > 1e-3 || !m.startsWith('2afc')));

  const text = await runCli(['compare', '--project', project, '--harvest', ceiling.harvest, '--bootstrap', '200']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /\n2afc-label\n⚠ 2afc-label cannot discriminate on this harvest: random directions sit at its ceiling \(null median 1\.000, \d+% of them at 1\)\.\n/);
  assert.equal(text.stdout.split('⚠').length, 2, 'only that metric');

  const html = join(dirname(project), 'report.html');
  const r = await runCli(['report', '--project', project, '--compare', ceiling.harvest, '--bootstrap', '200', '--out', html]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /data-saturated="2afc-label">⚠ 2afc-label cannot discriminate on this harvest/);
  assert.match(page, /data-saturated-flag="2afc-label">⚠ at ceiling</);
  assert.doesNotMatch(page, /data-saturated="2afc-pixel"/);
});
