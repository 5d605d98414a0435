// Malformed inputs each give one clear sentence and a non-zero exit, and leave the project file as it was.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { fileDigest, runCli, runCliInProcess } from '../helpers/cli';
import { fixture, fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir();
const project = join(dir, 'kept.cajal');
let projectDigest = '';

before(async () => {
  // A real project with one harvest in it, which every failing command below must leave untouched. Made in this process
  // (the same command as `cajal harvest`, its connections closed as at a process's exit); the refusals stay child
  // processes, so that anything a native library prints beside their one sentence is seen.
  const ok = await runCliInProcess(['harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU32_Output_0', '--stimuli', 'mnist:20', '--scale', '1', '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  projectDigest = fileDigest(project);
});

function assertOneSentence(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('\r'));
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

async function harvestWith(overrides: Record<string, string>) {
  const opts: Record<string, string> = { project, model: fixtureModels.mnist8(), tensor: 'ReLU32_Output_0', stimuli: 'mnist:20', scale: '1', ...overrides };
  return runCli(['harvest', ...Object.entries(opts).flatMap(([k, v]) => [`--${k}`, v])]);
}

test('a truncated .onnx file', async () => {
  const truncated = join(dir, 'truncated.onnx');
  const bytes = readFileSync(fixtureModels.mnist8());
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const r = await harvestWith({ model: truncated });
  assert.notEqual(r.code, 0);
  assertOneSentence(r.stderr, /truncated\.onnx/);
  assert.equal(fileDigest(project), projectDigest);
  const i = await runCli(['inspect', truncated]);
  assert.notEqual(i.code, 0);
  assertOneSentence(i.stderr, /truncated\.onnx/);
});

test('a text file renamed .onnx', async () => {
  const text = join(dir, 'notes.onnx');
  writeFileSync(text, 'These are my lab notes, not a model.\nLine two.\n');
  const r = await harvestWith({ model: text });
  assert.notEqual(r.code, 0);
  assertOneSentence(r.stderr, /notes\.onnx/);
  assert.equal(fileDigest(project), projectDigest);
});

test('an unknown tensor name', async () => {
  const r = await harvestWith({ tensor: 'ReLU33_Output_0' });
  assert.notEqual(r.code, 0);
  assertOneSentence(r.stderr, /ReLU33_Output_0/);
  assert.match(r.stderr, /ReLU32_Output_0/, 'suggests the close match');
  assert.equal(fileDigest(project), projectDigest);
});

test('a folder with no images', async () => {
  const empty = join(dir, 'empty-folder');
  mkdirSync(empty);
  writeFileSync(join(empty, 'readme.txt'), 'no images here');
  const r = await harvestWith({ stimuli: `folder:${empty}` });
  assert.notEqual(r.code, 0);
  assertOneSentence(r.stderr, /no PNG or JPEG/);
  assert.equal(fileDigest(project), projectDigest);
});

test('a non-project SQLite file as the project', async () => {
  const other = join(dir, 'inventory.sqlite');
  const db = new Database(other);
  db.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items(name) VALUES ('flask');");
  db.close();
  const before = fileDigest(other);
  const r = await harvestWith({ project: other });
  assert.notEqual(r.code, 0);
  assertOneSentence(r.stderr, /not a Cajal project/);
  assert.equal(fileDigest(other), before);
});

test('a wrong-shaped stimulus for the model', async () => {
  const r = await harvestWith({ stimuli: `folder:${fixture('images')}`, size: '32', channels: '3' });
  assert.notEqual(r.code, 0);
  assertOneSentence(r.stderr, /3×32×32 but the model input `Input3` expects 1×28×28/);
  assert.equal(fileDigest(project), projectDigest);
});

test('cajal report: an unknown harvest, a harvest without bases, an unknown report, neither mode', async () => {
  const html = join(dir, 'report.html');
  const cases: [string[], RegExp][] = [
    [['--compare', '99'], /^cajal report: There is no harvest 99 in this project\.$/],
    [['--compare', '1'], /^cajal report: Harvest 1 has no finished bases, so there is no comparison to send; fit bases on it first\.$/],
    [['--report', '3'], /^cajal report: There is no report 3 in this project\.$/],
    [[], /^cajal report: it takes one of --compare HARVEST_ID or --frontier HARVEST_ID \(a new report\) or --report ID \(an existing one\)\.$/],
    [['--compare', '1', '--report', '1'], /takes one of --compare/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(['report', '--project', project, ...args, '--out', html]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assertOneSentence(r.stderr, pattern);
    assert.equal(fileDigest(project), projectDigest, `${args.join(' ')} left the project as it was`);
    assert.equal(existsSync(html), false, 'no report file written');
  }
  const json = await runCli(['report', '--project', project, '--report', '3', '--json']);
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.stderr.trim()), { ok: false, error: { code: 'report.unknown', message: 'There is no report 3 in this project.' } });
});
