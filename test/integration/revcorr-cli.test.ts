// `cajal revcorr` end to end in a child process (#11): a planted network harvested over MNIST, then mapped with
// new white-noise stimuli (the CLI harvests the layer again), filters written as .npy; a unit out of range is one
// sentence and leaves the project file untouched.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRouter } from '../../main/api/router';
import { readNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { fileDigest, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { corr, harvest, planted, writePlantedModel } from './revcorr-helpers';

const dir = tempDir('cajal-revcorr-cli-');
const project = join(dir, 'cli.cajal');

before(async () => {
  const lab = new Lab(() => undefined);
  lab.openProject({ path: project, create: true });
  const router = createRouter(lab, 'direct');
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1 / 255, mean: [0], std: [1], layout: 'NCHW' };
  await harvest(lab, router, writePlantedModel(dir), ['ln'], { kind: 'mnist', offset: 0, count: 500, recipe });
  await lab.shutdown();
});
after(() => undefined);

test('cajal revcorr --stimuli noise:white maps the planted ON/OFF units and writes the filters', async () => {
  const out = join(dir, 'filters.npy');
  const r = await runCli(['revcorr', '--project', project, '--harvest', '1', '--units', '0-1', '--stimuli', 'noise:white', '--count', '20000', '--estimator', 'sta', '--nulls', '0', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { harvestId: number; itemShape: number[]; units: { unit: number; heldOutEv: number }[] };
  assert.notEqual(res.harvestId, 1, 'a new mapping harvest over white noise');
  assert.deepEqual(res.itemShape, [1, 28, 28]);
  const npy = readNpy(readFileSync(out), 'filters.npy');
  assert.deepEqual(npy.shape, [2, 1, 28, 28]);
  const data = npy.data;
  const rOn = corr(data.subarray(0, 784), planted.on);
  const rOff = corr(data.subarray(784), planted.on);
  assert.ok(rOn >= 0.95 && rOff <= -0.95, `r ON ${rOn}, OFF ${rOff}`);
  assert.ok(res.units.every((u) => u.heldOutEv > 0.8));
});

test('cajal revcorr with a unit out of range: one sentence, exit 1, project untouched', async () => {
  const before = fileDigest(project);
  const r = await runCli(['revcorr', '--project', project, '--harvest', '1', '--units', '0,9', '--stimuli', 'noise:white', '--estimator', 'sta']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr.trim(), /^cajal revcorr: Harvest 1 has 3 units \(0 to 2\); 9 is out of range\.$/);
  assert.equal(fileDigest(project), before);
});
