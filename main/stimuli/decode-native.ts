// Image decoder 2 (#14): JPEG and 8-bit PNG through sharp (libvips with libjpeg-turbo's decoder, as mozjpeg ships it,
// and libpng), an N-API module whose prebuilt binaries come from the npm registry, so Electron needs no rebuild.
// Why: the pure-JS jpeg-js took ~300 ms of a fresh worker's first 800×600 photo (cold JIT) and 40–90 ms after, where
// libjpeg-turbo takes ~5 ms; and libjpeg-turbo with its defaults (islow IDCT, fancy upsampling) is what Pillow
// decodes with, so a JPEG's pixels equal a PyTorch user's Image.open(...).convert('RGB') (test/fixtures/
// pil-decode-reference.json). jpeg-js rounds differently (up to 22 levels on the eagle photo), which is why stored
// sets keep decoder 1 (decode.ts) and only new sets get this one (image-decoder.ts).
// Kept as decoder 1 did: 16-bit PNGs (pngjs's rounding to 8 bits, where libvips would shift), CMYK/YCCK JPEGs
// (jpeg-js's plain inversion, where libvips would apply a colour profile); alpha dropped; EXIF orientation and
// embedded colour profiles ignored, as Pillow's Image.open(...).convert('RGB') ignores them.
import type SharpModule from 'sharp';
import { DecodeError, decodeImage, isJpeg, isPng, type Raster } from './decode';

type Sharp = typeof SharpModule;
let loading: Promise<Sharp> | null = null;

/**
 * Loads sharp once per thread. A folder source awaits this when it opens, so loading the library (0.2–0.7 s in a
 * fresh worker on the loaded 2-core box, mostly sharp's JavaScript modules) is part of opening the source, not of the
 * first photo.
 */
export function loadNativeDecoder(): Promise<Sharp> {
  loading ??= import('sharp').then((m) => {
    const sharp = ((m as unknown as { default?: Sharp }).default ?? m) as Sharp;
    // The folder source keeps its own cache of prepared photos; libvips's operation cache would only hold memory.
    sharp.cache(false);
    return sharp;
  });
  return loading;
}

/** PNG bit depth from the IHDR chunk (byte 24), which the signature check guarantees is present when ≥ 25 bytes. */
function pngBitDepth(bytes: Uint8Array): number {
  return bytes.length > 24 ? bytes[24]! : 8;
}

/**
 * The number of colour components in a JPEG's frame header (SOFn), walking the marker segments; 0 when none is found
 * (the decoder then reports the damage). 4 is CMYK or YCCK.
 */
function jpegComponents(bytes: Uint8Array): number {
  let p = 2;
  while (p + 9 < bytes.length) {
    if (bytes[p] !== 0xff) return 0;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return bytes[p + 9]!;
    if (marker === 0xd9 || marker === 0xda) return 0; // end of image or start of scan before any frame header
    p += 2 + ((bytes[p + 2]! << 8) | bytes[p + 3]!);
  }
  return 0;
}

/** Interleaved pixels without alpha: 1 or 2 bands → grey, 3 or 4 → RGB (libvips has already removed alpha; kept as a guard). */
function dropAlpha(data: Uint8Array, width: number, height: number, bands: number): Raster {
  if (bands === 1 || bands === 3) return { width, height, channels: bands, data };
  const channels = bands === 2 ? 1 : 3;
  const n = width * height;
  const out = new Uint8Array(n * channels);
  for (let i = 0, o = 0, p = 0; i < n; i++, p += bands) {
    out[o++] = data[p]!;
    if (channels === 3) {
      out[o++] = data[p + 1]!;
      out[o++] = data[p + 2]!;
    }
  }
  return { width, height, channels, data: out };
}

/** Throws DecodeError when the bytes are not a readable PNG or JPEG (truncated files included). */
export async function decodeImageNative(bytes: Uint8Array): Promise<Raster> {
  const format = isPng(bytes) ? 'PNG' : isJpeg(bytes) ? 'JPEG' : null;
  if (format === null) throw new DecodeError('it is neither a PNG nor a JPEG file');
  if (format === 'PNG' && pngBitDepth(bytes) === 16) return decodeImage(bytes);
  if (format === 'JPEG' && jpegComponents(bytes) === 4) return decodeImage(bytes); // CMYK/YCCK
  const sharp = await loadNativeDecoder();
  let result: { data: Buffer; info: { width: number; height: number; channels: number; depth?: string; space?: string } };
  try {
    // failOn 'warning': a truncated or damaged file is refused, not decoded into grey fill. ignoreIcc: sharp would
    // otherwise convert a photo with an embedded colour profile to sRGB, which neither Pillow nor decoder 1 does.
    const image = sharp(bytes, { failOn: 'warning', ignoreIcc: true });
    // Alpha is dropped inside libvips (band extraction, no compositing), as decoder 1 and PIL's convert('RGB') drop it.
    result = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    // libvips's messages ("VipsJpeg: Premature end of input file") mean little to a user without the context.
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(/[.\s]+$/, '');
    throw new DecodeError(`its ${format} data is corrupt or truncated (${detail.charAt(0).toLowerCase()}${detail.slice(1)})`);
  }
  const { width, height, channels } = result.info;
  if (result.info.depth !== undefined && result.info.depth !== 'uchar') throw new DecodeError(`its ${format} samples are not 8-bit`);
  const data = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength);
  return dropAlpha(data, width, height, channels);
}
