// Issue #8 item 7: a --limit beyond the stimulus set is refused in one sentence (it was cut silently to the set's size),
// from the CLI before the project file exists, and from the lab's harvests.start for the UI.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Lab } from '../../main/services/lab';
import { runCli } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const dir = tempDir();

test('cajal harvest --stimuli noise:white --limit 100000 refuses in one sentence and writes nothing', async () => {
  const project = join(dir, 'limit.cajal');
  const r = await runCli(['harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU32_Output_0', '--stimuli', 'noise:white', '--limit', '100000']);
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /--limit 100,000 is more than the 1,000 stimuli in noise:white; lower the limit or record a larger set \(noise:white:100000\)\./);
  assert.equal(existsSync(project), false);
});

const lab = new Lab(() => undefined);
after(() => lab.shutdown());

test('harvests.start with a limit beyond the set refuses; a limit within it records exactly that many', async () => {
  lab.openProject({ path: join(dir, 'lab.cajal'), create: true });
  const model = await lab.openModel({ path: fixtureModels.mnist8() });
  const recipe = { ...model.suggestedRecipe!, scale: 1 };
  const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: 12, recipe } });
  assert.throws(
    () => lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU32_Output_0'], positions: 'centre', limit: 13 }),
    (e: Error) => e.name === 'UserError' && /--limit 13 is more than the 12 stimuli in stimulus set/.test(e.message),
  );
  assert.equal(lab.listHarvests().length, 0);
  const ok = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['ReLU32_Output_0'], positions: 'centre', limit: 12 });
  const job = await lab.jobs.wait(ok.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  assert.equal(lab.listHarvests()[0]!.rowsDone, 12);
});
