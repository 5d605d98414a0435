// `cajal harvest` over text (#13 item 2): a harvest of a tiny transformer's MLP over thousands of contexts, killed
// with SIGKILL half-way, resumes from its last committed chunk of whole contexts and ends byte-identical to an
// uninterrupted run (rows, row metadata, unit statistics). Ids beyond the model's vocabulary: one sentence, no file.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { computeUnitStats } from '../../main/harvest/unit-stats';
import { streamChunks, streamRowMeta } from '../../main/store/activations';
import { openProjectDb } from '../../main/store/project';
import { loadUnitStats } from '../../main/store/repo';
import { openTextCorpus } from '../../main/text';
import { commands } from '../../main/cli/commands';
import { tempDir } from '../helpers/fixtures';
import { committedRows, killOnceCommitted } from '../helpers/kill-resume';
import { buildTinyTransformer } from '../unit/text/tiny-transformer';

const dir = tempDir();
const textPath = join(dir, 'prose.txt');
// 1,500 contexts of 8 bytes: mixed prose, markup and digits, so the rows differ
const words = ['the', 'cat', '<div>', 'sat', 'on', '1234', 'mat', 'base64:QUJD', 'and', 'ran'];
writeFileSync(textPath, Array.from({ length: 3000 }, (_, i) => words[(i * 7 + (i >> 3)) % words.length]).join(' ').slice(0, 12000));
const modelPath = join(dir, 'tiny.onnx');
writeFileSync(modelPath, buildTinyTransformer({ vocab: 256, length: 8, hidden: 16 }).bytes);
const stimuli = `text:${textPath}?context=8&stride=8&positions=5&seed=1`;
const corpus = openTextCorpus({ kind: 'text', path: textPath, tokenizer: 'bytes', contextLength: 8, stride: 8, positionsPerContext: 5, seed: 1 });
const total = corpus.rows(0, corpus.contexts.length).length;

const args = (project: string, model = modelPath) => [
  'harvest', '--project', project, '--model', model, '--tensor', 'mlp_hidden', '--stimuli', stimuli, '--batch', '2', '--chunk-rows', '25',
];

const inProcess = (project: string, model = modelPath) => ({ project, model, tensor: ['mlp_hidden'], stimuli, batch: '2', 'chunk-rows': '25' });

function allRows(project: string): { data: Buffer; meta: Buffer } {
  const db = openProjectDb(project);
  const data = Buffer.concat([...streamChunks(db, 1)].map((c) => Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)));
  const meta = Buffer.concat([...streamRowMeta(db, 1)].map((c) => Buffer.from(c.meta.buffer)));
  db.close();
  return { data, meta };
}

test('SIGKILL half-way through a text harvest, then the same command resumes byte-identical', { timeout: 240_000 }, async () => {
  assert.equal(corpus.contexts.length, 1500);
  const killed = join(dir, 'killed.cajal');
  let seen = 0;
  const { signal } = await killOnceCommitted(args(killed), () => (seen = committedRows(killed)) >= total / 4, { pollMs: 10 });
  assert.equal(signal, 'SIGKILL');
  const atKill = committedRows(killed);
  assert.ok(atKill >= seen && atKill < total, `killed at ${atKill} of ${total} rows`);

  // The same command again (in this process, to spare a second start of the CLI) resumes the killed job.
  assert.equal(await commands.harvest!.run(inProcess(killed), []), 0);
  assert.equal(committedRows(killed), total);
  const fresh = join(dir, 'fresh.cajal');
  assert.equal(await commands.harvest!.run(inProcess(fresh), []), 0);
  const a = allRows(killed);
  const b = allRows(fresh);
  assert.equal(a.data.length, total * 16 * 4);
  assert.ok(a.data.equals(b.data), 'the resumed rows equal the uninterrupted run, byte for byte');
  assert.ok(a.meta.equals(b.meta), 'and so does their metadata');
  const expectedMeta = Int32Array.from(corpus.rows(0, corpus.contexts.length).flatMap((r) => [r.context, r.tokenId, r.position, r.document]));
  assert.ok(a.meta.equals(Buffer.from(expectedMeta.buffer)), 'metadata: context, token id, position, document');

  const db = openProjectDb(killed);
  assert.deepEqual(db.prepare('SELECT status FROM jobs').pluck().all(), ['done'], 'the killed job itself finished: resumed, not started over');
  const freshDb = openProjectDb(fresh);
  const resumedStats = loadUnitStats(db, 1);
  assert.deepEqual(resumedStats, loadUnitStats(freshDb, 1));
  assert.deepEqual(resumedStats, computeUnitStats(db, 1));
  assert.ok(resumedStats.some((u) => u.fracActive > 0 && u.std > 0), 'statistics of real activations');
  freshDb.close();
  db.close();
});

test('cajal harvest over text with ids beyond the vocabulary refuses in one sentence and writes nothing', async () => {
  const smallPath = join(dir, 'small.onnx');
  writeFileSync(smallPath, buildTinyTransformer({ vocab: 100, length: 8 }).bytes);
  const project = join(dir, 'vocab.cajal');
  await assert.rejects(commands.harvest!.run(inProcess(project, smallPath), []), {
    message: "Token id 116 (bytes, document prose.txt) is beyond the model's vocabulary of 100 tokens; use the tokenizer the model was trained with.",
  });
  assert.equal(existsSync(project), false);
});
