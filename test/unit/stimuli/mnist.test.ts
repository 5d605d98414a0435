import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { defaultRecipeForInput, openStimulusSource, parseStimulusSpec, type MnistSpec } from '../../../main/stimuli/index';
import { loadMnistDigits, mnistOrderIndex, parseDigitPixels } from '../../../main/stimuli/mnist';
import { fitImage, writeTensor } from '../../../main/stimuli/preprocess';
import type { PreprocessRecipe } from '../../../main/stimuli/types';

const raw255 = () => parseStimulusSpec('mnist', defaultRecipeForInput([1, 1, 28, 28]), { preset: 'raw255' }) as MnistSpec;
const PACKAGE_CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('MNIST stimuli', () => {
  test('all 10,000 digits, labelled 0..9 with the package\'s class sizes', async () => {
    const source = await openStimulusSource(raw255());
    assert.equal(source.count, 10_000);
    assert.deepEqual(source.itemShape, [1, 28, 28]);
    assert.deepEqual(source.labelNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < source.count; i++) counts[source.meta(i).label as number]++;
    assert.deepEqual(counts, PACKAGE_CLASS_COUNTS);
  });

  test('the default order is class-interleaved, so any prefix is balanced', async () => {
    const source = await openStimulusSource({ ...raw255(), count: 30 });
    assert.deepEqual(
      Array.from({ length: 30 }, (_, i) => source.meta(i).label),
      Array.from({ length: 30 }, (_, i) => i % 10),
    );
  });

  test('a stored spec without an order reads as interleaved, and the source reports it explicitly', async () => {
    const { order: _omitted, ...legacy } = { ...raw255(), count: 10 };
    const source = await openStimulusSource(legacy);
    assert.equal((source.spec as MnistSpec).order, 'interleaved');
    assert.deepEqual(await source.batch(0, 10), await (await openStimulusSource({ ...raw255(), count: 10 })).batch(0, 10));
    // Into a reused buffer (a harvest's block buffers, #14): the same values, written over whatever it held.
    const into = new Float32Array(12 * 784).fill(Number.NaN);
    const filled = await source.batch(0, 10, into);
    assert.equal(filled.buffer, into.buffer, 'the given buffer is filled, not a new one');
    assert.deepEqual(filled, await source.batch(0, 10));
  });

  test('by-class order is the package\'s own, digit for digit', async () => {
    const pkg = createRequire(import.meta.url)('mnist') as Array<{ get(i: number): number[] }>;
    const spec: MnistSpec = { ...raw255(), order: 'by-class', offset: 1001 + 1127, count: 5 };
    const source = await openStimulusSource(spec);
    const batch = await source.batch(0, 5);
    for (let i = 0; i < 5; i++) {
      assert.equal(source.meta(i).label, 2);
      const expected = pkg[2].get(i).map((v) => Math.round(v * 255));
      assert.deepEqual(Array.from(batch.subarray(i * 784, (i + 1) * 784)), expected);
    }
  });

  test('raw255 pixels are whole numbers spanning 0..255, white digit on black', async () => {
    const source = await openStimulusSource({ ...raw255(), count: 100 });
    const batch = await source.batch(0, 100);
    let min = Infinity;
    let max = -Infinity;
    for (const v of batch) {
      assert.ok(Number.isInteger(v));
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.equal(min, 0);
    assert.equal(max, 255);
    // The border is background (black) in every MNIST digit.
    assert.equal(batch[0], 0);
  });

  test('the default 1/255 recipe gives 0..1', async () => {
    const spec = parseStimulusSpec('mnist:10', defaultRecipeForInput([1, 1, 28, 28]));
    const batch = await (await openStimulusSource(spec)).batch(0, 10);
    assert.ok(batch.every((v) => v >= 0 && v <= 1));
    assert.ok(batch.some((v) => v === 1));
  });

  test('batches are deterministic and independent of where they start', async () => {
    const spec = { ...raw255(), offset: 500, count: 20 };
    const a = await (await openStimulusSource(spec)).batch(0, 20);
    const b = await (await openStimulusSource(spec)).batch(7, 5);
    assert.deepEqual(b, a.subarray(7 * 784, 12 * 784));
    const shifted = await openStimulusSource({ ...spec, offset: 507, count: 5 });
    assert.deepEqual(await shifted.batch(0, 5), b);
    assert.equal(shifted.meta(0).name, 'mnist #507');
  });

  test('digits at their own size are written through per-byte tables with the very bits fitImage + writeTensor give (#14)', async () => {
    const { pixels, labels } = await loadMnistDigits();
    const order = mnistOrderIndex(labels, 'interleaved');
    const base = raw255().recipe;
    // Fractional scale, mean and std (no value exact in float32), one and three channels, both layouts and orders.
    const recipes: PreprocessRecipe[] = [
      { ...base, scale: 1 / 255, mean: [0.1307], std: [0.3081] },
      { ...base, channels: 3, channelOrder: 'BGR', layout: 'NHWC', scale: 1 / 255, mean: [0.406, 0.456, 0.485], std: [0.225, 0.224, 0.229] },
      { ...base, channels: 3, channelOrder: 'RGB', layout: 'NCHW', scale: 0.7, mean: [103.9, 116.7, 123.6], std: [57.3, 57.1, 58.3] },
    ];
    const offset = 3210;
    const count = 300;
    for (const recipe of recipes) {
      const source = await openStimulusSource({ kind: 'mnist', offset, count, recipe });
      const itemSize = source.itemShape.reduce((a, b) => a * b, 1);
      const ours = await source.batch(0, count);
      const generic = new Float32Array(count * itemSize);
      for (let i = 0; i < count; i++) {
        const p = order[offset + i]!;
        const raster = { width: 28, height: 28, channels: 1 as const, data: pixels.subarray(p * 784, (p + 1) * 784) };
        writeTensor(fitImage(raster, recipe), recipe, generic, i * itemSize);
      }
      assert.deepEqual(new Uint32Array(ours.buffer, ours.byteOffset, ours.length), new Uint32Array(generic.buffer), `${recipe.channels} channels ${recipe.layout}`);
    }
  });

  test('a 3-channel 32×32 recipe replicates and resizes the digit', async () => {
    const spec = parseStimulusSpec('mnist:2', defaultRecipeForInput(['N', 3, 32, 32]), { preset: 'raw255' });
    const source = await openStimulusSource(spec);
    assert.deepEqual(source.itemShape, [3, 32, 32]);
    const b = await source.batch(0, 1);
    const plane = 32 * 32;
    for (let i = 0; i < plane; i++) assert.ok(b[i] === b[plane + i] && b[i] === b[2 * plane + i]);
  });

  test('thumbnails stay 28×28 and decode back to the digit', async () => {
    const source = await openStimulusSource({ ...raw255(), count: 3 });
    const png = PNG.sync.read(Buffer.from(await source.thumbnail(2)));
    assert.equal(png.width, 28);
    assert.equal(png.height, 28);
    const batch = await source.batch(2, 1);
    for (let i = 0; i < 784; i++) assert.equal(png.data[i * 4], batch[i]);
  });

  test('offset + count beyond the 10,000 digits is a clear error', async () => {
    await assert.rejects(openStimulusSource({ ...raw255(), offset: 9990, count: 20 }), { code: 'INVALID_SPEC', message: /MNIST has 10000 digits/ });
    assert.throws(() => parseStimulusSpec('mnist:10001', defaultRecipeForInput([1, 1, 28, 28])), { code: 'INVALID_SPEC' });
  });
});

describe('MNIST digit files read from their bytes', () => {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const viaJson = (bytes: Uint8Array) => Uint8Array.from((JSON.parse(new TextDecoder().decode(bytes)) as { data: number[] }).data, (v) => Math.round(v * 255));

  test('every class file gives exactly the bytes JSON.parse would', () => {
    for (let d = 0; d < 10; d++) {
      const bytes = readFileSync(join(dir, `${d}.json`));
      assert.deepEqual(parseDigitPixels(bytes), viaJson(bytes), `class ${d}`);
    }
  });

  test('spacing is tolerated, and a number it does not scan (sign, exponent) falls back to JSON.parse', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.deepEqual([...parseDigitPixels(enc('{ "data": [0.2 , 1,\n0.624,0] }'))], [51, 255, 159, 0]);
    assert.deepEqual([...parseDigitPixels(enc('{"data":[1e-3,0.5,-0]}'))], [0, 128, 0]);
  });
});
