// h12gm (#12): Matryoshka's default nested prefixes start at about the input width d and double up to m (Bussmann et
// al.'s groups start at d), instead of m/16 at every m; an explicit nestLevels still wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildSaeGradGraph, matryoshkaDefaultLevels, matryoshkaPrefixes, SAE_PARAMS, saeParamShapes } from '../../../main/bases/sae-graph';
import { Rng } from '../../../main/util/random';
import { resolveSaeParams } from '../../../main/bases/sae-params';

test('sae-matryoshka: the default prefixes are d, 2d, …, m (at least two levels); an explicit nestLevels is kept', () => {
  assert.equal(matryoshkaDefaultLevels(256, 64), 3);
  assert.equal(matryoshkaDefaultLevels(4096, 512), 4);
  assert.equal(matryoshkaDefaultLevels(300, 64), 3, 'm not a power-of-two multiple of d: the smallest prefix is ≥ d');
  assert.equal(matryoshkaDefaultLevels(64, 64), 2, 'm = d still nests (m/2, m)');
  assert.equal(matryoshkaDefaultLevels(20, 64), 2);
  const planted = resolveSaeParams('matryoshka', { nFeatures: 256 }, 64);
  assert.deepEqual(matryoshkaPrefixes(planted.nFeatures, planted.nestLevels), [64, 128, 256]);
  const wide = resolveSaeParams('matryoshka', {}, 48);
  assert.deepEqual(matryoshkaPrefixes(wide.nFeatures, wide.nestLevels), [48, 96, 192, 384], 'the default m = 8·d');
  assert.equal(resolveSaeParams('matryoshka', { nFeatures: 256, nestLevels: 5 }, 64).nestLevels, 5);
});

// h12mat (#12): the inner prefixes' losses are weighted β^j, j levels inside the full dictionary (nestLossDecay).
// Measured from the graph's own loss: with nestLevels 2 the one inner prefix (m/2) gives P_half = L₂(β = 1) − L₃(β = 0);
// the innermost (m/4) gives P_quarter = L₃(1) − L₂(1); then L₃(β) must equal L₃(0) + β·P_half + β²·P_quarter.
test('sae-matryoshka: the prefix j levels inside the full dictionary weighs β^j; β = 0 is the BatchTopK loss', async () => {
  const d = 6;
  const m = 16;
  const batch = 7;
  const rng = new Rng(3);
  const shapes = saeParamShapes(d, m);
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of SAE_PARAMS) feeds[p] = new ort.Tensor('float64', Float64Array.from({ length: shapes[p].reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.7)), shapes[p]);
  feeds.x = new ort.Tensor('float64', Float64Array.from({ length: batch * d }, () => rng.normal()), [batch, d]);
  feeds.coef = new ort.Tensor('float64', Float64Array.of(0.5), []);
  feeds.dead = new ort.Tensor('float64', Float64Array.from({ length: m }, (_, j) => (j % 3 === 0 ? 1 : 0)), [m]);
  feeds.residual = new ort.Tensor('float64', Float64Array.from({ length: batch * d }, () => rng.normal()), [batch, d]);
  const loss = async (kind: 'matryoshka' | 'batchtopk', nestLevels: number, nestLossDecay: number) => {
    const session = await ort.InferenceSession.create(buildSaeGradGraph({ d, m, kind, k: 3, kAux: 2, batch, nestLevels, nestLossDecay }, 'float64'), { intraOpNumThreads: 1 });
    return Number((await session.run(feeds, ['loss'])).loss!.data[0]);
  };
  const plain = await loss('batchtopk', 3, 1);
  const l3 = async (beta: number) => loss('matryoshka', 3, beta);
  assert.ok(Math.abs((await l3(0)) - plain) < 1e-12, 'β = 0 leaves the BatchTopK loss');
  const twoLevels = await loss('matryoshka', 2, 1);
  const pHalf = twoLevels - plain;
  const pQuarter = (await l3(1)) - twoLevels;
  assert.ok(pHalf > 0 && pQuarter > 0, `each prefix adds a reconstruction loss (${pHalf}, ${pQuarter})`);
  const beta = 0.3;
  const got = await l3(beta);
  const expected = plain + beta * pHalf + beta ** 2 * pQuarter;
  assert.ok(Math.abs(got - expected) < 1e-9, `β = ${beta}: ${got} vs ${expected}`);
  const dflt = resolveSaeParams('matryoshka', { nFeatures: 256 }, 64).nestLossDecay;
  assert.ok(dflt > 0 && dflt < 1, `the default β (${dflt}) keeps the nested losses but below the full one`);
  assert.equal(resolveSaeParams('matryoshka', { nFeatures: 256, nestLossDecay: 1 }, 64).nestLossDecay, 1, 'β = 1: Bussmann et al.\'s equal weights');
  assert.throws(() => resolveSaeParams('matryoshka', { nestLossDecay: 1.5 }, 64), /^Error: SAE parameter "nestLossDecay" must be between 0 and 1, got 1\.5\.$/);
});
