// A text feature's card in a report (room: text, #13): each top context drawn as SVG (the report's CSP allows no
// inline styles), every token a box shaded by its activation — orange above 0, blue below, opacity by |a| / scale —
// the context's top token outlined, token text escaped, long contexts wrapped onto more lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenContextsMarkup, tokenShade, visibleToken } from '../../../main/report/sections/token-contexts';
import type { TokenContextsSnapshot } from '../../../main/report/snapshot';

const tok = (text: string, activation: number, id = 0) => ({ id, text, activation });

test('tokens are shaded by activation, the top token alone outlined, and their text escaped', () => {
  const snap: TokenContextsSnapshot = {
    scale: 2,
    contexts: [{ row: 7, context: 3, contextName: 'a.txt @0', position: 1, activation: 2, tokens: [tok('a', 0), tok('</text><script>x</script>', 2), tok('b', -1), tok(' ', 0.5)] }],
    topTokens: [{ id: 32, text: ' ', count: 4 }],
  };
  const out = tokenContextsMarkup(snap).text;
  assert.ok(!out.includes('<script>'), 'a token cannot open a tag');
  assert.ok(out.includes('&lt;/text&gt;&lt;script&gt;'));
  const boxes = [...out.matchAll(/<g class="(tok max|tok)" data-activation="([^"]+)"><rect [^>]*fill="([^"]*)" fill-opacity="([^"]*)"([^>]*)\/>/g)];
  assert.deepEqual(boxes.map((b) => [b[1], b[3], Number(b[4])]), [
    ['tok', 'none', 0],
    ['tok max', 'rgb(255,140,0)', 0.85],
    ['tok', 'rgb(60,120,255)', 0.425],
    ['tok', 'rgb(255,140,0)', 0.212], // 0.2125 rounded in binary,
  ]);
  assert.match(boxes[1]![5]!, /stroke="#d33"/);
  assert.equal(boxes.filter((b) => /stroke=/.test(b[5]!)).length, 1);
  assert.match(out, /Top tokens: <code>␣<\/code> × 4/, 'a space token is named visibly');
  assert.ok(!/style=/.test(out), 'no inline style attribute (the CSP would drop it)');
});

test('a long context wraps onto more lines, and the shading scale and visible forms are as the app shows them', () => {
  const long = Array.from({ length: 300 }, (_, i) => tok('w', i === 299 ? 1 : 0));
  const snap: TokenContextsSnapshot = { scale: 1, contexts: [{ row: 0, context: 0, contextName: null, position: 299, activation: 1, tokens: long }], topTokens: [] };
  const out = tokenContextsMarkup(snap).text;
  const height = Number(/<svg class="tokctx"[^>]* height="(\d+)"/.exec(out)![1]);
  const ys = new Set([...out.matchAll(/<rect x="\d+" y="(\d+)"/g)].map((m) => Number(m[1])));
  assert.ok(ys.size >= 3 && height >= 3 * 18, `300 boxes of 7 px wrap within 980 px: ${ys.size} lines, height ${height}`);
  assert.deepEqual(tokenShade(0, 1), { fill: 'none', opacity: 0 });
  assert.deepEqual(tokenShade(5, 0), { fill: 'none', opacity: 0 }, 'no scale, no shading');
  assert.equal(visibleToken('<0x0A>'), '⏎');
  assert.equal(visibleToken('a b'), 'a\u00a0b');
});
