// The opened-corpus cache (#13): a second request for the same text set reuses the tokenised corpus, and a changed
// file (another size) or another spec opens it afresh, so a browser never shows tokens of a text that is gone.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCorpusCached } from '../../../main/text/corpus-cache';
import type { TextSpec } from '../../../main/text';
import { tempDir } from '../../helpers/fixtures';

test('the same unchanged text is tokenised once; a changed file or another spec is opened again', () => {
  const dir = tempDir('cajal-corpus-cache-');
  const path = join(dir, 'a.txt');
  writeFileSync(path, 'hello there, hello again');
  const spec: TextSpec = { kind: 'text', path, tokenizer: 'bytes', contextLength: 8, stride: 8, positionsPerContext: 4, seed: 0 };
  const first = openCorpusCached(spec);
  assert.equal(openCorpusCached({ ...spec }), first, 'reused while unchanged');
  const other = openCorpusCached({ ...spec, contextLength: 4, stride: 4 });
  assert.notEqual(other, first);
  assert.equal(other.contexts.length, 6);
  writeFileSync(path, 'goodbye');
  const changed = openCorpusCached(spec);
  assert.notEqual(changed, first, 'a changed file is read again');
  assert.equal(changed.contextText(0), 'goodbye');
  assert.equal(openCorpusCached(spec), changed);
  // A folder: a file added to it is a change too.
  writeFileSync(join(dir, 'b.txt'), 'more');
  const folder: TextSpec = { ...spec, path: dir };
  const before = openCorpusCached(folder);
  assert.equal(before.documents.length, 2);
  writeFileSync(join(dir, 'c.txt'), 'and more');
  assert.equal(openCorpusCached(folder).documents.length, 3);
});
