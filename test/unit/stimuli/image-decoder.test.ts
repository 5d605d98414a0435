// Image decoder 2 (#14): libjpeg-turbo and libpng through sharp read the fixture photos exactly as Pillow does
// (test/fixtures/pil-decode-reference.json, made by pil-decode-reference.py with Debian's python3-pil 9.4), decoder 1
// (jpeg-js, pngjs) stays byte for byte what every stored folder set was made with, the cases decoder 2 leaves to
// decoder 1 (CMYK JPEG, 16-bit PNG) give decoder 1's pixels, and a request gets decoder 2 unless the project holds
// the same set made with decoder 1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { Lab } from '../../../main/services/lab';
import { decodeImage, type Raster } from '../../../main/stimuli/decode';
import { decodeImageNative } from '../../../main/stimuli/decode-native';
import { resolveImageDecoder } from '../../../main/stimuli/image-decoder';
import { defaultRecipeForInput, InvalidStimulusSpecError, openStimulusSource, parseStimulusSpec, type FolderSpec } from '../../../main/stimuli/index';
import { fixture, fixturesDir, repoRoot, tempDir } from '../../helpers/fixtures';
import { writePng } from './png-writer';

const imagesDir = join(fixturesDir, 'images');
const pil = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/pil-decode-reference.json'), 'utf8')) as {
  images: { name: string; width: number; height: number; rgbSha256: string; rgbSum: number }[];
};
const temps: string[] = [];
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const dir = tempDir('cajal-decoder-');
  temps.push(dir);
  return dir;
};

/** Interleaved RGB as Image.convert('RGB') gives it (grey replicated). */
function rgb(r: Raster): Uint8Array {
  if (r.channels === 3) return r.data;
  const out = new Uint8Array(r.width * r.height * 3);
  for (let i = 0; i < r.width * r.height; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = r.data[i]!;
  return out;
}
/** The JPEG without its APP2 ICC_PROFILE segments (the entropy-coded data untouched). */
function stripIccSegments(jpeg: Buffer): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  let p = 2;
  while (jpeg[p] === 0xff && jpeg[p + 1] !== 0xda) {
    const end = p + 2 + jpeg.readUInt16BE(p + 2);
    const icc = jpeg[p + 1] === 0xe2 && jpeg.subarray(p + 4, p + 16).toString('latin1') === 'ICC_PROFILE\0';
    if (!icc) parts.push(jpeg.subarray(p, end));
    p = end;
  }
  parts.push(jpeg.subarray(p));
  return Buffer.concat(parts);
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const f32sha = (a: Float32Array) => sha(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('image decoder 2 against Pillow', () => {
  test('every fixture photo decodes to the pixels Pillow reads; jpeg-js (decoder 1) differs on the JPEG photo', async () => {
    assert.equal(pil.images.length, 7);
    for (const ref of pil.images) {
      const bytes = readFileSync(join(imagesDir, ref.name));
      const native = await decodeImageNative(bytes);
      assert.deepEqual([native.width, native.height], [ref.width, ref.height], ref.name);
      assert.equal(sha(rgb(native)), ref.rgbSha256, `${ref.name}: decoder 2 equals Pillow`);
      const v1 = rgb(decodeImage(bytes));
      if (ref.name.endsWith('.png')) assert.equal(sha(v1), ref.rgbSha256, `${ref.name}: PNG is lossless, decoder 1 equals Pillow too`);
    }
    // The reason decoders are versioned: jpeg-js's IDCT and upsampling round differently from libjpeg-turbo.
    const eagle = readFileSync(fixture('images/bald_eagle.jpeg'));
    const a = rgb(decodeImage(eagle));
    const b = rgb(await decodeImageNative(eagle));
    let differ = 0;
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (d > 0) differ++;
      worst = Math.max(worst, d);
    }
    assert.ok(differ > a.length / 2 && worst > 10, `jpeg-js differs from libjpeg-turbo on ${differ} of ${a.length} values, by up to ${worst}`);
  });

  test('CMYK JPEGs and 16-bit PNGs keep decoder 1 pixels; corrupt and truncated files are refused', async () => {
    const eagle = readFileSync(fixture('images/bald_eagle.jpeg'));
    const cmyk = await sharp(eagle).resize(40, 30).toColourspace('cmyk').jpeg().toBuffer();
    const fromCmyk = await decodeImageNative(cmyk);
    assert.equal(fromCmyk.channels, 3);
    assert.equal(sha(fromCmyk.data), sha(decodeImage(cmyk).data), 'CMYK JPEG: decoder 1 pixels');
    // A photo with an embedded colour profile (Display P3) decodes as the same JPEG without it: no colour conversion.
    const withIcc = await sharp(eagle).resize(64, 48).withIccProfile('p3').jpeg().toBuffer();
    const withoutIcc = stripIccSegments(withIcc);
    assert.ok(withoutIcc.length < withIcc.length - 100, 'the test JPEG carries an ICC profile');
    assert.equal(sha((await decodeImageNative(withIcc)).data), sha((await decodeImageNative(withoutIcc)).data), 'the ICC profile is ignored');
    const png16 = writePng({ width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [Uint8Array.from([10, 200, 20, 100, 30, 0, 200, 255, 150, 1, 100, 128])] });
    assert.deepEqual(Array.from((await decodeImageNative(png16)).data), Array.from(decodeImage(png16).data), '16-bit PNG: decoder 1 pixels');
    for (const [bytes, what] of [
      [eagle.subarray(0, 20_000), /^its JPEG data is corrupt or truncated \(.+\)$/],
      [Buffer.concat([eagle.subarray(0, 3), Buffer.from('not a jpeg at all')]), /^its JPEG data is corrupt or truncated/],
      [Buffer.from('plain text'), /^it is neither a PNG nor a JPEG file$/],
    ] as const) {
      await assert.rejects(decodeImageNative(bytes), (e: unknown) => e instanceof Error && what.test(e.message) && !e.message.includes('\n'));
    }
  });
});

describe('image decoder versions of folder sets', () => {
  const spec = parseStimulusSpec(`folder:${imagesDir}`, defaultRecipeForInput([1, 3, 224, 224]), { preset: 'imagenet-bgr255' }) as FolderSpec;
  const size = 3 * 224 * 224;

  test('a decoder-1 set gives the bytes it gave before decoder 2 existed; decoder 2 changes only the JPEG items', async () => {
    assert.equal(spec.decoder, undefined);
    const v1 = await (await openStimulusSource(spec)).batch(0, 7);
    // SHA-256 of the 7 fixture photos through this recipe, taken on the commit before decoder 2 (e2052ce).
    assert.equal(f32sha(v1), 'b5f727c3089219d57136be136aee4c874db4d2da0e13975cdda82f73cc007934');
    const source2 = await openStimulusSource({ ...spec, decoder: 2 });
    assert.equal((source2.spec as FolderSpec).decoder, 2);
    const v2 = await source2.batch(0, 7);
    for (let i = 0; i < 7; i++) {
      const name = source2.meta(i).name;
      const same = f32sha(v1.subarray(i * size, (i + 1) * size)) === f32sha(v2.subarray(i * size, (i + 1) * size));
      assert.equal(same, name.endsWith('.png'), `${name}: ${same ? 'same' : 'different'} values`);
    }
  });

  test('a request gets decoder 2, or the stored decoder-1 set it matches (also by a relative path); decoder 1 is stored as specs always were', async () => {
    const dir = temp();
    copyFileSync(fixture('images/mnist_3.jpg'), join(dir, 'three.jpg'));
    const request = { kind: 'folder' as const, path: dir, labelsFromSubfolders: false, recipe: defaultRecipeForInput([1, 1, 28, 28]) };
    assert.equal((resolveImageDecoder(request, () => false) as FolderSpec).decoder, 2);
    assert.equal('decoder' in resolveImageDecoder({ ...request, decoder: 1 }, () => false), false);
    assert.throws(() => resolveImageDecoder({ ...request, decoder: 3 }, () => false), (e: unknown) => e instanceof InvalidStimulusSpecError && /image decoders are 1/.test(e.message));

    const lab = new Lab(() => undefined);
    lab.openProject({ path: join(dir, 'p.cajal'), create: true });
    try {
      const old = await lab.createStimulusSet({ spec: { ...request, decoder: 1 } });
      assert.equal('decoder' in old.spec, false);
      const again = await lab.createStimulusSet({ spec: { ...request, path: relative(process.cwd(), dir) } });
      assert.equal(again.id, old.id, 'the request without a decoder is the stored decoder-1 set');
      const other = await lab.createStimulusSet({ spec: { ...request, labelsFromSubfolders: true } });
      assert.equal((other.spec as FolderSpec).decoder, 2, 'a set the project does not hold gets decoder 2');
    } finally {
      await lab.shutdown();
    }
  });
});
