// The text metrics' formulas (#13 item 5) on planted token rows and windows, against values worked out by hand.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ngramOverlap, openTextCorpus, textCompression, textScorer, tokenNegEntropy, tokenWindow } from '../../../main/text';
import { Rng } from '../../../main/util/random';

const dir = mkdtempSync(join(tmpdir(), 'cajal-text-metrics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('text metrics', () => {
  it('token consistency: 0 on one token, −ln K on K tokens equally often, Σ p ln p in between', () => {
    assert.equal(tokenNegEntropy(Array(20).fill(120)), 0);
    assert.ok(Math.abs(tokenNegEntropy([1, 2, 3, 4]) + Math.log(4)) < 1e-12);
    const mixed = [7, 7, 7, 9];
    assert.ok(Math.abs(tokenNegEntropy(mixed) - (0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))) < 1e-12);
    assert.ok(Number.isNaN(tokenNegEntropy([])));
  });

  it('n-gram overlap: 1 for identical windows, 0 for windows sharing no 3-gram, Jaccard in between', () => {
    assert.equal(ngramOverlap([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]), 1);
    assert.equal(ngramOverlap([[1, 2, 3], [4, 5, 6], [1, 2, 4]]), 0);
    // {123, 234} vs {234, 345}: 1 shared of 3
    assert.ok(Math.abs(ngramOverlap([[1, 2, 3, 4], [2, 3, 4, 5]]) - 1 / 3) < 1e-12);
    assert.ok(Number.isNaN(ngramOverlap([[1, 2], [3]])), 'no pair has a 3-gram');
  });

  it('windows are the 16 tokens ending at the row token; compression scores a repeated phrase above random text', () => {
    const path = join(dir, 'doc.txt');
    const rng = new Rng(5);
    const letters = 'abcdefghijklmnopqrstuvw ';
    let text = '';
    for (let i = 0; i < 4000; i++) text += letters[rng.int(0, letters.length)];
    writeFileSync(path, text);
    const corpus = openTextCorpus({ kind: 'text', path, tokenizer: 'bytes', contextLength: 32, stride: 32, positionsPerContext: 32, seed: 0 });
    // the 16 bytes of the document ending at the row's token, across the context's start
    assert.deepEqual(tokenWindow(corpus, 2, 3), Array.from(Buffer.from(text.slice(52, 68))));
    assert.deepEqual(tokenWindow(corpus, 0, 3), Array.from(Buffer.from(text.slice(0, 4))), 'fewer at the document start');
    const phrase = Array.from(Buffer.from('hello world, xy'));
    const repeated = Array.from({ length: 20 }, () => phrase);
    const random = (seed: number) => Array.from({ length: 20 }, (_, i) => tokenWindow(corpus, (seed * 7 + i * 3) % 120, 20));
    const high = textCompression(corpus, repeated, [random(1), random(2), random(3)]);
    const low = textCompression(corpus, random(4), [random(1), random(2), random(3)]);
    assert.ok(high > 0.6, `a phrase repeated 20 times compresses far better than random windows: ${high}`);
    assert.ok(low < 0.1, `random windows compress like random windows: ${low}`);
    const score = textScorer(corpus, corpus.contexts.length);
    const xRows = Array.from({ length: 20 }, (_, i) => ({ context: i, position: 5, tokenId: text.charCodeAt(i * 32 + 5) }));
    assert.equal(score('token-consistency', xRows, new Rng(1)), tokenNegEntropy(xRows.map((r) => r.tokenId)));
    assert.equal(score('ngram-overlap', xRows, new Rng(1)), ngramOverlap(xRows.map((r) => tokenWindow(corpus, r.context, r.position))));
    assert.ok(score('text-compression', xRows, new Rng(1)) < 0.15);
  });
});
