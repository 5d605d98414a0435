// `--noise-generator 1|2` (#14) through the command line: `cajal harvest` and `cajal revcorr --stimuli` make white or
// pink noise by the generator asked for (generator 1 stored as specs were before generators were numbered, so a set
// made by an older version is made again exactly), without the flag the app's rule holds (a new set gets 2, a
// project's generator-1 set of the same noise is found), and any other value, or the flag on other stimuli, is one
// sentence that leaves the project file as it was.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { fileDigest, runCli, runCliInProcess } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { writePlantedModel } from './revcorr-helpers';

const dir = tempDir('cajal-cli-noise-generator-');
const model = writePlantedModel(dir);
const project = join(dir, 'lab.cajal');

/** The project's stimulus sets as stored, oldest first. */
function storedSpecs(path: string): { distribution: string; count: number; generator?: number }[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT spec_json FROM stimulus_sets ORDER BY id').pluck().all() as string[]).map((json) => JSON.parse(json) as { distribution: string; count: number; generator?: number });
  } finally {
    db.close();
  }
}

const harvest = (path: string, stimuli: string, ...extra: string[]) => runCliInProcess(['harvest', '--project', path, '--model', model, '--tensor', 'ln', '--stimuli', stimuli, ...extra, '--json']);

test('cajal harvest: --noise-generator 1 stores generator-1 white noise, the same command without it finds that set, 2 makes a new one', async () => {
  const one = await harvest(project, 'noise:white:30', '--noise-generator', '1');
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(storedSpecs(project).map((s) => [s.distribution, s.generator]), [['gaussian', undefined]], 'stored without a generator, as before generators were numbered');
  const again = await harvest(project, 'noise:white:30');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(storedSpecs(project).length, 1, 'without the flag the project’s generator-1 set is the set');
  const two = await harvest(project, 'noise:white:30', '--noise-generator', '2');
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(storedSpecs(project).map((s) => s.generator), [undefined, 2]);

  // A new project without the flag: what the app gives new sets, for pink noise too.
  const fresh = join(dir, 'fresh.cajal');
  const pink = await harvest(fresh, 'noise:pink:30');
  assert.equal(pink.code, 0, pink.stderr);
  assert.deepEqual(storedSpecs(fresh).map((s) => [s.distribution, s.generator]), [['pink', 2]]);
});

test('a --noise-generator other than 1 or 2, or on stimuli that are not white or pink noise, is one sentence and writes nothing', async () => {
  const before = fileDigest(project);
  const refusals: [string[], RegExp][] = [
    [['harvest', '--project', project, '--model', model, '--tensor', 'ln', '--stimuli', 'noise:white:30', '--noise-generator', '3'], /^cajal harvest: --noise-generator takes 1 \(Box–Muller\) or 2 \(ziggurat\), not 3\.$/],
    [['harvest', '--project', project, '--model', model, '--tensor', 'ln', '--stimuli', 'noise:uniform:30', '--noise-generator', '1'], /^cajal harvest: --noise-generator applies to white and pink noise, not noise:uniform:30\.$/],
    [['revcorr', '--project', project, '--harvest', '1', '--units', '0', '--stimuli', 'noise:white', '--noise-generator', 'ziggurat', '--estimator', 'sta'], /^cajal revcorr: --noise-generator takes 1 \(Box–Muller\) or 2 \(ziggurat\), not ziggurat\.$/],
  ];
  for (const [args, sentence] of refusals) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), sentence);
    assert.equal(fileDigest(project), before, args.join(' '));
  }
});

test('cajal revcorr --stimuli noise:pink --noise-generator 1 maps over generator-1 pink noise', async () => {
  const r = await runCliInProcess(['revcorr', '--project', project, '--harvest', '1', '--units', '0', '--stimuli', 'noise:pink', '--count', '25', '--noise-generator', '1', '--estimator', 'sta', '--nulls', '0', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(storedSpecs(project).at(-1), { kind: 'noise', distribution: 'pink', count: 25, itemShape: [1, 28, 28], seed: 0, mean: 0, std: 1 });
});

test('both commands document --noise-generator in --help', async () => {
  for (const command of ['harvest', 'revcorr']) {
    const r = await runCliInProcess([command, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--noise-generator 1\|2 +white and pink noise: the normal generator, 1 \(Box–Muller, as before generator 2\) or\n +2 \(ziggurat\); default: 2 for a new set/);
  }
});
