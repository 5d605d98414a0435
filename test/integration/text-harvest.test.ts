// Token harvests (#13 item 2): a tiny causal transformer built here runs on real onnxruntime over text contexts, and
// every harvested row — one per sampled token position, any internal tensor — equals a float64 JS forward pass.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseModel } from '../../main/onnx/model';
import { harvestTokens, openTextCorpus, planTokenModel, TextInputError, type TextSpec } from '../../main/text';
import { writeBpeTokenizer } from '../unit/text/bpe-fixture';
import { buildTinyTransformer, referenceForward, type TinyModel } from '../unit/text/tiny-transformer';

const dir = mkdtempSync(join(tmpdir(), 'cajal-text-harvest-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const corpusDir = join(dir, 'corpus');
mkdirSync(corpusDir);
writeFileSync(join(corpusDir, 'a.txt'), 'the other thing there: the end of the other one');
writeFileSync(join(corpusDir, 'b.txt'), 'مرحبا 👋 the');
writeFileSync(join(corpusDir, 'c.txt'), 'hi');

const L = 8;

function checkAgainstReference(m: TinyModel, spec: TextSpec, tensors: string[], result: Awaited<ReturnType<typeof harvestTokens>>): number {
  const corpus = openTextCorpus(spec);
  let worst = 0;
  const refs = new Map<number, Record<string, number[][]>>();
  result.rows.forEach((row, r) => {
    if (!refs.has(row.context)) refs.set(row.context, referenceForward(m, corpus.ids(row.context, 1), corpus.mask(row.context, 1)));
    const ref = refs.get(row.context)!;
    result.tensors.forEach((t, k) => {
      const expected = ref[tensors[k]!]![row.position]!;
      assert.equal(t.dim, expected.length);
      for (let c = 0; c < t.dim; c++) worst = Math.max(worst, Math.abs(t.data[r * t.dim + c]! - expected[c]!) / (1 + Math.abs(expected[c]!)));
    });
  });
  return worst;
}

describe('harvesting a transformer over text', () => {
  it('gives one row per sampled position of any [batch, seq, d] tensor, equal to a JS forward pass (BPE tokens)', async () => {
    const tok = writeBpeTokenizer(join(dir, 'bpe.json'));
    const m = buildTinyTransformer({ vocab: 260, length: L });
    const spec: TextSpec = { kind: 'text', path: corpusDir, tokenizer: tok, contextLength: L, stride: 4, positionsPerContext: 3, seed: 2 };
    const plan = planTokenModel(parseModel(m.bytes, 'tiny'));
    assert.deepEqual([plan.ids.name, plan.mask?.name, plan.positions?.name, plan.vocabSize, plan.fixedLength], ['input_ids', 'attention_mask', 'position_ids', 260, null]);
    const tensors = ['mlp_hidden', 'resid_mid', 'logits'];
    const result = await harvestTokens(m.bytes, openTextCorpus(spec), tensors, 3);
    const corpus = openTextCorpus(spec);
    assert.equal(result.rows.length, corpus.contexts.reduce((n, c) => n + Math.min(3, c.length), 0));
    assert.ok(result.rows.some((r) => r.tokenId >= 256), 'merged BPE tokens are among the rows');
    assert.ok(corpus.contexts.some((c) => c.length < L), 'a short, padded context is among them');
    assert.deepEqual(result.tensors.map((t) => t.dim), [16, 6, 260]);
    const worst = checkAgainstReference(m, spec, tensors, result);
    assert.ok(worst < 1e-4, `largest relative difference ${worst}`);
  });

  it('feeds only input_ids to a model without mask or position inputs (byte tokens, batch of one)', async () => {
    const m = buildTinyTransformer({ vocab: 256, length: L, withMask: false, withPositions: false, seed: 3 });
    const spec: TextSpec = { kind: 'text', path: corpusDir, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: 2, seed: 0 };
    const result = await harvestTokens(m.bytes, openTextCorpus(spec), ['resid_post'], 1);
    const worst = checkAgainstReference(m, spec, ['resid_post'], result);
    assert.ok(worst < 1e-4, `largest relative difference ${worst}`);
  });

  it('refuses token ids beyond the vocabulary, a context length the model does not read, other inputs and tensors without positions', async () => {
    const bytes: TextSpec = { kind: 'text', path: corpusDir, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: 2, seed: 0 };
    const small = buildTinyTransformer({ vocab: 100, length: L });
    await assert.rejects(harvestTokens(small.bytes, openTextCorpus(bytes), ['mlp_hidden']), (e: unknown) => {
      assert.ok(e instanceof TextInputError);
      assert.match(e.message, /^Token id 116 \(bytes, document a\.txt\) is beyond the model's vocabulary of 100 tokens; use the tokenizer the model was trained with\.$/);
      return true;
    });
    const fixed = buildTinyTransformer({ vocab: 256, length: L, seqDim: L });
    await assert.rejects(harvestTokens(fixed.bytes, openTextCorpus({ ...bytes, contextLength: 4, stride: 4 }), ['mlp_hidden']), /reads exactly 8 tokens at a time/);
    const kv = buildTinyTransformer({ vocab: 256, length: L, extraInput: 'past_key_values.0.key' });
    await assert.rejects(harvestTokens(kv.bytes, openTextCorpus(bytes), ['mlp_hidden']), /also takes past_key_values\.0\.key; text stimuli feed only input_ids, attention_mask, position_ids/);
    const m = buildTinyTransformer({ vocab: 256, length: L });
    await assert.rejects(harvestTokens(m.bytes, openTextCorpus(bytes), ['keys_t']), /Tensor keys_t has shape \[\d+, 6, 8\], not \[batch, 8, …\]/);
  });
});
