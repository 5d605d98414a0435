// Bad recordings (#11 item 4): each refused with one sentence naming what is wrong, exit 1, and the project file
// byte-for-byte as it was — spike times past the stimulus's end, a frame shape that does not divide the stimulus,
// a cell that is not in the recording, an NWB file without a units table, counts of the wrong length, not HDF5.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeNpy } from '../../main/io/npy';
import { fileDigest, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { H, synthesize, W, writeNpyRecording, writeNwbRecording } from './recordings-helpers';

const dir = tempDir('cajal-recordings-bad-');
const project = join(dir, 'bad.cajal');
let files: { stimulus: string; spikes: string };

before(async () => {
  // 300 frames at 100 Hz: 3 s of stimulus, and one good recording so the project exists.
  files = writeNpyRecording(dir, synthesize(300));
  const r = await runCli(['import-recording', '--project', project, '--stimulus', files.stimulus, '--frame-shape', `${H},${W}`, '--frame-rate', '100', '--spikes', files.spikes, '--json']);
  assert.equal(r.code, 0, r.stderr);
});

async function refused(args: string[], sentence: RegExp): Promise<void> {
  const before = fileDigest(project);
  const r = await runCli(args);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const text = r.stderr.trim();
  assert.match(text, sentence);
  assert.equal(text.split('\n').length, 1, `one sentence, got: ${text}`);
  assert.equal(fileDigest(project), before, 'nothing written');
}

test('spike times outside the stimulus duration are refused', async () => {
  const spikes = join(dir, 'late.csv');
  writeFileSync(spikes, 'cell,time\n0,0.5\n1,1.25\n1,3.5\n');
  await refused(
    ['import-recording', '--project', project, '--stimulus', files.stimulus, '--frame-shape', `${H},${W}`, '--frame-rate', '100', '--spikes', spikes],
    /^cajal import-recording: Cell 1 has a spike at 3\.5 s, outside the stimulus's 0–3 s \(300 frames at 100 Hz\)\.$/,
  );
});

test('a frame shape that does not match the stimulus size is refused', async () => {
  await refused(
    ['import-recording', '--project', project, '--stimulus', files.stimulus, '--frame-shape', '10,10', '--frame-rate', '100', '--spikes', files.spikes],
    /^cajal import-recording: stim\.npy holds 144 values per frame but --frame-shape 10,10 needs 100\.$/,
  );
});

test('a cell out of range is refused before a run is written', async () => {
  await refused(['revcorr', '--project', project, '--recording', '1', '--cells', '0,5', '--estimator', 'sta', '--lags', '3'], /^cajal revcorr: Recording 1 has 2 cells \(0 to 1\); 5 is out of range\.$/);
});

test('an NWB file without a units table is refused', async () => {
  const nwb = join(dir, 'no-units.nwb');
  await writeNwbRecording(nwb, synthesize(50), false);
  await refused(['import-recording', '--project', project, '--nwb', nwb], /^cajal import-recording: no-units\.nwb has no \/units table, so it names no cells; export the sorted units with the recording\.$/);
});

test('counts with the wrong number of frames are refused', async () => {
  const counts = join(dir, 'counts.npy');
  writeFileSync(counts, writeNpy(new Float32Array(299 * 2), [299, 2]));
  await refused(
    ['import-recording', '--project', project, '--stimulus', files.stimulus, '--frame-shape', `${H},${W}`, '--frame-rate', '100', '--spikes', counts, '--spikes-as', 'counts'],
    /^cajal import-recording: counts\.npy has 299 rows of counts but the stimulus has 300 frames; counts need one row per frame\.$/,
  );
});

test('a file that is not HDF5 is refused without HDF5 diagnostics', async () => {
  const junk = join(dir, 'junk.nwb');
  writeFileSync(junk, 'this is not an HDF5 file at all');
  await refused(['import-recording', '--project', project, '--nwb', junk], /^cajal import-recording: junk\.nwb is not an HDF5 \(NWB\) file\.$/);
});
