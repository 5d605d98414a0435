// #18 item 1: the sparse statistics job (non-zeros only) against today's dense job, kept unchanged in
// analyses/feature-stats.ts as the reference, on a 4,096-feature ReLU SAE over a real project file: same densities,
// moments, ranges, top rows, histogram bins and band reservoirs; bottom examples the same where a feature has fewer
// zero rows than k (or none), and a uniform draw of genuinely zero rows where it has more. Also with a memory cap so
// small that the non-zeros are not kept and the second pass encodes again. The job's SAE encoder read alone from the
// store (W_enc and W_dec stored in blocks, as import-sae stores them) gives the same codes, statistics and card vectors.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectFeatureStats, computeFeatureStats, type FeatureStatsResult } from '../../main/analyses/feature-stats';
import { computeSparseFeatureStats } from '../../main/analyses/feature-stats-sparse';
import { storeSaeFeatureVectors } from '../../main/analyses/feature-vectors';
import { NegativeCode, sparsify } from '../../main/analyses/sparse-codes';
import { basisFactory } from '../../main/bases';
import { SaeEncoder } from '../../main/bases/sae-encoder';
import type { Basis } from '../../main/bases/types';
import { commitChunks } from '../../main/store/activations';
import { declareBlockedTensor, writeTensorBlock, writeWholeTensor } from '../../main/store/basis-blocks';
import { getBasis, insertBasis } from '../../main/store/bases';
import { getFeatureVector } from '../../main/store/feature-columns';
import { openProjectDb, type Db } from '../../main/store/project';
import * as repo from '../../main/store/repo';
import { Rng } from '../../main/util/random';
import { tempDir } from '../helpers/fixtures';

const N = 3000;
const D = 48;
const M = 4096;
const P = { topK: 24, bands: 5, bandSize: 6, bins: 40, seed: 7 };
let db: Db;
let harvestId = 0;
let sae: Basis;
let codes: Float32Array;
let x: Float32Array;
let wEnc: Float32Array;
let wDec: Float32Array;
let bEnc: Float32Array;
let storedId = 0;

/** The SAE as import-sae stores it: W_enc and W_dec in blocks of leading-axis rows, the vectors whole. */
function storeSae(): number {
  const id = insertBasis(db, { harvestId, jobId: null, method: 'sae-l1', name: 'stored', params: {}, seed: 0, nFeatures: M, dim: D, status: 'imported' });
  for (const [name, shape, data, blockRows] of [['W_enc', [D, M], wEnc, 10], ['W_dec', [M, D], wDec, 1000]] as const) {
    declareBlockedTensor(db, id, name, [...shape]);
    const width = shape[1];
    for (let b = 0; b * blockRows < shape[0]; b++) writeTensorBlock(db, id, name, b, data.subarray(b * blockRows * width, Math.min(shape[0], (b + 1) * blockRows) * width));
  }
  writeWholeTensor(db, id, 'b_enc', [M], bEnc);
  writeWholeTensor(db, id, 'b_dec', [D], new Float32Array(D));
  return id;
}

before(async () => {
  db = openProjectDb(join(tempDir(), 'sparse-stats.cajal'), { create: true });
  const rng = new Rng(3);
  x = new Float32Array(N * D).map(() => rng.normal());
  harvestId = repo.insertHarvest(db, { modelId: null, stimulusSetId: null, jobId: null, source: 'import', tensor: 'x', tensorShape: [D], positions: 'centre', dim: D, rowsPerItem: 1, itemsExpected: N, chunkRows: 700, params: {} });
  for (let s = 0, c = 0; s < N; s += 700, c++) {
    const rows = Math.min(700, N - s);
    const meta = new Int32Array(rows * 4);
    for (let r = 0; r < rows; r++) meta.set([s + r, -1, -1, -1], r * 4);
    commitChunks(db, [{ harvestId, chunkIndex: c, firstRow: s, rowCount: rows, data: x.subarray(s * D, (s + rows) * D), meta }]);
  }
  repo.setHarvestStatus(db, harvestId, 'done');
  // Encoder columns of unit norm: pre-activations ~ N(b, 1). Most features b = −2 (active on ~2% of rows); every
  // 64th dead (b = −40), every 64th + 1 always on (b = +40), every 64th + 2 silent on a handful of rows (b = +2.6),
  // every 64th + 3 binary-ish (pre-activation clipped to a tie at the top is impossible in an SAE, so ties stay at 0).
  wEnc = new Float32Array(D * M);
  bEnc = new Float32Array(M);
  for (let j = 0; j < M; j++) {
    let norm = 0;
    const col = Array.from({ length: D }, () => rng.normal());
    for (const v of col) norm += v * v;
    for (let i = 0; i < D; i++) wEnc[i * M + j] = col[i]! / Math.sqrt(norm);
    bEnc[j] = [-40, 40, 2.6][j % 64] ?? -2;
  }
  wDec = new Float32Array(M * D);
  for (let j = 0; j < M; j++) for (let i = 0; i < D; i++) wDec[j * D + i] = wEnc[i * M + j]!;
  sae = basisFactory('sae-l1').load({}, 0, { W_enc: { shape: [D, M], data: wEnc }, b_enc: { shape: [M], data: bEnc }, W_dec: { shape: [M, D], data: wDec }, b_dec: { shape: [D], data: new Float32Array(D) } });
  codes = await sae.encode(x, N);
  storedId = storeSae();
});
after(() => db.close());

function zerosOf(j: number): number {
  let z = 0;
  for (let r = 0; r < N; r++) if (codes[r * M + j] === 0) z++;
  return z;
}

function assertSame(dense: FeatureStatsResult, sparse: FeatureStatsResult): { zeroDrawn: number; exactBottoms: number } {
  assert.equal(sparse.rows, dense.rows);
  assert.deepEqual(sparse.stats, dense.stats);
  let zeroDrawn = 0;
  let exactBottoms = 0;
  for (let j = 0; j < M; j++) {
    const a = dense.examples[j]!;
    const b = sparse.examples[j]!;
    assert.deepEqual(b.topRows, a.topRows, `feature ${j} top rows`);
    assert.deepEqual(b.topActs, a.topActs, `feature ${j} top activations`);
    assert.deepEqual(sparse.histograms[j], dense.histograms[j], `feature ${j} histogram`);
    assert.deepEqual([b.bandLo, b.bandHi], [a.bandLo, a.bandHi]);
    assert.deepEqual(b.bandCounts, a.bandCounts, `feature ${j} band counts`);
    assert.deepEqual(b.bandRows, a.bandRows, `feature ${j} band rows`);
    assert.deepEqual(b.bandActs, a.bandActs, `feature ${j} band activations`);
    const z = zerosOf(j);
    if (z >= P.topK && dense.stats[j]!.max > 0) {
      // A uniform draw of k of the zero rows (the dense job draws another k): distinct, ascending, all truly zero.
      assert.equal(b.bottomRows.length, P.topK);
      for (let i = 0; i < b.bottomRows.length; i++) {
        assert.equal(codes[b.bottomRows[i]! * M + j], 0, `feature ${j} bottom row ${b.bottomRows[i]} is not a zero`);
        if (i > 0) assert.ok(b.bottomRows[i]! > b.bottomRows[i - 1]!);
      }
      assert.ok(b.bottomActs.every((v) => v === 0));
      zeroDrawn++;
    } else {
      assert.deepEqual(b.bottomRows, a.bottomRows, `feature ${j} bottom rows (${z} zeros)`);
      assert.deepEqual(Array.from(b.bottomActs, (v) => v + 0), Array.from(a.bottomActs, (v) => v + 0), `feature ${j} bottom activations`);
      exactBottoms++;
    }
  }
  return { zeroDrawn, exactBottoms };
}

test('the sparse job equals the dense job on a 4,096-feature ReLU SAE', async () => {
  const dense = await computeFeatureStats(db, sae, harvestId, P, null);
  const sparse = collectFeatureStats((await computeSparseFeatureStats(db, sae, harvestId, P, null))!);
  const { zeroDrawn, exactBottoms } = assertSame(dense, sparse);
  // The shapes the SAE was built to have: mostly sparse, some dead, some always on, some with a few zero rows.
  assert.ok(zeroDrawn > 3900, `${zeroDrawn} features drew zero rows`);
  assert.ok(exactBottoms >= 128, `${exactBottoms} features had exact bottoms`);
  const fewZeros = Array.from({ length: M / 64 }, (_, i) => zerosOf(i * 64 + 2)).filter((z) => z > 0 && z < P.topK).length;
  assert.ok(fewZeros > 20, `${fewZeros} features with 0 < zeros < k`);
  const dead = sparse.stats.filter((s) => s.max === 0).length;
  assert.equal(dead, M / 64);
  assert.ok(sparse.examples[64]!.topRows.length === 0 && sparse.examples[64]!.bottomRows.length === 0);
  assert.ok(sparse.stats.filter((s, j) => j % 64 === 1).every((s) => s.density === 1));
  // The job's encoder, read alone from the blocked store: the whole SAE's codes bit for bit, so the same statistics.
  const encoder = SaeEncoder.load(db, getBasis(db, storedId))!;
  assert.deepEqual(await encoder.encode(x, N), codes);
  assert.deepEqual(collectFeatureStats((await computeSparseFeatureStats(db, encoder, harvestId, P, null))!), sparse);
  // Card vectors: W_dec's rows streamed block by block (unit), W_enc's columns from the encoder.
  storeSaeFeatureVectors(db, storedId, encoder);
  for (const j of [0, 999, 1000, M - 1]) {
    const v = getFeatureVector(db, storedId, j)!;
    assert.deepEqual(v.encoder, Float32Array.from({ length: D }, (_, i) => wEnc[i * M + j]!));
    const row = wDec.subarray(j * D, (j + 1) * D);
    const norm = Math.hypot(...row);
    v.direction.forEach((u, i) => assert.ok(Math.abs(u - row[i]! / norm) < 1e-6, `feature ${j} direction`));
  }
  await encoder.release();
});

test('under a small memory cap the second pass encodes again and the results do not change', async () => {
  const saved = process.env.CAJAL_MEMORY_CAP_MB;
  process.env.CAJAL_MEMORY_CAP_MB = '2'; // 512 KB to keep non-zeros (they need ~2 MB), 8-row blocks
  try {
    const capped = collectFeatureStats((await computeSparseFeatureStats(db, sae, harvestId, P, null))!);
    process.env.CAJAL_MEMORY_CAP_MB = saved ?? '';
    const kept = collectFeatureStats((await computeSparseFeatureStats(db, sae, harvestId, P, null))!);
    assert.deepEqual(capped.stats, kept.stats);
    assert.deepEqual(capped.examples, kept.examples);
    assert.deepEqual(capped.histograms, kept.histograms);
  } finally {
    if (saved === undefined) delete process.env.CAJAL_MEMORY_CAP_MB;
    else process.env.CAJAL_MEMORY_CAP_MB = saved;
  }
});

test('a negative code leaves the statistics to the dense job', async () => {
  // The layer's own units over Gaussian rows: signed codes, so the sparse path declines (null) on the first block.
  const neurons = basisFactory('neurons').create({}, 0, D);
  assert.equal(await computeSparseFeatureStats(db, neurons, harvestId, P, null), null);
  assert.throws(() => sparsify(Float32Array.of(0, 1, 0, -0.5), 2, 2, 0), NegativeCode);
  const b = sparsify(Float32Array.of(0, 1.5, -0, 0, 2, 3), 3, 2, 10);
  assert.deepEqual([...b.rowPtr], [0, 1, 1, 3]);
  assert.deepEqual([...b.feat], [1, 0, 1]);
  assert.deepEqual([...b.vals], [1.5, 2, 3]);
});
