// h12front (#12): the sparsity-frontier section on hand-made snapshots — the verdict when one frontier trails, leads, or
// shares no L0 with the other; a harvest with a single frontier (no pair); an L0 of 0 (a basis that never fires)
// drawing a linear L0 axis instead of a log one; and a hostile basis name escaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../../../main/report/render';
import type { FrontierBasis, FrontierSnapshot } from '../../../main/report/snapshot';

const HOSTILE = '<script>alert(1)</script>';

function run(basisId: number, method: string, k: number, l0: number, ev: number, name = `${method} k=${k}`): FrontierBasis {
  return {
    basisId,
    harvestId: 1,
    name,
    method: method as FrontierBasis['method'],
    params: { k },
    seed: 0,
    nFeatures: 64,
    status: 'done',
    finishedAt: '2026-12-07T00:00:00Z',
    swept: { key: 'k', value: k },
    l0,
    explainedVariance: ev,
    deadFraction: 0.25,
    denseFraction: 0.05,
    heldOutRows: 300,
  };
}

function snapshot(bases: FrontierBasis[], pair: FrontierSnapshot['pair']): FrontierSnapshot {
  return {
    version: 1,
    project: 'p.cajal',
    cajalVersion: '0.1.0',
    takenAt: '2026-12-07T00:00:00Z',
    definitions: [],
    harvest: { harvestId: 1, tensor: 'hidden1', tensorShape: [1, 64], positions: 'centre', dim: 64, rows: 3000, source: 'model', model: { name: 'm.onnx', sha256: 'ab'.repeat(32) }, stimulusSet: null, createdAt: '2026-12-07T00:00:00Z' },
    frontiers: [...new Set(bases.map((b) => b.method))].filter((m) => m.startsWith('sae-')).map((method) => ({ method, key: 'k' })),
    bases,
    pair,
    basisDefinitions: [],
  };
}

function section(s: FrontierSnapshot): string {
  const { html } = renderReport({
    report: { id: 1, title: 'r', createdAt: s.takenAt, updatedAt: s.takenAt },
    sections: [{ id: 7, title: 'frontier', createdAt: s.takenAt, kind: 'frontier', snapshot: s }],
    cajalVersion: '0.1.0',
    renderedAt: s.takenAt,
  });
  return /<section id="section-7" data-kind="frontier">([\s\S]*?)<\/section>/.exec(html)![1]!;
}

const topk = [run(1, 'sae-topk', 2, 2, 0.5), run(2, 'sae-topk', 4, 4, 0.7), run(3, 'sae-topk', 8, 8, 0.8)];

test('the verdict names where A falls short of B, and by how much', () => {
  const html = section(snapshot([...topk, run(4, 'sae-batchtopk', 4, 4, 0.69), run(5, 'sae-batchtopk', 8, 8, 0.81)], { a: 'sae-batchtopk', b: 'sae-topk' }));
  assert.match(html, /sae-batchtopk falls short of sae-topk at 1 of 2 shared L0s, most at L0 4 \(−0\.01\); mean gap \+?0(\.0+)?\./);
  assert.match(html, /<figure data-zoom="sae-batchtopk\|sae-topk"><svg role="img" aria-label="sae-topk and sae-batchtopk alone/);
});

test('a frontier ahead at every shared L0, and frontiers with no L0 in common', () => {
  const ahead = section(snapshot([...topk, run(4, 'sae-batchtopk', 3, 3, 0.66), run(5, 'sae-batchtopk', 6, 6, 0.8)], { a: 'sae-batchtopk', b: 'sae-topk' }));
  assert.match(ahead, /sae-batchtopk reconstructs at least as much as sae-topk at every shared L0 \(3 points; mean gap \+0\.0\d+\)\./);
  const apart = section(snapshot([...topk, run(4, 'sae-batchtopk', 32, 30, 0.95), run(5, 'sae-batchtopk', 64, 60, 0.97)], { a: 'sae-batchtopk', b: 'sae-topk' }));
  assert.match(apart, /The sae-batchtopk and sae-topk frontiers share no L0 range, so they are not compared \(nothing is extrapolated\)\./);
  assert.doesNotMatch(apart, /<table data-pair=/);
});

test('one frontier: no pair; an L0 of 0 draws a linear axis; names escaped', () => {
  const dead = { ...run(9, 'pca', 0, 0, 0.1, HOSTILE), swept: null };
  const html = section(snapshot([...topk, dead], null));
  assert.match(html, /Fewer than two frontiers have runs, so none is compared at equal L0\./);
  assert.doesNotMatch(html, /data-against=/);
  assert.ok(!html.includes(HOSTILE) && html.includes('&lt;script&gt;'), 'the basis name is escaped');
  // A log axis prints its ticks as powers of ten (0.01, 0.1, 1…); a linear one from 0.
  assert.match(html, /aria-label="Explained variance against L0 on held-out rows: sae-topk \(3 runs\), and 1 other bases as points"/);
  assert.match(html, />0<\/text>/);
});
