// Latent edits (#10 item 2) on real bases fitted here: zeroing feature k with the basis's error term kept changes the
// layer so that, encoded again, only feature k moves (to 0) — for PCA exactly, as its encoder inverts its decoder —
// while the residual x − x̂ is untouched; splicing gives x̂; resampling takes every unit from another stimulus.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basisFactory } from '../../main/bases/index';
import { memoryStream } from '../../main/bases/stream';
import { BasisView, LatentEdit, ResampleUnits, Splice, derangement } from '../../main/lesions/latent';
import { Rng } from '../../main/util/random';

const N = 400;
const D = 12;

function rows(): Float32Array {
  const rng = new Rng(7);
  const x = new Float32Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) x[i * D + j] = rng.normal() * (1 + j / 3) + (j % 3);
  return x;
}

const ctx = { progress: () => undefined, throwIfCancelled: () => undefined };

test('PCA: a zeroed latent, error kept, moves only that latent; splice gives the reconstruction', async () => {
  const x = rows();
  const basis = basisFactory('pca').create({ nFeatures: 6 }, 0, D);
  await basis.fit(memoryStream(x, D), ctx);
  const values = { data: x, dims: [N, D] };
  const view = await BasisView.open(basis, values, 'all', 'PCA');
  const k = 2;
  const edit = await new LatentEdit(view, [k], { kind: 'zero' }).params({ unitShape: [D] });
  const edited = Float32Array.from(x, (v, i) => v + edit.add[i]!);
  const before = await basis.encode(x, N);
  const after = await basis.encode(edited, N);
  let moved = 0;
  for (let i = 0; i < N; i++) {
    for (let f = 0; f < 6; f++) {
      if (f === k) assert.ok(Math.abs(after[i * 6 + f]!) < 1e-3, `latent ${k} of row ${i} is ${after[i * 6 + f]}`);
      else moved = Math.max(moved, Math.abs(after[i * 6 + f]! - before[i * 6 + f]!));
    }
  }
  assert.ok(moved < 1e-3, `other latents moved by ${moved}`);
  // The error term is kept: x' − x̂(x') = x − x̂(x).
  const rec = await basis.decode!(before, N);
  const recAfter = await basis.decode!(after, N);
  for (let i = 0; i < N * D; i++) assert.ok(Math.abs(edited[i]! - recAfter[i]! - (x[i]! - rec[i]!)) < 1e-3);
  const splice = await new Splice(view).params({ unitShape: [D] });
  assert.ok(splice.keep.every((v) => v === 0));
  for (let i = 0; i < N * D; i++) assert.ok(Math.abs(splice.add[i]! - rec[i]!) < 1e-4);
});

test('resample: each stimulus takes the chosen units of another one (a derangement), the rest untouched', () => {
  const x = rows();
  const perm = derangement(N, 3);
  assert.ok(perm.every((p, i) => p !== i));
  assert.deepEqual([...perm].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
  const p = new ResampleUnits([1, 4], 3).params({ unitShape: [D] }, { data: x, dims: [N, D] });
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < D; j++) {
      const y = x[i * D + j]! * p.keep[j]! + p.add[i * D + j]!;
      assert.equal(y, j === 1 || j === 4 ? x[perm[i]! * D + j]! : x[i * D + j]!);
    }
  }
});
