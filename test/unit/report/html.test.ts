// Escaping in reports: the html template escapes what it interpolates, keeps markup it built, and images are only
// ever inline data: URLs; ECharts' SVG is made static (no inline style attributes, no hover stylesheet).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticSvg } from '../../../main/report/charts';
import { escapeHtml, html, imageDataUrl, trusted } from '../../../main/report/html';
import { reportFileName } from '../../../main/report/render';

test('escapeHtml escapes the five characters that can open a tag or end an attribute', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(escapeHtml('plain text, 1 < 2'), 'plain text, 1 &lt; 2');
});

test('html escapes every interpolated value unless it is markup it built', () => {
  const name = '<script>alert("x")</script>';
  const inner = html`<b>${name}</b>`;
  const out = html`<p title="${name}">${inner} ${[html`<i>${'a&b'}</i>`, '<u>']} ${null}${undefined}${false}${0}</p>`.text;
  assert.equal(out, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b> <i>a&amp;b</i>&lt;u&gt; 0</p>');
  assert.equal(html`${trusted('<svg></svg>')}`.text, '<svg></svg>');
});

test('imageDataUrl keeps inline raster images only', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  assert.equal(imageDataUrl(png), png);
  assert.equal(imageDataUrl('data:image/jpeg;base64,/9j/4AAQ'), 'data:image/jpeg;base64,/9j/4AAQ');
  assert.equal(imageDataUrl('http://example.com/x.png'), null);
  assert.equal(imageDataUrl('data:image/svg+xml;base64,PHN2Zz4='), null, 'SVG may carry script');
  assert.equal(imageDataUrl('data:image/png;base64,AAAA" onerror="alert(1)'), null);
  assert.equal(imageDataUrl(''), null);
});

test('staticSvg turns style attributes into presentation attributes and drops the hover stylesheet', () => {
  const svg =
    '<svg width="10" height="10" xmlns="http://www.w3.org/2000/svg"><text style="font-size:12px;font-family:sans-serif;" fill="#000">a</text>' +
    '<style ><![CDATA[\n.zr0-cls-0:hover { cursor:pointer; }\n]]>\n</style></svg>';
  const out = staticSvg(svg, 'a "chart" <x>');
  assert.equal(
    out,
    '<svg role="img" aria-label="a &quot;chart&quot; &lt;x&gt;" width="10" height="10" xmlns="http://www.w3.org/2000/svg"><text font-size="12px" font-family="sans-serif" fill="#000">a</text></svg>',
  );
});

test('report file names are safe and carry the report id', () => {
  assert.equal(reportFileName(3, 'Bases of hidden1 · mnist-mlp.onnx'), 'cajal-report-3-bases-of-hidden1-mnist-mlponnx.html');
  assert.equal(reportFileName(4, '../../etc/passwd'), 'cajal-report-4-etcpasswd.html');
  assert.equal(reportFileName(5, '<script>'), 'cajal-report-5-script.html');
  assert.equal(reportFileName(6, '★★★'), 'cajal-report-6.html');
});
