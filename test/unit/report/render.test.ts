// The HTML builder on a hand-made comparison and collection: one SVG chart per metric, the tables with the numbers as
// the report prints them, the metric definitions with their departures, every user string escaped, and nothing that
// would load from the network. The report's one stylesheet is the one the app's CSP allows (for the preview).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Comparison, ComparisonBasis, MetricName } from '../../../main/api/contract';
import { metricDefinitions } from '../../../main/analyses/definitions';
import { median } from '../../../main/analyses/stats';
import { num } from '../../../main/report/format';
import { renderReport, type RenderInput } from '../../../main/report/render';
import type { BasisProvenance, CollectionSnapshot, ComparisonSnapshot, HarvestProvenance } from '../../../main/report/snapshot';
import { REPORT_CSS_SOURCE } from '../../../main/report/style';
import { repoRoot } from '../../helpers/fixtures';

const HOSTILE = '<script>alert("pwned")</script> & <img src=http://evil.example/x.png>';
const METRICS: MetricName[] = ['2afc-label', 'label-purity'];
// A 1×1 grey PNG.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';

function values(offset: number, n = 24): number[] {
  return Array.from({ length: n }, (_, i) => Math.round((offset + 0.3 * Math.sin(i * 1.7 + offset)) * 1000) / 1000);
}

function basis(basisId: number, method: ComparisonBasis['method'], name: string, offset: number): ComparisonBasis {
  const metrics: ComparisonBasis['metrics'] = {};
  METRICS.forEach((m, mi) => {
    const v = values(offset + mi * 0.1);
    const med = median(v);
    metrics[m] = {
      values: v,
      median: med,
      ci95: [med - 0.05, med + 0.04],
      vsNeurons: method === 'neurons' ? null : { u: 400 + basisId, p: basisId === 3 ? 0.0012 : 0.31, effect: 0.69 },
      vsRandom: method === 'random' ? null : { u: 350 + basisId, p: 2e-7, effect: 0.81 },
    };
  });
  const quality = { rows: 200, mse: 0.0123 * basisId, explainedVariance: 1 - 0.1 * basisId, reconstructionCosine: 0.9, l0: 16 / basisId, deadFraction: 0, denseFraction: 0.25, densityHistogram: { edges: [], counts: [], dead: 0 } };
  return { basisId, name, method, nFeatures: 24, quality, metrics };
}

const bases = [basis(1, 'neurons', 'neurons', 0.55), basis(2, 'random', 'random (24)', 0.5), basis(3, 'pca', HOSTILE, 0.7)];
const comparison: Comparison = {
  harvestId: 7,
  bases,
  metricNames: METRICS,
  matchMatrix: [
    [1, 0.41, 0.52],
    [0.38, 1, 0.47],
    [0.55, 0.49, 1],
  ],
  neuronsBasisId: 1,
  randomBasisId: 2,
  bootstrap: 500,
  seed: 3,
};
const harvest: HarvestProvenance = {
  harvestId: 7,
  tensor: 'hidden1',
  tensorShape: [256],
  positions: 'centre',
  dim: 256,
  rows: 2000,
  source: 'model',
  model: { name: `${HOSTILE}.onnx`, sha256: 'ab'.repeat(32) },
  stimulusSet: { name: 'MNIST ×2000', kind: 'mnist', count: 2000 },
  createdAt: '2025-03-01T10:00:00.000Z',
};
const provenance: BasisProvenance[] = bases.map((b) => ({ basisId: b.basisId, harvestId: 7, name: b.name, method: b.method, params: { nFeatures: 24, note: HOSTILE }, seed: 11, nFeatures: 24, status: 'done', finishedAt: '2025-03-01T10:05:00.000Z' }));
const definitions = metricDefinitions().filter((d) => METRICS.includes(d.name));
const base = { version: 1 as const, project: `lab ${HOSTILE}.cajal`, cajalVersion: '0.1.0', takenAt: '2025-03-02T09:00:00.000Z', definitions };
const comparisonSnapshot: ComparisonSnapshot = { ...base, harvest, bases: provenance, comparison };
const collectionSnapshot: CollectionSnapshot = {
  ...base,
  name: HOSTILE,
  harvests: [harvest],
  bases: [provenance[2]!],
  features: [
    {
      basisId: 3,
      feature: 5,
      density: 0.12,
      mean: 0.3,
      min: -1,
      max: 2.5,
      metrics: { 'label-purity': 0.85 },
      zScores: { 'label-purity': 3.2 },
      labelCounts: [{ label: 3, name: HOSTILE, count: 17 }],
      histogram: { edges: [0, 1, 2, 3], counts: [50, 20, 5] },
      top: [
        { stimulusIndex: 4, labelName: HOSTILE, activation: 2.5, thumbnail: PNG },
        { stimulusIndex: 9, labelName: '3', activation: 2.25, thumbnail: 'http://evil.example/y.png' },
      ],
    },
  ],
};

function render(): string {
  const input: RenderInput = {
    report: { id: 4, title: HOSTILE, createdAt: '2025-03-02T08:00:00.000Z', updatedAt: '2025-03-02T09:30:00.000Z' },
    sections: [
      { id: 10, title: `Bases of ${HOSTILE}`, createdAt: '2025-03-02T09:00:00.000Z', kind: 'comparison', snapshot: comparisonSnapshot },
      { id: 11, title: `Collection ${HOSTILE}`, createdAt: '2025-03-02T09:10:00.000Z', kind: 'collection', snapshot: collectionSnapshot },
    ],
    cajalVersion: '9.8.7',
    renderedAt: '2025-03-03T12:00:00.000Z',
  };
  return renderReport(input).html;
}

const count = (s: string, needle: string | RegExp) => (typeof needle === 'string' ? s.split(needle).length - 1 : (s.match(needle) ?? []).length);

test('a comparison section: one SVG chart per metric, the match matrix, tests and quality tables', () => {
  const out = render();
  const figures = [...out.matchAll(/<figure data-metric="([^"]+)">([\s\S]*?)<\/figure>/g)];
  assert.deepEqual(figures.map((f) => f[1]).sort(), [...METRICS].sort(), 'a figure per metric');
  for (const f of figures) assert.equal(count(f[2]!, '<svg'), 1, `one SVG in the ${f[1]} figure`);
  // Charts: 2 metrics + the match matrix + one histogram in the collection.
  assert.equal(count(out, '<svg'), 4);
  assert.equal(count(out, /<svg role="img"/g), 4, 'every chart is labelled');
  // Every basis' median as the report prints it, in the tests table.
  for (const b of bases) {
    for (const m of METRICS) {
      const cell = new RegExp(`data-cell="median" data-basis="${b.basisId}" data-metric="${m}">([^<]*)<`).exec(out);
      assert.ok(cell, `median cell of basis ${b.basisId} ${m}`);
      assert.equal(cell[1], num(b.metrics[m]!.median));
    }
  }
  assert.match(out, /data-cell="p-neurons" data-basis="3" data-metric="2afc-label">0\.0012</);
  assert.match(out, /class="n sig" data-cell="p-random" data-basis="3"/, 'p < 0.05 highlighted');
  assert.match(out, /<table data-table="quality">/);
  assert.match(out, /<table data-table="match">[\s\S]*0\.41[\s\S]*0\.55/);
  assert.match(out, /500 resamples, seed 3/);
});

test('the Methods part: formula, source and departure of every metric shown', () => {
  const out = render();
  assert.match(out, /<section id="methods">/);
  for (const d of definitions) {
    assert.ok(out.includes(`id="metric-${d.name}"`), `${d.name} defined`);
    const departure = new RegExp(`data-departure="${d.name}"><strong>Departure from the source.</strong> ([^<]*)</p>`).exec(out);
    assert.ok(departure, `${d.name} has a departure paragraph`);
    if (d.departure) assert.ok(departure[1]!.length > 20 && d.departure.startsWith(departure[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").slice(0, 20)));
  }
  assert.ok(definitions.some((d) => d.departure), 'at least one departure to show');
  assert.match(out, /Mann–Whitney U test/);
});

test('user strings are escaped everywhere: title, names, labels, model and project', () => {
  const out = render();
  assert.ok(!out.includes('<script'), 'no script element at all');
  assert.ok(!out.includes(HOSTILE));
  assert.ok(!out.includes('<img src=http'));
  assert.match(out, /<title>&lt;script&gt;alert\(&quot;pwned&quot;\)&lt;\/script&gt; &amp; &lt;img/);
  assert.match(out, /<h1>&lt;script&gt;alert\(&quot;pwned&quot;\)&lt;\/script&gt;/);
});

test('self-contained: no external resource, no inline style attribute, images inline', () => {
  const out = render();
  assert.ok(!/src="http/i.test(out), 'no src="http');
  assert.ok(!/<link/i.test(out), 'no <link');
  assert.ok(!/<script[^>]*src/i.test(out), 'no <script src');
  assert.ok(!/url\(\s*['"]?http/i.test(out) && !/@import/i.test(out), 'no CSS fetches');
  assert.ok(!/ href="(?!#)/.test(out), 'links only within the document');
  assert.ok(!/ style="/.test(out), 'no style attributes (the CSP allows only the stylesheet)');
  const imgs = [...out.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(imgs, [PNG], 'the data: thumbnail is kept, the remote one dropped');
  assert.match(out, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; img-src data:;/);
});

test('the stylesheet is the one whose hash both CSPs allow', () => {
  const out = render();
  const styles = [...out.matchAll(/<style>([\s\S]*?)<\/style>/g)];
  assert.equal(styles.length, 1, 'one stylesheet');
  const source = `'sha256-${createHash('sha256').update(styles[0]![1]!, 'utf8').digest('base64')}'`;
  assert.equal(source, REPORT_CSS_SOURCE);
  const indexHtml = readFileSync(join(repoRoot, 'renderer', 'index.html'), 'utf8');
  const styleSrc = /content="[^"]*style-src ([^;"]*)/.exec(indexHtml)?.[1] ?? '';
  assert.ok(styleSrc.includes(REPORT_CSS_SOURCE), `renderer/index.html's style-src must list ${REPORT_CSS_SOURCE} so the Reports panel can preview a report`);
});

test('provenance: versions, project, model digest, bases with parameters and seeds', () => {
  const out = render();
  assert.match(out, /Rendered<\/th><td>2025-03-03 12:00 UTC by Cajal 9\.8\.7/);
  assert.match(out, /sha256 abababababababab…/);
  assert.match(out, /lab &lt;script&gt;/);
  assert.match(out, /nFeatures = 24, note = &lt;script&gt;/);
  assert.match(out, /<td class="n">11<\/td>/);
});
