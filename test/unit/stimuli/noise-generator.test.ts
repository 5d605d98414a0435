// Noise generator 2 (#14): the ziggurat draws standard normals (moments, independence within and across item
// streams, Kolmogorov–Smirnov and binned χ² against Φ, the tail beyond the base layer), generator 1 stays byte for
// byte what every stored noise set was made with (white and pink), pink noise draws its white source by either, and a
// request gets generator 2 unless the project holds the same set made with generator 1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { InvalidStimulusSpecError, openStimulusSource, type NoiseSpec, type StimulusSource, type StimulusSpec } from '../../../main/stimuli/index';
import { resolveNoiseGenerator } from '../../../main/stimuli/noise-generator';
import { Rng } from '../../../main/util/random';
import { ZIGGURAT_R } from '../../../main/util/ziggurat';

const ITEM = 3 * 32 * 32; // a CIFAR input, the shape the bench's noise harvest draws
const spec = (over: Partial<NoiseSpec> = {}): NoiseSpec => ({ kind: 'noise', distribution: 'gaussian', count: 200, itemShape: [3, 32, 32], seed: 7, mean: 0, std: 1, ...over });

/** erfc by Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7 everywhere), for Φ in the tests below. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const phi = (z: number) => 0.5 * erfc(-z / Math.SQRT2);
/** All of a source's items in one batch, after checking that batches at other starts and of other lengths equal them. */
async function everyBatchRegenerates(source: StimulusSource, itemSize: number): Promise<Float32Array> {
  const whole = await source.batch(0, source.count);
  for (const [start, n] of [[0, 1], [3, 7], [source.count - 1, 1]] as const) {
    assert.deepEqual(await source.batch(start, n), whole.subarray(start * itemSize, (start + n) * itemSize), `batch(${start}, ${n})`);
  }
  return whole;
}
const sha256 = (v: Float32Array) => createHash('sha256').update(Buffer.from(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

interface Battery {
  mean: number;
  variance: number;
  skewness: number;
  excessKurtosis: number;
  /** Correlation of neighbouring values within an item, and of value k of item i with value k of item i + 1. */
  lagWithin: number;
  lagAcross: number;
  /** √n·D of the Kolmogorov–Smirnov statistic against Φ. */
  ksScaled: number;
  /** χ² over 64 bins of equal probability under Φ (63 degrees of freedom). */
  chi2: number;
  beyondR: number;
  maxAbs: number;
}

function battery(v: Float32Array, item: number): Battery {
  const n = v.length;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let maxAbs = 0;
  let beyondR = 0;
  const bins = new Float64Array(64);
  for (const x of v) {
    s1 += x;
    s2 += x * x;
    s3 += x * x * x;
    s4 += x * x * x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
    if (Math.abs(x) > ZIGGURAT_R) beyondR++;
    bins[Math.min(63, Math.floor(64 * phi(x)))]! += 1;
  }
  const mean = s1 / n;
  const variance = s2 / n - mean * mean;
  const sd = Math.sqrt(variance);
  const skewness = (s3 / n - 3 * mean * variance - mean ** 3) / sd ** 3;
  const excessKurtosis = (s4 / n - 4 * mean * (s3 / n) + 6 * mean * mean * (s2 / n) - 3 * mean ** 4) / variance ** 2 - 3;
  const corr = (pairs: (f: (a: number, b: number) => void) => void): number => {
    let sab = 0;
    let m = 0;
    pairs((a, b) => {
      sab += (a - mean) * (b - mean);
      m++;
    });
    return sab / m / variance;
  };
  const lagWithin = corr((f) => {
    for (let i = 0; i + 1 < n; i++) if ((i + 1) % item !== 0) f(v[i]!, v[i + 1]!);
  });
  const lagAcross = corr((f) => {
    for (let i = 0; i + item < n; i++) f(v[i]!, v[i + item]!);
  });
  const sorted = Float64Array.from(v).sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const p = phi(sorted[i]!);
    d = Math.max(d, (i + 1) / n - p, p - i / n);
  }
  const expected = n / 64;
  let chi2 = 0;
  for (const c of bins) chi2 += (c - expected) ** 2 / expected;
  return { mean, variance, skewness, excessKurtosis, lagWithin, lagAcross, ksScaled: Math.sqrt(n) * d, chi2, beyondR, maxAbs };
}

describe('noise generator 2 (ziggurat)', () => {
  test('standard normal: moments, independence, Kolmogorov–Smirnov and χ² against Φ, the tail beyond R (seed 7, 614,400 values)', async () => {
    const values = await (await openStimulusSource(spec({ generator: 2 }))).batch(0, 200);
    const n = values.length;
    const b = battery(values, ITEM);
    // Five standard errors of each statistic for n independent N(0, 1) draws.
    assert.ok(Math.abs(b.mean) < 5 / Math.sqrt(n), `mean ${b.mean}`);
    assert.ok(Math.abs(b.variance - 1) < 5 * Math.sqrt(2 / n), `variance ${b.variance}`);
    assert.ok(Math.abs(b.skewness) < 5 * Math.sqrt(6 / n), `skewness ${b.skewness}`);
    assert.ok(Math.abs(b.excessKurtosis) < 5 * Math.sqrt(24 / n), `excess kurtosis ${b.excessKurtosis}`);
    assert.ok(Math.abs(b.lagWithin) < 5 / Math.sqrt(n), `lag-1 correlation within items ${b.lagWithin}`);
    assert.ok(Math.abs(b.lagAcross) < 5 / Math.sqrt(n), `correlation between neighbouring items ${b.lagAcross}`);
    // Critical values at p = 0.001: √n·D 1.95 (Kolmogorov), χ²(63) 103.4.
    assert.ok(b.ksScaled < 1.95, `KS √n·D ${b.ksScaled}`);
    assert.ok(b.chi2 < 103.4, `χ² ${b.chi2}`);
    // The tail is drawn by its own path (Marsaglia's exponential proposals): its mass 2(1 − Φ(R)) must be right.
    const tail = 2 * (1 - phi(ZIGGURAT_R)) * n;
    assert.ok(Math.abs(b.beyondR - tail) < 5 * Math.sqrt(tail), `${b.beyondR} values beyond R, expected ${tail.toFixed(1)}`);
    assert.ok(b.maxAbs > 4.2, `largest |z| ${b.maxAbs}`);
  });

  test('the battery can fail: uniform noise of the same mean and sd, and generator 2 with a wrong scale, are rejected', async () => {
    const uniform = battery(await (await openStimulusSource(spec({ distribution: 'uniform' }))).batch(0, 200), ITEM);
    assert.ok(uniform.ksScaled > 1.95 && uniform.chi2 > 103.4, `uniform passed: KS ${uniform.ksScaled}, χ² ${uniform.chi2}`);
    const wide = battery(await (await openStimulusSource(spec({ generator: 2, std: 1.01 }))).batch(0, 200), ITEM);
    assert.ok(wide.ksScaled > 1.95 || wide.chi2 > 103.4, `sd 1.01 passed: KS ${wide.ksScaled}, χ² ${wide.chi2}`);
  });

  test('items regenerate identically at any batch boundary, mean and sd apply, and generator 2 differs from generator 1', async () => {
    const source = await openStimulusSource(spec({ generator: 2, count: 20, mean: 0.5, std: 2 }));
    assert.match(source.fingerprint, /^noise-v2\//);
    const whole = await everyBatchRegenerates(source, ITEM);
    const unit = new Float64Array(ITEM);
    Rng.stream(7, 3).fillNormalZiggurat(unit, 0, ITEM);
    assert.deepEqual(whole.subarray(3 * ITEM, 4 * ITEM), Float32Array.from(unit, (z) => 0.5 + 2 * z));
    const v1 = await (await openStimulusSource(spec({ count: 20, mean: 0.5, std: 2 }))).batch(0, 20);
    assert.notDeepEqual(v1, whole);
  });

  test('generator 1 is byte for byte the Box–Muller values stored sets were made with', async () => {
    const source = await openStimulusSource(spec({ count: 64, mean: 0.5, std: 2 }));
    assert.match(source.fingerprint, /^noise-v1\//, 'a stored v1 spec keeps its fingerprint');
    const values = await source.batch(0, 64);
    // Item 5 drawn by Rng.normal itself, as fillNoiseItem always did.
    const rng = Rng.stream(7, 5);
    assert.deepEqual(values.subarray(5 * ITEM, 6 * ITEM), Float32Array.from({ length: ITEM }, () => rng.normal(0.5, 2)));
    // Pinned from the code before generator 2 existed (main at 4d4ea19): the stored-data contract.
    assert.equal(sha256(values), '166480e16ec282a86dba2806a07131d8ba533910b83689654186dddccc2cae84');
  });

  test('pink noise, generator 1, is bit for bit the values stored pink sets were made with', async () => {
    // Pinned from the code before pink noise had generator 2 (main at 7d8ef48): the stored-data contract. The 4-D
    // shape keeps a white leading slice beside the filtered planes.
    for (const [itemShape, digest] of [
      [[3, 32, 32], '5154faf84d674a50f60c5d93126a66f0d178dc6fd2d6fc5916ebaf41fdc1e0eb'],
      [[2, 3, 8, 12], 'a04f89fa3940d64b22686b30a281bb0958087aa2c1d4bf5e3eb760b2132ce031'],
    ] as const) {
      const source = await openStimulusSource(spec({ distribution: 'pink', count: 16, itemShape: [...itemShape], mean: 0.5, std: 2 }));
      assert.match(source.fingerprint, /^noise-v1\/pink\//, 'a stored v1 pink spec keeps its fingerprint');
      assert.equal(sha256(await source.batch(0, 16)), digest, `pink [${itemShape.join(',')}]`);
    }
  });

  test('pink noise, generator 2: its white source is the ziggurat fill, items regenerate identically at any batch boundary', async () => {
    const shape = [2, 3, 8, 12];
    const size = 2 * 3 * 8 * 12;
    const source = await openStimulusSource(spec({ distribution: 'pink', generator: 2, count: 12, itemShape: shape, mean: 0.5, std: 2 }));
    assert.match(source.fingerprint, /^noise-v2\/pink\//);
    const whole = await everyBatchRegenerates(source, size);
    // The leading slice beyond the filtered [3, 8, 12] planes stays white: the ziggurat's values from item 5's stream.
    const white = new Float32Array(size);
    Rng.stream(7, 5).fillNormalZiggurat(white, 0, size);
    assert.deepEqual(whole.subarray(5 * size + size / 2, 6 * size), white.subarray(size / 2));
    const v1 = await (await openStimulusSource(spec({ distribution: 'pink', count: 12, itemShape: shape, mean: 0.5, std: 2 }))).batch(0, 12);
    assert.notDeepEqual(v1, whole);
  });

  test('a request gets generator 2, or the stored generator-1 set it matches; generator 1 is stored as specs always were', async () => {
    const request = { kind: 'noise', distribution: 'gaussian', count: 10, itemShape: [1, 28, 28], seed: 3, mean: 0, std: 1 };
    const seen: StimulusSpec[] = [];
    const none = resolveNoiseGenerator(request, (v1) => (seen.push(v1), false));
    assert.equal((none as NoiseSpec).generator, 2);
    assert.equal(JSON.stringify(seen[0]), JSON.stringify(request), 'the stored v1 spec looked up is the request without a generator');
    const stored = resolveNoiseGenerator(request, () => true);
    assert.equal(JSON.stringify(stored), JSON.stringify(request), 'the stored generator-1 set is reused');
    const asked1 = resolveNoiseGenerator({ ...request, generator: 1 }, () => false);
    assert.equal(JSON.stringify(asked1), JSON.stringify(request), 'generator 1 is stored without the field');
    assert.equal((resolveNoiseGenerator({ ...request, generator: 2 }, () => true) as NoiseSpec).generator, 2, 'an explicit 2 is kept');
    assert.equal('generator' in resolveNoiseGenerator({ ...request, distribution: 'uniform' }, () => false), false, 'other distributions have no generator');
    const pink = { ...request, distribution: 'pink' };
    assert.equal((resolveNoiseGenerator(pink, () => false) as NoiseSpec).generator, 2, 'a new pink set gets generator 2');
    assert.equal(JSON.stringify(resolveNoiseGenerator(pink, () => true)), JSON.stringify(pink), 'a stored generator-1 pink set is reused');
    assert.equal(JSON.stringify(resolveNoiseGenerator({ ...pink, generator: 1 }, () => false)), JSON.stringify(pink));
    assert.throws(() => resolveNoiseGenerator({ ...request, distribution: 'sparse', generator: 2 }, () => false), (e: unknown) => e instanceof InvalidStimulusSpecError && /gaussian and pink noise only, not sparse\.$/.test(e.message));
    assert.throws(() => resolveNoiseGenerator({ ...request, generator: 3 }, () => false), /generators are 1 .* and 2/);
    await assert.rejects(openStimulusSource({ ...request, distribution: 'binary', generator: 2 }), /gaussian and pink noise only/);
  });
});
