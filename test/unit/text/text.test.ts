// Text stimuli (#13): tokenisers round-trip, contexts and sampled positions are what the spec says, and bad input is
// refused in one sentence. Real files in a temporary folder; the Hugging Face path runs the real library.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { byteTokenizer, cutContexts, loadHfTokenizer, openTextCorpus, readDocuments, samplePositions, TextInputError, type TextSpec } from '../../../main/text';
import { openStimulusSource, parseStimulusSpec } from '../../../main/stimuli';
import { widenToInt64 } from '../../../main/text/token-harvest';
import { MERGED, writeBpeTokenizer } from './bpe-fixture';

const dir = mkdtempSync(join(tmpdir(), 'cajal-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MIXED = 'The other day — مرحبا بالعالم 👋🏽 then <b>HTML</b> and aGVsbG8=\n';

function oneSentence(err: unknown, pattern: RegExp): boolean {
  assert.ok(err instanceof TextInputError, `expected a TextInputError, got ${String(err)}`);
  assert.match(err.message, pattern);
  assert.equal(err.message.split(/[.;!?]\s+[A-Z]/).length, 1, `one sentence: ${err.message}`);
  return true;
}

describe('tokenisers', () => {
  it('bytes: UTF-8 of Arabic and emoji round-trips, one id per byte, vocabulary 256', () => {
    const ids = byteTokenizer.encode(MIXED);
    assert.equal(ids.length, Buffer.byteLength(MIXED, 'utf8'));
    assert.deepEqual(ids, Array.from(Buffer.from(MIXED, 'utf8')));
    assert.equal(byteTokenizer.decode(ids), MIXED);
    assert.equal(byteTokenizer.vocabSize, 256);
    assert.equal(byteTokenizer.tokenText(0x41), 'A');
    assert.equal(byteTokenizer.tokenText(0x0a), '<0x0A>');
    assert.equal(byteTokenizer.tokenText(0xd9), '<0xD9>');
  });

  it('a byte-level BPE tokenizer.json made here round-trips text and applies its merges', () => {
    const tok = loadHfTokenizer(writeBpeTokenizer(join(dir, 'bpe.json')));
    assert.equal(tok.vocabSize, 256 + MERGED.length);
    for (const text of [MIXED, 'one the other', 'the\tthe  the\n\nthe']) assert.equal(tok.decode(tok.encode(text)), text);
    const ids = tok.encode('one the other');
    assert.ok(ids.includes(256 + MERGED.indexOf('Ġthe')), `expected Ġthe in ${ids.join(',')}`);
    assert.ok(ids.includes(256 + MERGED.indexOf('er')));
    assert.ok(ids.length < Buffer.byteLength('one the other'), 'merges shorten the sequence');
    assert.equal(tok.tokenText(256 + MERGED.indexOf('Ġthe')), 'Ġthe');
  });

  it('refuses a tokenizer.json of an unknown model type, and one that is not JSON', () => {
    assert.throws(() => loadHfTokenizer(writeBpeTokenizer(join(dir, 'odd.json'), 'Mystery')), (e) => oneSentence(e, /model type "Mystery".*BPE, WordPiece, Unigram/));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    assert.throws(() => loadHfTokenizer(join(dir, 'broken.json')), (e) => oneSentence(e, /not JSON/));
  });
});

describe('contexts and sampled positions', () => {
  it('cuts each document on its own with the stride, covering every token', () => {
    const cs = cutContexts([10, 3, 4], 4, 2);
    assert.deepEqual(cs, [
      { document: 0, start: 0, length: 4 },
      { document: 0, start: 2, length: 4 },
      { document: 0, start: 4, length: 4 },
      { document: 0, start: 6, length: 4 },
      { document: 1, start: 0, length: 3 },
      { document: 2, start: 0, length: 4 },
    ]);
    assert.deepEqual(cutContexts([9], 4, 4), [
      { document: 0, start: 0, length: 4 },
      { document: 0, start: 4, length: 4 },
      { document: 0, start: 8, length: 1 },
    ]);
    assert.throws(() => cutContexts([9], 4, 5), /stride/);
  });

  it('samples k distinct ascending positions per context, reproducibly and differently per context', () => {
    const a = samplePositions(128, 10, 7, 3);
    assert.deepEqual(a, samplePositions(128, 10, 7, 3));
    assert.equal(new Set(a).size, 10);
    assert.deepEqual(a, [...a].sort((x, y) => x - y));
    assert.ok(a.every((p) => Number.isInteger(p) && p >= 0 && p < 128));
    assert.notDeepEqual(a, samplePositions(128, 10, 7, 4));
    assert.notDeepEqual(a, samplePositions(128, 10, 8, 3));
    assert.deepEqual(samplePositions(5, 250, 0, 0), [0, 1, 2, 3, 4]);
    // Uniform over positions: across many contexts each position is drawn about k/length of the time.
    const hits = new Array<number>(16).fill(0);
    for (let c = 0; c < 4000; c++) for (const p of samplePositions(16, 4, 1, c)) hits[p]!++;
    for (const h of hits) assert.ok(Math.abs(h - 1000) < 120, `position drawn ${h} times, expected about 1000`);
  });
});

describe('documents, corpora and stimulus sets', () => {
  const folder = join(dir, 'corpus');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  writeFileSync(join(folder, 'a.txt'), 'hello world, hello text');
  writeFileSync(join(folder, 'sub', 'b.txt'), 'مرحبا 👋');
  writeFileSync(join(folder, '.hidden'), 'skipped');

  it('reads a folder recursively in sorted order, and rows carry document, position, token id and text', () => {
    const docs = readDocuments(folder);
    assert.deepEqual(docs.map((d) => d.name), ['a.txt', join('sub', 'b.txt')]);
    const spec: TextSpec = { kind: 'text', path: folder, tokenizer: 'bytes', contextLength: 8, stride: 8, positionsPerContext: 3, seed: 5 };
    const corpus = openTextCorpus(spec);
    const bytesA = Buffer.from('hello world, hello text');
    const bytesB = Buffer.from('مرحبا 👋');
    assert.equal(corpus.contexts.length, Math.ceil(bytesA.length / 8) + Math.ceil(bytesB.length / 8));
    const rows = corpus.rows(0, corpus.contexts.length);
    assert.equal(rows.length, corpus.contexts.reduce((n, c) => n + Math.min(3, c.length), 0));
    for (const r of rows) {
      const c = corpus.contexts[r.context]!;
      const bytes = r.document === 0 ? bytesA : bytesB;
      assert.equal(c.document, r.document);
      assert.equal(r.tokenId, bytes[c.start + r.position]);
      assert.equal(r.tokenText, byteTokenizer.tokenText(r.tokenId));
      assert.ok(r.position < c.length);
    }
    // Ids are the context's tokens padded with 0, and the mask marks the real ones.
    const last = corpus.contexts.length - 1;
    const c = corpus.contexts[last]!;
    const ids = corpus.ids(last, 1);
    const mask = corpus.mask(last, 1);
    assert.deepEqual(Array.from(ids.subarray(0, c.length)), Array.from(bytesB.subarray(c.start, c.start + c.length)));
    assert.ok(Array.from(ids.subarray(c.length)).every((v) => v === 0));
    assert.deepEqual(Array.from(mask), Array.from({ length: 8 }, (_, i) => (i < c.length ? 1 : 0)));
    assert.deepEqual(openTextCorpus(spec).rows(0, corpus.contexts.length), rows, 'reopening gives the same rows');
  });

  it('parses text:PATH?… into a stored spec and opens it as a stimulus source of token ids', async () => {
    const tok = writeBpeTokenizer(join(dir, 'bpe2.json'));
    const spec = parseStimulusSpec(`text:corpus?tokenizer=bpe2.json&context=6&stride=3&positions=2&seed=9`, null, { cwd: dir });
    assert.deepEqual(spec, { kind: 'text', path: folder, tokenizer: tok, contextLength: 6, stride: 3, positionsPerContext: 2, seed: 9 });
    const source = await openStimulusSource(spec);
    assert.deepEqual(source.itemShape, [6]);
    const batch = await source.batch(0, source.count);
    const corpus = openTextCorpus(spec as TextSpec);
    assert.deepEqual(Array.from(batch), Array.from(corpus.ids(0, source.count)));
    assert.match(source.meta(1).name, /^a\.txt @3$/);
    await assert.rejects(source.thumbnail(0), /not a picture/);
    assert.deepEqual(parseStimulusSpec('text:corpus', null, { cwd: dir }), { kind: 'text', path: folder, tokenizer: 'bytes', contextLength: 128, stride: 128, positionsPerContext: 250, seed: 0 });
    assert.throws(() => parseStimulusSpec('text:corpus?window=3', null, { cwd: dir }), /unknown option window/);
    assert.throws(() => parseStimulusSpec('text:corpus?context=4&stride=8', null, { cwd: dir }), /exceeds the context length 4/);
  });

  it('reads JSONL by field, and names a line that is not JSON or lacks the field', () => {
    const jsonl = join(dir, 'docs.jsonl');
    writeFileSync(jsonl, '{"text":"first doc","id":1}\n\n{"text":"مرحبا","id":2}\n');
    assert.deepEqual(readDocuments(jsonl, 'text'), [
      { name: 'docs.jsonl:1', text: 'first doc' },
      { name: 'docs.jsonl:3', text: 'مرحبا' },
    ]);
    writeFileSync(join(dir, 'bad.jsonl'), '{"text":"ok"}\n{"text": oops}\n');
    assert.throws(() => readDocuments(join(dir, 'bad.jsonl'), 'text'), (e) => oneSentence(e, /^Line 2 of bad\.jsonl is not JSON\.$/));
    assert.throws(() => readDocuments(jsonl, 'body'), (e) => oneSentence(e, /^Line 1 of docs\.jsonl has no text field "body"\.$/));
    assert.throws(() => readDocuments(jsonl), (e) => oneSentence(e, /name the field/));
  });

  it('refuses binary files in a text folder by name', () => {
    const bin = join(dir, 'with-binary');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ok.txt'), 'fine');
    writeFileSync(join(bin, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    assert.throws(() => readDocuments(bin), (e) => oneSentence(e, /^image\.png is a binary file/));
    const latin1 = join(dir, 'latin1');
    mkdirSync(latin1);
    writeFileSync(join(latin1, 'old.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    assert.throws(() => readDocuments(latin1), (e) => oneSentence(e, /^old\.txt is not UTF-8 text/));
  });
});

describe('token feeds', () => {
  it('int32 ids widen to int64 exactly as BigInt does, negatives and the extremes included (#14)', () => {
    const values = Int32Array.from([0, 1, -1, 255, 50_256, -50_257, 2 ** 31 - 1, -(2 ** 31), 123_456_789, -987_654_321]);
    assert.deepEqual(widenToInt64(values), BigInt64Array.from(values, (v) => BigInt(v)));
  });
});
