// Text harvests into a project (#13 item 2): through the lab's API a tiny causal transformer built here records one
// row per sampled token position (a varying number per context) into a real SQLite project; every row equals a
// float64 forward pass, its metadata names its context, position and token; statistics, top rows and a fit read it as
// any harvest. Bad input (ids beyond the vocabulary, a tensor without positions) is one sentence with nothing written.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRouter } from '../../main/api/router';
import type { Result } from '../../main/api/contract';
import { Lab } from '../../main/services/lab';
import { streamChunks, streamRowMeta } from '../../main/store/activations';
import { openTextCorpus, type TextSpec } from '../../main/text';
import { planTextChunks } from '../../main/text/harvest-plan';
import { tempDir } from '../helpers/fixtures';
import { buildTinyTransformer, referenceForward } from '../unit/text/tiny-transformer';

const dir = tempDir();
const corpusDir = join(dir, 'corpus');
mkdirSync(corpusDir);
writeFileSync(join(corpusDir, 'a.txt'), 'the cat sat on the mat; the dog sat on the log. '.repeat(3));
writeFileSync(join(corpusDir, 'b.txt'), 'مرحبا 👋 <b>bold</b>');
writeFileSync(join(corpusDir, 'c.txt'), 'hi');
const L = 8;
const tiny = buildTinyTransformer({ vocab: 256, length: L });
const modelPath = join(dir, 'tiny.onnx');
writeFileSync(modelPath, tiny.bytes);
const small = buildTinyTransformer({ vocab: 100, length: L });
const smallPath = join(dir, 'small.onnx');
writeFileSync(smallPath, small.bytes);
const spec: TextSpec = { kind: 'text', path: corpusDir, tokenizer: 'bytes', contextLength: L, stride: 6, positionsPerContext: 5, seed: 3 };

const lab = new Lab(() => undefined);
after(() => lab.shutdown());
const router = createRouter(lab, 'direct');

describe('a text harvest in a project', () => {
  it('records one row per sampled token of each tensor, equal to a JS forward pass, with its token metadata', async () => {
    lab.openProject({ path: join(dir, 'p.cajal'), create: true });
    const model = (await router.call('models.open', { path: modelPath })) as Result<'models.open'>;
    const set = (await router.call('stimuli.create', { spec })) as Result<'stimuli.create'>;
    // chunkRows 12: chunks of whole contexts (5 rows each, fewer for the short ones) — several chunks, uneven sizes
    const started = (await router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden', 'resid_mid'], batchSize: 3, chunkRows: 12 })) as Result<'harvests.start'>;
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'done', job.error ?? '');

    const corpus = openTextCorpus(spec);
    const expectedRows = corpus.rows(0, corpus.contexts.length);
    assert.ok(corpus.contexts.some((c) => c.length < 5), 'a context shorter than the sample gives fewer rows');
    const harvests = lab.listHarvests();
    assert.deepEqual(harvests.map((h) => [h.tensor, h.dim, h.rowsDone, h.rowsExpected, h.status]), [
      ['mlp_hidden', 16, expectedRows.length, expectedRows.length, 'done'],
      ['resid_mid', 6, expectedRows.length, expectedRows.length, 'done'],
    ]);
    const db = lab.database;
    const meta: number[][] = [];
    for (const c of streamRowMeta(db, harvests[0]!.id)) for (let i = 0; i < c.rowCount; i++) meta.push(Array.from(c.meta.subarray(i * 4, i * 4 + 4)));
    assert.deepEqual(meta, expectedRows.map((r) => [r.context, r.tokenId, r.position, r.document]));

    let worst = 0;
    const refs = new Map<number, Record<string, number[][]>>();
    for (const [k, h] of harvests.entries()) {
      let row = 0;
      const chunkRows: number[] = [];
      for (const c of streamChunks(db, h.id)) {
        chunkRows.push(c.rowCount);
        for (let i = 0; i < c.rowCount; i++, row++) {
          const r = expectedRows[row]!;
          if (!refs.has(r.context)) refs.set(r.context, referenceForward(tiny, corpus.ids(r.context, 1), corpus.mask(r.context, 1)));
          const want = refs.get(r.context)![h.tensor]![r.position]!;
          for (let j = 0; j < h.dim; j++) worst = Math.max(worst, Math.abs(c.data[i * h.dim + j]! - want[j]!) / (1 + Math.abs(want[j]!)));
        }
      }
      assert.deepEqual(chunkRows, planTextChunks(corpus, corpus.contexts.length, 12).map((c) => c.rows));
      if (k === 0) assert.ok(chunkRows.length > 3 && new Set(chunkRows).size > 1, `chunks of whole contexts, of varying rows: ${chunkRows.join(', ')}`);
    }
    assert.ok(worst < 1e-4, `largest relative difference ${worst}`);

    const stats = (await router.call('harvests.stats', { harvestId: harvests[0]!.id })) as Result<'harvests.stats'>;
    assert.equal(stats.rows, expectedRows.length);
    const unit = stats.units.reduce((a, b) => (b.max > a.max ? b : a));
    const top = (await router.call('harvests.top', { harvestId: harvests[0]!.id, unit: unit.unit, k: 3, order: 'top' })) as Result<'harvests.top'>;
    assert.equal(top[0]!.activation, unit.max);
    const r = expectedRows[top[0]!.row]!;
    assert.deepEqual(top[0]!.token, {
      context: r.context,
      contextName: `${corpus.documents[r.document]!.name} @${corpus.contexts[r.context]!.start}`,
      document: r.document,
      position: r.position,
      tokenId: r.tokenId,
      tokenText: r.tokenText,
    });

    const fit = (await router.call('bases.fit', { harvestId: harvests[0]!.id, method: 'pca', params: { nFeatures: 4 } })) as Result<'bases.fit'>;
    const fitJob = await lab.jobs.wait(fit.jobId);
    assert.equal(fitJob.status, 'done', fitJob.error ?? '');
  });

  it('refuses ids beyond the vocabulary and a tensor without token positions in one sentence, writing nothing', async () => {
    lab.openProject({ path: join(dir, 'bad.cajal'), create: true });
    const model = (await router.call('models.open', { path: smallPath })) as Result<'models.open'>;
    const set = (await router.call('stimuli.create', { spec })) as Result<'stimuli.create'>;
    await assert.rejects(router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden'] }), (e: Error) => {
      assert.equal(e.message, "Token id 116 (bytes, document a.txt) is beyond the model's vocabulary of 100 tokens; use the tokenizer the model was trained with.");
      return true;
    });
    const good = (await router.call('models.open', { path: modelPath })) as Result<'models.open'>;
    await assert.rejects(router.call('harvests.start', { modelId: good.id, stimulusSetId: set.id, tensors: ['keys_t'] }), (e: Error) => /^Tensor keys_t has shape \[1, 6, 8\], not \[batch, 8, …\], so it has no value per token position\.$/.test(e.message));
    assert.equal(lab.listHarvests().length, 0);
    assert.equal(((await router.call('jobs.list', {})) as unknown[]).length, 0);
  });
});
