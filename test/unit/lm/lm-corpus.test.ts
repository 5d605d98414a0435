// The corpus recipe of the lab's language model (main/lm/corpus.ts) on real files laid out like its Debian inputs:
// every category is collected within its budget, the split is a deterministic function of the files, held-out and
// training documents never share text, and the generated base64 decodes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { byteCounts, collectDocuments, splitCorpus, unigramBitsPerByte, type CorpusRecipe } from '../../../main/lm/corpus';

const dir = mkdtempSync(join(tmpdir(), 'cajal-lm-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function layout(): CorpusRecipe {
  const fort = join(dir, 'fortunes');
  const html = join(dir, 'doc', 'pkg', 'html');
  const code = join(dir, 'code', 'lib');
  for (const d of [fort, html, code]) mkdirSync(d, { recursive: true });
  const sayings = Array.from({ length: 300 }, (_, i) => `Saying number ${i}: a penny saved is ${i} pennies earned.\n\t\t-- Proverb ${i}`);
  writeFileSync(join(fort, 'wisdom'), `${sayings.join('\n%\n')}\n%\n`);
  writeFileSync(join(fort, 'wisdom.dat'), Buffer.from([0, 1, 2, 3, 0, 9]));
  writeFileSync(join(fort, 'wisdom.u8'), 'x');
  for (let i = 0; i < 12; i++) writeFileSync(join(html, `page${i}.html`), `<html><body><h1>Page ${i}</h1>${'<p>Some <em>manual</em> text.</p>\n'.repeat(200)}</body></html>\n`);
  for (let i = 0; i < 400; i++) writeFileSync(join(code, `mod${i}.js`), `export function f${i}(x) {\n  return x * ${i};\n}\n`.repeat(40));
  writeFileSync(join(code, 'bundle.min.js'), 'var a=1;'.repeat(200));
  writeFileSync(join(code, 'binary.js'), Buffer.concat([Buffer.from('abc'.repeat(300)), Buffer.from([0])]));
  return {
    seed: 5,
    fortunesDir: fort,
    htmlDir: join(dir, 'doc'),
    codeDirs: [join(dir, 'code')],
    budgets: { prose: 12_000, html: 30_000, code: 20_000, base64: 60_000 },
    heldOutEvery: 5,
    maxFileBytes: 16_384,
  };
}

test('the recipe collects each category within its budget, deterministically, with a disjoint held-out split', () => {
  const recipe = layout();
  const docs = collectDocuments(recipe);
  const bytes = (c: string) => docs.filter((d) => d.category === c).reduce((a, d) => a + d.bytes.length, 0);
  assert.equal(bytes('prose'), 12_000);
  assert.equal(bytes('html'), 30_000);
  assert.ok(bytes('code') > 0 && bytes('code') <= 20_000, `code ${bytes('code')}`);
  assert.equal(bytes('base64'), 60_000);
  // .dat / .u8 index files, minified bundles and files with NUL bytes are not text to learn from.
  assert.ok(!docs.some((d) => /\.(dat|u8)#|min\.js|binary\.js/.test(d.name)), 'index, minified or binary files collected');
  // Fortunes are split at their `%` lines: one saying per document.
  assert.ok(docs.filter((d) => d.category === 'prose').every((d) => (Buffer.from(d.bytes).toString().match(/Saying number/g) ?? []).length <= 1));

  const a = splitCorpus(docs, recipe);
  const b = splitCorpus(collectDocuments(recipe), recipe);
  assert.deepEqual(Buffer.from(a.train), Buffer.from(b.train));
  assert.deepEqual(Buffer.from(a.heldOut), Buffer.from(b.heldOut));
  const total = docs.reduce((s, d) => s + d.bytes.length, 0);
  assert.equal(a.train.length + a.heldOut.length, total);
  assert.ok(a.counts.heldOut.html > 0 && a.counts.train.html > 0 && a.counts.heldOut.code > 0);
  for (const c of ['prose', 'base64'] as const) {
    const share = a.counts.heldOut[c] / (a.counts.heldOut[c] + a.counts.train[c]);
    assert.ok(share > 0.05 && share < 0.4, `${c}: held-out share ${share.toFixed(3)} (1 in 5 documents expected)`);
  }
  // A held-out fortune never appears in the training text.
  const heldText = Buffer.from(a.heldOut).toString();
  const trainText = Buffer.from(a.train).toString();
  const held = [...heldText.matchAll(/Saying number (\d+):/g)].map((m) => m[1]!);
  assert.ok(held.length > 0);
  for (const n of held) assert.ok(!trainText.includes(`Saying number ${n}:`), `fortune ${n} on both sides`);
  // Documents are shuffled: the training text does not list the fortunes in file order.
  const order = [...trainText.matchAll(/Saying number (\d+):/g)].map((m) => Number(m[1]));
  assert.ok(order.some((v, i) => i > 0 && v < order[i - 1]!));
});

test('generated base64 is valid MIME-wrapped base64, and the unigram baseline scores bytes by their training counts', () => {
  const recipe = layout();
  const docs = collectDocuments(recipe).filter((d) => d.category === 'base64');
  assert.ok(docs.length >= 3);
  for (const d of docs.slice(0, -1)) {
    const text = Buffer.from(d.bytes).toString().trim();
    assert.ok(text.split('\n').every((l) => l.length <= 76));
    const flat = text.replace(/\n/g, '');
    assert.equal(Buffer.from(flat, 'base64').toString('base64'), flat);
  }
  const counts = byteCounts(Buffer.from('aaab'));
  assert.equal(counts[97], 3);
  // add-one smoothing over 256 symbols: p(a) = 4/260
  assert.ok(Math.abs(unigramBitsPerByte(counts, Buffer.from('a')) + Math.log2(4 / 260)) < 1e-12);
});
