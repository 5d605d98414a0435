import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { defaultRecipeForInput, openStimulusSource, parseStimulusSpec, type NoiseSpec } from '../../../main/stimuli/index';

const spec = (over: Partial<NoiseSpec> = {}): NoiseSpec => ({
  kind: 'noise',
  distribution: 'gaussian',
  count: 50,
  itemShape: [1, 28, 28],
  seed: 7,
  mean: 0,
  std: 1,
  ...over,
});

function moments(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (const v of values) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean * mean) };
}

describe('noise stimuli', () => {
  test('items are identical whatever batch boundaries are used', async () => {
    const source = await openStimulusSource(spec());
    const whole = await source.batch(0, 50);
    const size = 784;
    for (const [start, n] of [[0, 1], [3, 7], [17, 16], [49, 1]]) {
      assert.deepEqual(await source.batch(start, n), whole.subarray(start * size, (start + n) * size), `batch(${start}, ${n})`);
    }
    // A freshly opened source (e.g. after the process was killed) regenerates the same items.
    const again = await openStimulusSource(JSON.parse(JSON.stringify(spec())));
    assert.deepEqual(await again.batch(20, 5), whole.subarray(20 * size, 25 * size));
    // Into a reused buffer (a harvest's block buffers, #14): the same values, written over whatever it held.
    const into = new Float32Array(8 * size).fill(Number.NaN);
    const filled = await source.batch(3, 7, into);
    assert.equal(filled.buffer, into.buffer, 'the given buffer is filled, not a new one');
    assert.deepEqual(filled, whole.subarray(3 * size, 10 * size));
  });

  test('a different seed gives different items, and items differ from each other', async () => {
    const a = await (await openStimulusSource(spec())).batch(0, 2);
    const b = await (await openStimulusSource(spec({ seed: 8 }))).batch(0, 2);
    assert.notDeepEqual(a, b);
    assert.notDeepEqual(a.subarray(0, 784), a.subarray(784));
  });

  test('every distribution has the requested mean and standard deviation', async () => {
    for (const distribution of ['gaussian', 'uniform', 'binary'] as const) {
      const source = await openStimulusSource(spec({ distribution, count: 200, mean: 0.5, std: 2 }));
      const { mean, std } = moments(await source.batch(0, 200));
      assert.ok(Math.abs(mean - 0.5) < 0.02, `${distribution} mean ${mean}`);
      assert.ok(Math.abs(std - 2) < 0.02, `${distribution} std ${std}`);
    }
    const binary = await (await openStimulusSource(spec({ distribution: 'binary', mean: 1, std: 1 }))).batch(0, 1);
    assert.ok(binary.every((v) => v === 0 || v === 2));
    const uniform = await (await openStimulusSource(spec({ distribution: 'uniform', count: 20 }))).batch(0, 20);
    assert.ok(uniform.every((v) => Math.abs(v) <= Math.sqrt(3)));
  });

  test('noise:white takes its item shape from the recipe and defaults to 1000 standard-normal items', async () => {
    const parsed = parseStimulusSpec('noise:white', defaultRecipeForInput(['N', 3, 32, 32]));
    assert.deepEqual(parsed, { kind: 'noise', distribution: 'gaussian', count: 1000, itemShape: [3, 32, 32], seed: 0, mean: 0, std: 1 });
    const nhwc = parseStimulusSpec('noise:uniform:25', defaultRecipeForInput([1, 64, 48, 3]), { seed: 5 });
    assert.deepEqual(nhwc, { kind: 'noise', distribution: 'uniform', count: 25, itemShape: [64, 48, 3], seed: 5, mean: 0, std: 1 });
    assert.deepEqual((await openStimulusSource(parsed)).itemShape, [3, 32, 32]);
  });

  test('thumbnails render the item min-max scaled, grey or RGB', async () => {
    const rgb = await openStimulusSource(spec({ itemShape: [3, 32, 32] }));
    const png = PNG.sync.read(Buffer.from(await rgb.thumbnail(4)));
    assert.equal(png.width, 32);
    assert.equal(png.height, 32);
    let min = 255;
    let max = 0;
    let coloured = false;
    for (let i = 0; i < 32 * 32; i++) {
      const [r, g, b] = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]];
      min = Math.min(min, r, g, b);
      max = Math.max(max, r, g, b);
      if (r !== g || g !== b) coloured = true;
    }
    assert.equal(min, 0);
    assert.equal(max, 255);
    assert.ok(coloured);

    // The image follows the item: channel 0 of the item is the red channel of the picture.
    const item = await rgb.batch(4, 1);
    const image = await rgb.image(4);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of item) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    for (const i of [0, 100, 1023]) assert.equal(image.rgb[i * 3], Math.round(((item[i] - lo) / (hi - lo)) * 255));

    const grey = await openStimulusSource(spec({ itemShape: [784] }));
    const g = PNG.sync.read(Buffer.from(await grey.thumbnail(0)));
    assert.deepEqual([g.width, g.height], [28, 28]);
    for (let i = 0; i < 784; i++) assert.ok(g.data[i * 4] === g.data[i * 4 + 1] && g.data[i * 4 + 1] === g.data[i * 4 + 2]);

    const big = await openStimulusSource(spec({ itemShape: [1, 224, 224, 3] }));
    const b = PNG.sync.read(Buffer.from(await big.thumbnail(0)));
    assert.deepEqual([b.width, b.height], [64, 64]);
  });
});
