// The rank-1 separable decomposition of a spatio-temporal filter (#11 item 4) against NumPy's SVD of the same matrix
// (reference numbers in test/fixtures/recordings-separable-numpy.json), and on an exactly separable filter.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { separate } from '../../main/recordings/separable';
import { repoRoot } from '../helpers/fixtures';

test('separate() matches numpy.linalg.svd: temporal kernel, σ·spatial map, peak lag and energy share', () => {
  const ref = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/recordings-separable-numpy.json'), 'utf8')) as { temporal: number[]; spatial: number[]; peakLag: number; separability: number };
  const [L, S] = [5, 20];
  const f = new Float32Array(L * S);
  for (let a = 0; a < L; a++) for (let i = 0; i < S; i++) f[a * S + i] = Math.sin(1.3 * a + 0.7 * i) + 0.5 * Math.cos(0.3 * a * i) + (a === 2 ? 1 : 0.2) * Math.exp(-((i - 9) ** 2) / 8);
  const s = separate(f, L);
  assert.equal(s.peakLag, ref.peakLag);
  s.temporal.forEach((v, a) => assert.ok(Math.abs(v - ref.temporal[a]!) < 1e-5, `temporal[${a}] ${v} vs ${ref.temporal[a]}`));
  s.spatial.forEach((v, i) => assert.ok(Math.abs(v - ref.spatial[i]!) < 1e-4, `spatial[${i}] ${v} vs ${ref.spatial[i]}`));
  assert.ok(Math.abs(s.separability - ref.separability) < 1e-6);
});

test('an exactly separable filter k ⊗ s comes back whole, with a negative kernel flipped to peak positive', () => {
  const k = [0.1, -0.3, -1, 0.2];
  const sp = [1, -2, 0.5];
  const f = Float32Array.from(k.flatMap((a) => sp.map((b) => a * b)));
  const s = separate(f, k.length);
  assert.equal(s.peakLag, 2);
  assert.ok(s.temporal[2]! > 0);
  assert.ok(Math.abs(s.separability - 1) < 1e-9);
  // temporal ⊗ spatial is the filter itself.
  s.temporal.forEach((a, l) => sp.forEach((_, i) => assert.ok(Math.abs(a * s.spatial[i]! - f[l * sp.length + i]!) < 1e-5)));
});
