import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative as relative_ } from 'node:path';
import { after, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import {
  defaultRecipeForInput,
  FolderNotFoundError,
  ImageUnreadableError,
  NoImagesError,
  openStimulusSource,
  parseStimulusSpec,
  type FolderSpec,
  type PreprocessRecipe,
  type StimulusSource,
} from '../../../main/stimuli/index';
import { fixture, fixturesDir, tempDir } from '../../helpers/fixtures';
import { writePng } from './png-writer';

const imagesDir = join(fixturesDir, 'images');
const temps: string[] = [];
const temp = () => {
  const dir = tempDir('cajal-stimuli-');
  temps.push(dir);
  return dir;
};
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const greyRaw = (width: number, height: number): PreprocessRecipe => ({
  ...defaultRecipeForInput([1, 1, height, width]),
  scale: 1,
});

function folderSpec(path: string, recipe: PreprocessRecipe, labelsFromSubfolders = false): FolderSpec {
  return { kind: 'folder', path, labelsFromSubfolders, recipe };
}

describe('folder stimuli: fixture images', () => {
  test('all seven images are found in sorted order and decode', async () => {
    const spec = parseStimulusSpec(`folder:${imagesDir}`, defaultRecipeForInput([1, 3, 224, 224]), { preset: 'imagenet-bgr255' });
    const source = await openStimulusSource(spec);
    assert.equal(source.count, 7);
    assert.equal(source.labelNames, null);
    assert.deepEqual(
      Array.from({ length: 7 }, (_, i) => source.meta(i).name),
      ['bald_eagle.jpeg', 'fish.png', 'kitten_224.png', 'mnist_0.jpg', 'mnist_3.jpg', 'mnist_5.jpg', 'mnist_7.jpg'],
    );
    const batch = await source.batch(0, 7);
    assert.equal(batch.length, 7 * 3 * 224 * 224);
    for (let i = 0; i < 7; i++) {
      const item = batch.subarray(i * 3 * 224 * 224, (i + 1) * 3 * 224 * 224);
      let max = 0;
      for (const v of item) {
        assert.ok(v >= 0 && v <= 255);
        max = Math.max(max, v);
      }
      assert.ok(max > 200, `${source.meta(i).name} is not blank`);
    }
  });

  test('the source reports its folder as an absolute path', async () => {
    const relative = relative_(process.cwd(), imagesDir);
    const source = await openStimulusSource(folderSpec(relative, defaultRecipeForInput([1, 3, 32, 32])));
    assert.equal((source.spec as FolderSpec).path, imagesDir);
  });

  test('kitten_224.png under the squeezenet BGR recipe puts blue in channel 0', async () => {
    const spec = parseStimulusSpec(`folder:${imagesDir}`, defaultRecipeForInput([1, 3, 224, 224]), { preset: 'imagenet-bgr255' });
    const source = await openStimulusSource(spec);
    const index = Array.from({ length: source.count }, (_, i) => source.meta(i).name).indexOf('kitten_224.png');
    const tensor = await source.batch(index, 1);
    const png = PNG.sync.read(readFileSync(fixture('images/kitten_224.png')));
    const plane = 224 * 224;
    for (let i = 0; i < plane; i += 97) {
      assert.equal(tensor[i], png.data[i * 4 + 2], 'channel 0 is blue');
      assert.equal(tensor[plane + i], png.data[i * 4 + 1], 'channel 1 is green');
      assert.equal(tensor[2 * plane + i], png.data[i * 4], 'channel 2 is red');
    }
  });

  test('mnist_7.jpg as 28×28 grey keeps its bright stroke in the centre, also when shrunk to 14×14', async () => {
    const dir = temp();
    copyFileSync(fixture('images/mnist_7.jpg'), join(dir, 'seven.jpg'));
    for (const side of [28, 14]) {
      const source = await openStimulusSource(folderSpec(dir, greyRaw(side, side)));
      assert.deepEqual(source.itemShape, [1, side, side]);
      const px = await source.batch(0, 1);
      // The stroke's intensity-weighted centroid sits near the middle, and the middle outshines the rim.
      let total = 0;
      let cx = 0;
      let cy = 0;
      let centre = 0;
      let nCentre = 0;
      let edge = 0;
      let nEdge = 0;
      const rim = side / 7;
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const v = px[y * side + x];
          total += v;
          cx += v * (x + 0.5);
          cy += v * (y + 0.5);
          if (x < rim || y < rim || x >= side - rim || y >= side - rim) {
            edge += v;
            nEdge++;
          } else {
            centre += v;
            nCentre++;
          }
        }
      assert.ok(Math.abs(cx / total - side / 2) < side / 6 && Math.abs(cy / total - side / 2) < side / 6, `centroid at ${side}px`);
      assert.ok(centre / nCentre > 4 * (edge / nEdge), `centre outshines the rim at ${side}px`);
    }
  });

  test('a non-square photo is centre-cropped, and thumbnails decode back as PNG', async () => {
    const dir = temp();
    copyFileSync(fixture('images/bald_eagle.jpeg'), join(dir, 'eagle.jpeg'));
    const crop = await openStimulusSource(folderSpec(dir, defaultRecipeForInput([1, 3, 224, 224])));
    const image = await crop.image(0);
    assert.equal(image.width, 224);
    assert.equal(image.height, 224);
    const thumb = PNG.sync.read(Buffer.from(await crop.thumbnail(0)));
    assert.equal(thumb.width, 64);
    assert.equal(thumb.height, 64);
    const wide = await openStimulusSource(folderSpec(dir, { ...defaultRecipeForInput([1, 3, 50, 100]), resize: 'stretch' }));
    const small = PNG.sync.read(Buffer.from(await wide.thumbnail(0, 32)));
    assert.equal(small.width, 32);
    assert.equal(small.height, 16);
  });
});

describe('folder stimuli: PNG variants', () => {
  test('grey, grey+alpha, RGB, RGBA, palette and 16-bit PNGs decode to the same pixels', async () => {
    const dir = temp();
    // One 2×1 image: a dark pixel (10, 20, 30) and a bright one (200, 150, 100), in every encoding.
    const rgb = [10, 20, 30, 200, 150, 100];
    const u16 = (v: number) => [v, v]; // v·257 is exactly v at 8 bits
    writeFileSync(join(dir, 'a_rgb.png'), writePng({ width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [Uint8Array.from(rgb)] }));
    writeFileSync(join(dir, 'b_rgba.png'), writePng({ width: 2, height: 1, bitDepth: 8, colorType: 6, rows: [Uint8Array.from([10, 20, 30, 255, 200, 150, 100, 0])] }));
    writeFileSync(join(dir, 'c_palette.png'), writePng({ width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [Uint8Array.from([1, 0])], palette: [[200, 150, 100], [10, 20, 30]] }));
    writeFileSync(join(dir, 'd_rgb16.png'), writePng({ width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [Uint8Array.from(rgb.flatMap(u16))] }));
    writeFileSync(join(dir, 'e_grey.png'), writePng({ width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [Uint8Array.from([10, 200])] }));
    writeFileSync(join(dir, 'f_greyalpha.png'), writePng({ width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [Uint8Array.from([10, 128, 200, 255])] }));
    writeFileSync(join(dir, 'g_grey16.png'), writePng({ width: 2, height: 1, bitDepth: 16, colorType: 0, rows: [Uint8Array.from([10, 10, 200, 200])] }));
    writeFileSync(join(dir, 'h_grey1bit.png'), writePng({ width: 2, height: 1, bitDepth: 1, colorType: 0, rows: [Uint8Array.from([0b01000000])] }));

    const recipe: PreprocessRecipe = { ...defaultRecipeForInput([1, 3, 1, 2]), layout: 'NHWC', scale: 1 }; // 1×2 RGB, raw 0..255
    // Image decoder 1 (pngjs) and 2 (libpng through sharp, #14) alike.
    for (const decoder of [undefined, 2] as const) {
      const source = await openStimulusSource({ ...folderSpec(dir, recipe), decoder });
      assert.equal(source.count, 8);
      const items = await source.batch(0, 8);
      const item = (i: number) => Array.from(items.subarray(i * 6, i * 6 + 6));
      const what = (i: number) => `${source.meta(i).name}, decoder ${decoder ?? 1}`;
      for (let i = 0; i < 4; i++) assert.deepEqual(item(i), rgb, what(i));
      for (let i = 4; i < 7; i++) assert.deepEqual(item(i), [10, 10, 10, 200, 200, 200], what(i));
      assert.deepEqual(item(7), [0, 0, 0, 255, 255, 255], what(7));
    }
  });
});

describe('folder stimuli: a repeated photo', () => {
  test('copies of a photo give the values of a fresh decode, and a changed copy its own values', async () => {
    // A photo repeated in a set is decoded once per source (#14); each hit must equal what decoding it gives.
    const dir = temp();
    const names = ['bald_eagle.jpeg', 'fish.png', 'bald_eagle.jpeg', 'kitten_224.png', 'fish.png', 'bald_eagle.jpeg'];
    names.forEach((n, i) => copyFileSync(fixture(`images/${n}`), join(dir, `${i}-${n}`)));
    const bytes = readFileSync(fixture('images/fish.png'));
    bytes[bytes.length - 20] ^= 0xff; // the same size, other bytes: a corrupted copy must not be served from the cache
    writeFileSync(join(dir, '6-fish.png'), bytes);
    const spec = parseStimulusSpec(`folder:${dir}`, defaultRecipeForInput([1, 3, 224, 224]), { preset: 'imagenet-bgr255' });
    const size = 3 * 224 * 224;
    const all = await (await openStimulusSource(spec)).batch(0, 6);
    for (let i = 0; i < 6; i++) {
      const alone = await (await openStimulusSource(spec)).batch(i, 1); // a fresh source: decoded, no cache
      assert.deepEqual(all.subarray(i * size, (i + 1) * size), alone, names[i]);
    }
    await assert.rejects((await openStimulusSource(spec)).batch(0, 7), ImageUnreadableError);
  });
});

describe('folder stimuli: labels from sub-folders', () => {
  test('labels are indices of the sorted sub-folder names, nested images included', async () => {
    const dir = temp();
    for (const sub of ['fish', 'cats', 'digits/more', 'zz_empty']) mkdirSync(join(dir, sub), { recursive: true });
    copyFileSync(fixture('images/kitten_224.png'), join(dir, 'cats', 'kitten.png'));
    copyFileSync(fixture('images/fish.png'), join(dir, 'fish', 'fish.png'));
    copyFileSync(fixture('images/mnist_3.jpg'), join(dir, 'digits', 'three.jpg'));
    copyFileSync(fixture('images/mnist_7.jpg'), join(dir, 'digits', 'more', 'seven.JPG'));
    copyFileSync(fixture('images/mnist_0.jpg'), join(dir, 'loose.jpg'));
    writeFileSync(join(dir, 'cats', 'notes.txt'), 'not an image');
    writeFileSync(join(dir, 'cats', '._kitten.png'), 'macOS resource fork, not an image');

    const spec = parseStimulusSpec(`folder:${dir}`, defaultRecipeForInput([1, 3, 32, 32]), { labelsFromSubfolders: true });
    const source = await openStimulusSource(spec);
    assert.deepEqual(source.labelNames, ['cats', 'digits', 'fish', 'zz_empty']);
    const metas = Array.from({ length: source.count }, (_, i) => source.meta(i));
    assert.deepEqual(
      metas.map((m) => [m.name, m.label]),
      [
        ['cats/kitten.png', 0],
        ['digits/more/seven.JPG', 1],
        ['digits/three.jpg', 1],
        ['fish/fish.png', 2],
        ['loose.jpg', null],
      ],
    );
  });

  test('parsing guesses sub-folder labels only when all images live in sub-folders', () => {
    const dir = temp();
    mkdirSync(join(dir, 'a'));
    copyFileSync(fixture('images/mnist_3.jpg'), join(dir, 'a', 'x.jpg'));
    const recipe = defaultRecipeForInput([1, 1, 28, 28]);
    assert.equal((parseStimulusSpec(`folder:${dir}`, recipe) as FolderSpec).labelsFromSubfolders, true);
    copyFileSync(fixture('images/mnist_3.jpg'), join(dir, 'y.jpg'));
    assert.equal((parseStimulusSpec(`folder:${dir}`, recipe) as FolderSpec).labelsFromSubfolders, false);
  });
});

describe('folder stimuli: errors', () => {
  const recipe = defaultRecipeForInput([1, 3, 32, 32]);

  test('a missing folder', async () => {
    const path = join(temp(), 'nope');
    await assert.rejects(openStimulusSource(folderSpec(path, recipe)), (err: unknown) => {
      assert.ok(err instanceof FolderNotFoundError);
      assert.equal(err.code, 'FOLDER_NOT_FOUND');
      assert.equal(err.message, `The folder ${path} does not exist or is not a folder.`);
      return true;
    });
  });

  test('a folder without PNG or JPEG images', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'readme.txt'), 'hello');
    mkdirSync(join(dir, 'sub'));
    await assert.rejects(openStimulusSource(folderSpec(dir, recipe)), (err: unknown) => {
      assert.ok(err instanceof NoImagesError);
      assert.equal(err.code, 'NO_IMAGES');
      assert.equal(err.message, `The folder ${dir} contains no PNG or JPEG images.`);
      return true;
    });
  });

  test('corrupt and truncated images name the file', async () => {
    const dir = temp();
    const eagle = readFileSync(fixture('images/bald_eagle.jpeg'));
    writeFileSync(join(dir, 'a_fine.png'), readFileSync(fixture('images/fish.png')));
    writeFileSync(join(dir, 'b_garbage.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]));
    writeFileSync(join(dir, 'c_text.jpg'), 'plain text with a .jpg name');
    writeFileSync(join(dir, 'd_truncated.jpeg'), eagle.subarray(0, 600));
    for (const decoder of [undefined, 2] as const) await refusesCorrupt(await openStimulusSource({ ...folderSpec(dir, recipe), decoder }));
  });

  async function refusesCorrupt(source: StimulusSource): Promise<void> {
    const dir = (source.spec as FolderSpec).path;
    assert.equal(source.count, 4);
    await source.batch(0, 1);
    for (const [index, name] of [[1, 'b_garbage.png'], [2, 'c_text.jpg'], [3, 'd_truncated.jpeg']] as const) {
      await assert.rejects(source.batch(index, 1), (err: unknown) => {
        assert.ok(err instanceof ImageUnreadableError, String(err));
        assert.equal(err.code, 'IMAGE_UNREADABLE');
        assert.ok(err.message.startsWith(`The image ${join(dir, name)} could not be read: `), err.message);
        assert.ok(err.message.endsWith('.') && !err.message.endsWith('..'));
        assert.ok(!err.message.includes('\n'), err.message);
        return true;
      });
    }
  }

  test('out-of-range batches are refused', async () => {
    const source = await openStimulusSource(folderSpec(imagesDir, recipe));
    await assert.rejects(source.batch(5, 3), { code: 'OUT_OF_RANGE' });
    assert.throws(() => source.meta(7), { code: 'OUT_OF_RANGE' });
  });
});
