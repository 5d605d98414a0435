// Text metrics through the lab (#13 item 5): a model built here plants three units on byte text — unit 0 fires only
// on the "x" of "hello there x", unit 1 on every token at the last position of a context (whatever the token), unit 2 on
// "e" a little and on "x" not at all — then the neurons basis is scored with the text metrics. Planted answers: unit 0's
// top rows are one token (token consistency exactly 0) whose windows share "hello there x" (n-gram overlap and compression
// well above unit 1's, whose top rows are many tokens in unrelated windows). Image metrics on text: one sentence.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createRouter } from '../../main/api/router';
import type { Result } from '../../main/api/contract';
import { Lab } from '../../main/services/lab';
import { tempDir } from '../helpers/fixtures';
import { PLANTED_LENGTH, plantedTextModel, writePlantedCorpus } from '../unit/text/planted-text';

const dir = tempDir();
const L = PLANTED_LENGTH;
const textPath = join(dir, 'planted.txt');
writePlantedCorpus(textPath);
const modelPath = join(dir, 'planted.onnx');
writeFileSync(modelPath, plantedTextModel());

const lab = new Lab(() => undefined);
after(() => lab.shutdown());
const router = createRouter(lab, 'direct');

test('text metrics score planted features of a text harvest', { timeout: 120_000 }, async (t) => {
  lab.openProject({ path: join(dir, 'm.cajal'), create: true });
  const model = (await router.call('models.open', { path: modelPath })) as Result<'models.open'>;
  const set = (await router.call('stimuli.create', { spec: { kind: 'text', path: textPath, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: L, seed: 0 } })) as Result<'stimuli.create'>;
  const started = (await router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden'] })) as Result<'harvests.start'>;
  assert.equal((await lab.jobs.wait(started.jobId)).status, 'done');
  const harvestId = started.harvestIds[0]!;
  const fit = (await router.call('bases.fit', { harvestId, method: 'neurons' })) as Result<'bases.fit'>;
  assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');

  await assert.rejects(router.call('metrics.compute', { basisId: fit.basisId, metrics: ['2afc-pixel', 'compression'] }), {
    message: /^2afc-pixel, compression compare images, but stimulus set ".*" is text; choose the text metrics \(token-consistency, ngram-overlap, text-compression\)\.$/,
  });
  const job = (await router.call('metrics.compute', { basisId: fit.basisId, metrics: ['token-consistency', 'ngram-overlap', 'text-compression'] })) as Result<'metrics.compute'>;
  const done = await lab.jobs.wait(job.jobId);
  assert.equal(done.status, 'done', done.error ?? '');
  const table = (await router.call('features.table', { basisId: fit.basisId })) as Result<'features.table'>;
  const m = table.features.map((f) => f.metrics);
  t.diagnostic(`text metrics of units 0, 1, 2: ${JSON.stringify(m)}`);
  assert.equal(m[0]!['token-consistency'], 0, 'unit 0 fires on one token');
  assert.ok(m[1]!['token-consistency']! < -1, `unit 1's top rows are many tokens: ${m[1]!['token-consistency']}`);
  assert.equal(m[2]!['token-consistency'], 0, 'unit 2 fires on one token too');
  assert.ok(m[0]!['ngram-overlap']! > m[1]!['ngram-overlap']! + 0.1, `unit 0's windows share "hello there x": ${m[0]!['ngram-overlap']} vs ${m[1]!['ngram-overlap']}`);
  assert.ok(m[0]!['text-compression']! > m[1]!['text-compression']! + 0.1, `and compress together: ${m[0]!['text-compression']} vs ${m[1]!['text-compression']}`);

  const detail = (await router.call('features.get', { basisId: fit.basisId, feature: 0 })) as Result<'features.get'>;
  assert.deepEqual(new Set(detail.top.slice(0, 20).map((e) => e.labelName)), new Set(['x']), 'the feature card names the token');

  // The token-context browser's data (#13 item 4): the model re-run on the top contexts, every token encoded.
  const view = (await router.call('text.contexts', { basisId: fit.basisId, feature: 0, k: 5 })) as Result<'text.contexts'>;
  assert.equal(view.contexts.length, 5);
  assert.equal(new Set(view.contexts.map((c) => c.context)).size, 5, 'distinct contexts');
  for (const c of view.contexts) {
    assert.equal(c.tokens[c.position]!.text, 'x');
    assert.ok(Math.abs(c.tokens[c.position]!.activation - c.activation) < 1e-5, 'the re-run reproduces the stored activation');
    for (const t of c.tokens) assert.equal(t.activation, t.text === 'x' ? 1 : 0, `token ${t.text}`);
  }
  assert.equal(view.scale, 1);
  assert.deepEqual(view.topTokens[0], { id: 'x'.charCodeAt(0), text: 'x', count: view.topTokens.reduce((a, t) => a + t.count, 0) });
  const last = (await router.call('text.contexts', { basisId: fit.basisId, feature: 1, k: 3 })) as Result<'text.contexts'>;
  for (const c of last.contexts) assert.deepEqual(c.tokens.map((t) => t.activation), c.tokens.map((_, i) => (i === L - 1 ? 1 : 0)), 'unit 1: the last position');

  const defs = (await router.call('metrics.definitions', {})) as Result<'metrics.definitions'>;
  for (const name of ['token-consistency', 'ngram-overlap', 'text-compression']) {
    const d = defs.find((x) => x.name === name);
    assert.ok(d && d.needsText && d.formula.length > 80, `${name} is defined`);
  }
});
