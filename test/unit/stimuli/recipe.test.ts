import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resample } from '../../../main/stimuli/resample';
import {
  applyPreset,
  defaultRecipeForInput,
  fitItemShapeToInput,
  InvalidStimulusSpecError,
  openStimulusSource,
  parseStimulusSpec,
  StimulusShapeError,
  validateStimulusSpec,
  type FolderSpec,
  type PreprocessRecipe,
} from '../../../main/stimuli/index';
import { tempDir } from '../../helpers/fixtures';
import { writePng } from './png-writer';

const close = (actual: ArrayLike<number>, expected: number[], eps = 1e-5) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < eps, `[${i}] ${actual[i]} ≠ ${expected[i]}`);
};

describe('defaultRecipeForInput', () => {
  test('reads NCHW, NHWC, [N,H,W] and flat inputs', () => {
    const mnist = defaultRecipeForInput([1, 1, 28, 28]);
    assert.deepEqual(mnist, { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1 / 255, mean: [0], std: [1], layout: 'NCHW' });
    assert.deepEqual(
      (({ width, height, channels, layout }) => ({ width, height, channels, layout }))(defaultRecipeForInput(['batch', 224, 160, 3])),
      { width: 160, height: 224, channels: 3, layout: 'NHWC' },
    );
    assert.deepEqual([defaultRecipeForInput(['N', 3, 'H', 'W']).width, defaultRecipeForInput(['N', 3, 'H', 'W']).height], [224, 224]);
    assert.equal(defaultRecipeForInput([1, 3, 32, 32], 'uint8').scale, 1);
    assert.deepEqual(defaultRecipeForInput([1, 28, 28]).channels, 1);
    const flat = defaultRecipeForInput(['N', 784]);
    assert.deepEqual([flat.width, flat.height, flat.channels], [28, 28, 1]);
    const flatRgb = defaultRecipeForInput(['N', 3072]);
    assert.deepEqual([flatRgb.width, flatRgb.channels], [32, 3]);
    assert.throws(() => defaultRecipeForInput([1, 10, 5, 5], 'float32', 'feat'), {
      code: 'SHAPE_MISMATCH',
      message: 'The model input `feat` has shape 1×10×5×5, which does not look like an image (N×C×H×W or N×H×W×C with 1 or 3 channels).',
    });
  });
});

describe('presets', () => {
  const rgb = defaultRecipeForInput([1, 3, 32, 32]);
  test('cifar10 is (x/255 − 0.5)/0.5 in RGB; imagenet-bgr255 is BGR 0..255', () => {
    const c = applyPreset(rgb, 'preset:cifar10');
    assert.deepEqual([c.channelOrder, c.scale, c.mean, c.std], ['RGB', 1 / 255, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
    const b = applyPreset(rgb, 'imagenet-bgr255');
    assert.deepEqual([b.channelOrder, b.scale, b.mean, b.std], ['BGR', 1, [0, 0, 0], [1, 1, 1]]);
    assert.deepEqual([b.width, b.height, b.layout], [32, 32, 'NCHW']);
  });
  test('grey inputs get one mean/std value; unknown names list the known ones', () => {
    const grey = applyPreset(defaultRecipeForInput([1, 1, 28, 28]), 'mnist-torch');
    assert.deepEqual([grey.mean, grey.std], [[0.1307], [0.3081]]);
    assert.equal(applyPreset(defaultRecipeForInput([1, 1, 28, 28]), 'imagenet').mean.length, 1);
    assert.throws(() => applyPreset(rgb, 'preset:nope'), (err: unknown) => err instanceof InvalidStimulusSpecError && /known presets are .*cifar10/.test(err.message));
  });
});

describe('recipe math', () => {
  // A 2×1 RGB image, pixel 0 = (255, 0, 51), pixel 1 = (0, 102, 255).
  const pixels = [255, 0, 51, 0, 102, 255];
  async function run(recipe: PreprocessRecipe): Promise<Float32Array> {
    const dir = tempDir('cajal-recipe-');
    writeFileSync(join(dir, 'tiny.png'), writePng({ width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [Uint8Array.from(pixels)] }));
    const source = await openStimulusSource({ kind: 'folder', path: dir, labelsFromSubfolders: false, recipe } satisfies FolderSpec);
    return source.batch(0, 1);
  }
  const base: PreprocessRecipe = { width: 2, height: 1, channels: 3, channelOrder: 'RGB', resize: 'stretch', scale: 1 / 255, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 0.125], layout: 'NCHW' };

  test('NCHW RGB: (x/255 − mean)/std per channel, planes in order', async () => {
    // R: (1 − .1)/.5 = 1.8, (0 − .1)/.5 = −0.2; G: (0 − .2)/.25 = −0.8, (.4 − .2)/.25 = 0.8; B: (.2 − .3)/.125 = −0.8, (1 − .3)/.125 = 5.6
    close(await run(base), [1.8, -0.2, -0.8, 0.8, -0.8, 5.6]);
  });

  test('NHWC BGR: mean/std follow the model\'s channel order, values interleaved per pixel', async () => {
    // Channel 0 is now blue, normalised with mean[0]/std[0].
    // pixel 0: B (.2−.1)/.5 = .2, G (0−.2)/.25 = −.8, R (1−.3)/.125 = 5.6; pixel 1: B 1.8, G .8, R −2.4
    close(await run({ ...base, channelOrder: 'BGR', layout: 'NHWC' }), [0.2, -0.8, 5.6, 1.8, 0.8, -2.4]);
  });

  test('grey uses BT.601 luma on 0..255', async () => {
    const grey = await run({ ...base, channels: 1, scale: 1, mean: [0], std: [1] });
    close(grey, [255 * 0.299 + 51 * 0.114, 102 * 0.587 + 255 * 0.114], 1e-3);
  });

  test('center-crop takes the middle of the long side; stretch averages it all', async () => {
    const crop = await run({ ...base, width: 1, height: 1, resize: 'center-crop', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    const stretch = await run({ ...base, width: 1, height: 1, resize: 'stretch', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    // The 1×1 crop of a 2×1 image is the box x ∈ [0.5, 1.5): half of each pixel, as is the stretched average.
    close(crop, [127.5, 51, 153]);
    close(stretch, [127.5, 51, 153]);
  });
});

describe('resampling', () => {
  test('shrinking a checkerboard averages it instead of aliasing', () => {
    const side = 8;
    const board = Array.from({ length: side * side }, (_, i) => ((i % side) + Math.floor(i / side)) % 2 === 0 ? 255 : 0);
    const small = resample(board, side, side, 1, { x0: 0, y0: 0, x1: side, y1: side }, 2, 2);
    // Point sampling would give pure 0 or 255; the widened triangle filter gives about the mean (its
    // weights are not flat, so the balance is close, not exact).
    close(small, [127.5, 127.5, 127.5, 127.5], 2);
  });
  test('a constant image stays constant at any size', () => {
    const img = new Array(5 * 3 * 3).fill(77);
    for (const [w, h] of [[2, 2], [11, 7], [5, 3]]) {
      const out = resample(img, 5, 3, 3, { x0: 0, y0: 0, x1: 5, y1: 3 }, w, h);
      assert.ok(out.every((v) => Math.abs(v - 77) < 1e-4));
    }
  });
  test('enlarging interpolates linearly between pixel centres', () => {
    const out = resample([0, 100], 2, 1, 1, { x0: 0, y0: 0, x1: 2, y1: 1 }, 4, 1);
    close(out, [0, 25, 75, 100]);
  });
});

describe('parseStimulusSpec', () => {
  const mnistRecipe = defaultRecipeForInput([1, 1, 28, 28]);
  test('mnist forms', () => {
    assert.deepEqual(parseStimulusSpec('mnist', mnistRecipe), { kind: 'mnist', offset: 0, count: 10_000, order: 'interleaved', recipe: mnistRecipe });
    assert.equal((parseStimulusSpec('mnist:500', mnistRecipe) as { count: number }).count, 500);
    assert.deepEqual(
      (({ offset, count }) => ({ offset, count }))(parseStimulusSpec('mnist', mnistRecipe, { offset: 9000 }) as { offset: number; count: number }),
      { offset: 9000, count: 1000 },
    );
  });
  test('folder paths are stored absolute', () => {
    const spec = parseStimulusSpec('folder:photos/cats', mnistRecipe, { cwd: '/data', labelsFromSubfolders: false, preset: 'raw255' }) as FolderSpec;
    assert.equal(spec.path, '/data/photos/cats');
    assert.equal(spec.recipe.scale, 1);
  });
  test('bad specs are one clear sentence', () => {
    assert.throws(() => parseStimulusSpec('imagenet', mnistRecipe), { code: 'INVALID_SPEC', message: /^Unknown stimulus spec "imagenet"; use mnist, mnist:N, folder:PATH or noise:white/ });
    assert.throws(() => parseStimulusSpec('mnist:abc', mnistRecipe), { message: 'The count in "mnist:abc" must be a positive whole number.' });
    assert.throws(() => parseStimulusSpec('noise:purple', mnistRecipe), { code: 'INVALID_SPEC' });
    assert.throws(() => parseStimulusSpec('folder:', mnistRecipe), { code: 'INVALID_SPEC' });
  });
  test('specs survive a JSON round trip through validation', () => {
    for (const text of ['mnist:10', 'noise:binary:3', 'folder:/tmp']) {
      const spec = parseStimulusSpec(text, mnistRecipe);
      assert.deepEqual(validateStimulusSpec(JSON.parse(JSON.stringify(spec))), spec);
    }
    assert.throws(() => validateStimulusSpec({ ...parseStimulusSpec('mnist', mnistRecipe), extra: 1 }), { code: 'INVALID_SPEC' });
    assert.throws(
      () => validateStimulusSpec({ ...parseStimulusSpec('mnist', mnistRecipe), recipe: { ...mnistRecipe, std: [0] } }),
      { message: 'The stimulus spec is invalid at `recipe.std.0`: must not be zero.' },
    );
  });
});

describe('fitItemShapeToInput', () => {
  test('accepts equal, squeezable and flat shapes and returns the tensor item dims', () => {
    assert.deepEqual(fitItemShapeToInput([1, 28, 28], 'Input3', [1, 1, 28, 28]), [1, 28, 28]);
    assert.deepEqual(fitItemShapeToInput([3, 32, 32], 'x', ['N', 3, 'H', 'W']), [3, 32, 32]);
    assert.deepEqual(fitItemShapeToInput([1, 28, 28], 'x', ['N', 28, 28]), [28, 28]);
    assert.deepEqual(fitItemShapeToInput([1, 28, 28], 'x', ['N', 784]), [784]);
    assert.deepEqual(fitItemShapeToInput([1, 28, 28], 'x', ['N', 'features']), [784]);
  });
  test('a mismatch is one sentence naming the input', () => {
    assert.throws(() => fitItemShapeToInput([1, 28, 28], 'data_0', [1, 3, 224, 224]), (err: unknown) => {
      assert.ok(err instanceof StimulusShapeError);
      assert.equal(err.code, 'SHAPE_MISMATCH');
      assert.equal(err.message, 'The stimuli are 1×28×28 but the model input `data_0` expects 3×224×224.');
      return true;
    });
    assert.throws(() => fitItemShapeToInput([3, 32, 32], 'x', ['N', 32, 32, 3]), { message: 'The stimuli are 3×32×32 but the model input `x` expects 32×32×3.' });
    assert.throws(() => fitItemShapeToInput([1, 28, 28], 'x', ['N', 1, 'H', 32]), { message: 'The stimuli are 1×28×28 but the model input `x` expects 1×H×32.' });
  });
});
