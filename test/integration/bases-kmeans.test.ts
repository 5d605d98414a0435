import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KmeansBasis, kmeansFactory } from '../../main/bases/kmeans';
import { memoryStream } from '../../main/bases/stream';
import { BasisDataError } from '../../main/bases/classical-common';
import { Rng } from '../../main/util/random';
import { quietCtx } from './bases-helpers';

/** Adjusted Rand index (Hubert & Arabie 1985). */
function ari(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const table = new Map<string, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]},${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    ca.set(a[i]!, (ca.get(a[i]!) ?? 0) + 1);
    cb.set(b[i]!, (cb.get(b[i]!) ?? 0) + 1);
  }
  const c2 = (x: number): number => (x * (x - 1)) / 2;
  let index = 0;
  for (const v of table.values()) index += c2(v);
  let sa = 0;
  let sb = 0;
  for (const v of ca.values()) sa += c2(v);
  for (const v of cb.values()) sb += c2(v);
  const expected = (sa * sb) / c2(n);
  return (index - expected) / ((sa + sb) / 2 - expected);
}

const D = 12;
const K = 6;
const N = 3000;

function blobs(seed: number): { x: Float32Array; labels: Int32Array; dirs: Float64Array } {
  const rng = new Rng(seed);
  const centers = new Float64Array(K * D);
  rng.fillNormal(centers, 0, 4);
  const x = new Float32Array(N * D);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = rng.int(0, K);
    labels[i] = c;
    for (let j = 0; j < D; j++) x[i * D + j] = centers[c * D + j]! + rng.normal();
  }
  return { x, labels, dirs: centers };
}

test('ARI helper: identical partitions give 1, relabelled too', () => {
  assert.equal(ari([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]), 1);
});

for (const algorithm of ['lloyd', 'minibatch'] as const) {
  test(`k-means (${algorithm}) recovers planted Gaussian clusters (ARI ≥ 0.95)`, async () => {
    const { x, labels } = blobs(11);
    const b = new KmeansBasis({ nClusters: K, algorithm, batchSize: 256 }, 1, D);
    await b.fit(memoryStream(x, D, 700), quietCtx);
    const pred = await b.predict(x, N);
    const score = ari(labels, pred);
    assert.ok(score >= 0.95, `ARI ${score}`);
    assert.ok(Number.isFinite(b.inertia) && b.inertia > 0);
    // Inertia ≈ N·D (unit noise per dimension) for a correct clustering.
    assert.ok(b.inertia < 1.2 * N * D, `inertia ${b.inertia}`);
    // decode(encode(x)) is each row's nearest centroid, so the reconstruction error is the inertia.
    const xhat = await b.decode(await b.encode(x, N), N);
    const centers = b.clusterCenters;
    let sse = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < D; j++) {
        assert.ok(Math.abs(xhat[i * D + j]! - centers[pred[i]! * D + j]!) < 1e-5, `row ${i}: reconstructed as its own centroid`);
        sse += (x[i * D + j]! - xhat[i * D + j]!) ** 2;
      }
    }
    assert.ok(Math.abs(sse / b.inertia - 1) < 1e-3, `SSE ${sse} vs inertia ${b.inertia}`);
    // encode = projection on the unit centroids.
    const enc = await b.encode(x.subarray(0, D), 1);
    const dirs = b.directions();
    for (let c = 0; c < K; c++) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += x[j]! * dirs[c * D + j]!;
      assert.ok(Math.abs(enc[c]! - dot) < 1e-4);
    }
  });
}

test('cosine k-means clusters by direction whatever the scale of the rows (ARI ≥ 0.95)', async () => {
  const rng = new Rng(5);
  const means = new Float64Array(K * D);
  rng.fillNormal(means);
  const x = new Float32Array(N * D);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = rng.int(0, K);
    labels[i] = c;
    const scale = Math.exp(rng.uniform(-2, 2)); // magnitudes over a factor e⁴ ≈ 55
    for (let j = 0; j < D; j++) x[i * D + j] = scale * (means[c * D + j]! + 0.15 * rng.normal());
  }
  const cos = new KmeansBasis({ nClusters: K, cosine: true, batchSize: 256 }, 2, D);
  await cos.fit(memoryStream(x, D, 1000), quietCtx);
  const score = ari(labels, await cos.predict(x, N));
  assert.ok(score >= 0.95, `cosine ARI ${score}`);
  const euclid = new KmeansBasis({ nClusters: K, algorithm: 'lloyd' }, 2, D);
  await euclid.fit(memoryStream(x, D, 1000), quietCtx);
  assert.ok(ari(labels, await euclid.predict(x, N)) < score, 'Euclidean k-means is confused by scale');
  // Directions are the unit-normalised centroids and align with the planted directions.
  const dirs = cos.directions();
  for (let c = 0; c < K; c++) {
    let norm = 0;
    for (let j = 0; j < D; j++) norm += means[c * D + j]! ** 2;
    let best = 0;
    for (let e = 0; e < K; e++) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += dirs[e * D + j]! * means[c * D + j]!;
      best = Math.max(best, dot / Math.sqrt(norm));
    }
    assert.ok(best > 0.98, `planted direction ${c}: best cosine ${best}`);
  }
});

test('k-means decode by hand: plain → the nearest centroid (not the largest projection); cosine → the projection on the best-aligned direction', async () => {
  // Centroids (4, 0) and (0, 1). Row (1.5, 0.5): nearest centroid (0, 1) (squared distances 6.5 vs 2.5), though its
  // projection on (1, 0) is the larger (1.5 vs 0.5). Row (3, 0.2): nearest (4, 0) (1.04 vs 9.64).
  const state = { centers: { shape: [2, 2], data: Float32Array.of(4, 0, 0, 1) } };
  const x = Float32Array.of(1.5, 0.5, 3, 0.2);
  const plain = kmeansFactory.load({ cosine: false }, 0, state);
  assert.deepEqual(Array.from(await plain.decode!(await plain.encode(x, 2), 2)), [0, 1, 4, 0]);
  // Cosine ignores length: both rows lie closest in angle to (1, 0), and keep their projection on it.
  const cos = kmeansFactory.load({ cosine: true }, 0, state);
  assert.deepEqual(Array.from(await cos.decode!(await cos.encode(x, 2), 2)), [1.5, 0, 3, 0]);
});

test('more clusters than rows is refused with a coded error', async () => {
  const b = new KmeansBasis({ nClusters: 10 }, 0, 3);
  await assert.rejects(b.fit(memoryStream(new Float32Array(9 * 3), 3), quietCtx), (e: unknown) => e instanceof BasisDataError && e.code === 'basis.too-few-rows');
});
