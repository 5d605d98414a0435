// The TCA report section (#15) draws a stimulus factor of any length as at most 2,000 dots (every k-th stimulus, said
// in the caption), so a sweep over 8,000 stimuli does not put 8,000 SVG paths per component into the HTML.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcaSection } from '../../main/report/sections/tca';
import type { TcaSweepSnapshot } from '../../main/report/snapshot';

function snapshot(stimuli: number): TcaSweepSnapshot {
  return {
    version: 1,
    project: 'p.cajal',
    cajalVersion: 'test',
    takenAt: '2026-01-01T00:00:00Z',
    definitions: [],
    jobId: 1,
    harvest: { harvestId: 1, tensor: 'conv', tensorShape: [1, 4, 2, 2], positions: 'all', dim: 4, rows: stimuli * 4, source: 'model', model: null, stimulusSet: null, createdAt: '2026-01-01T00:00:00Z' },
    params: { nonneg: true, restarts: 2, maxIter: 10, seed: 0 },
    shape: { dim: 4, positions: 4, stimuli },
    ranks: [{ rank: 1, errors: [0.5, 0.5], bestError: 0.5, similarities: [1, 0.99], meanSimilarity: 0.99 }],
    rank: 1,
    components: [{ weight: 2, units: [0.5, 0.5, 0.5, 0.5], positions: [0.5, 0.5, 0.5, 0.5], stimuli: Array.from({ length: stimuli }, (_, i) => (i % 7) / 7) }],
    labels: Array.from({ length: stimuli }, (_, i) => i % 10),
    labelNames: null,
  };
}

const paths = (html: string) => (html.match(/<path /g) ?? []).length;

test('tca section: the stimulus factor is thinned to at most 2,000 dots, and says so', () => {
  const small = tcaSection(snapshot(1000)).text;
  const large = tcaSection(snapshot(8000)).text;
  assert.ok(!small.includes('th stimulus drawn'));
  assert.ok(large.includes('every 4th stimulus drawn'));
  // Same diagnostics and charts; 1,000 dots against 2,000 (every 4th of 8,000; unthinned it would be 7,000 more),
  // give or take a few axis ticks.
  assert.ok(paths(small) > 1000, `${paths(small)} paths`);
  const extra = paths(large) - paths(small);
  assert.ok(Math.abs(extra - 1000) <= 20, `${extra} more paths`);
});
