// The recipe applied to one decoded image: geometry (crop/resize), colour (grey or RGB/BGR), then the
// affine normalisation and the tensor layout. Split into `fitImage` (shared with the display image, so
// thumbnails show exactly the pixels the model saw) and `writeTensor`.
import type { Raster } from './decode';
import { fitBox, resample } from './resample';
import type { PreprocessRecipe, RgbImage } from './types';

/** Pixels at the recipe's size and channel count, float, still on the 0..255 scale, RGB order. */
export interface FittedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Interleaved pixel values in 0..255: the source's own array (read only) when no resampling was needed. */
  data: Readonly<ArrayLike<number>>;
}

/** Pixels of any numeric type; 8-bit from the decoder, float after grey conversion. */
interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: ArrayLike<number>;
}

/**
 * ITU-R BT.601 luma, the weights PIL's convert('L') uses, kept fractional (rounding to 8 bits would add
 * quantisation the model never asked for); exact for pixels that are already grey.
 */
export function toGrey(raster: Pixels): Pixels {
  if (raster.channels === 1) return raster;
  const n = raster.width * raster.height;
  const src = raster.data;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = src[i * 3];
    const g = src[i * 3 + 1];
    const b = src[i * 3 + 2];
    grey[i] = r === g && g === b ? r : r * 0.299 + g * 0.587 + b * 0.114;
  }
  return { width: raster.width, height: raster.height, channels: 1, data: grey };
}

function greyToRgb(data: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i];
  return out;
}

export function fitImage(raster: Raster | Pixels, recipe: PreprocessRecipe): FittedImage {
  const source = recipe.channels === 1 ? toGrey(raster) : raster;
  const { width, height } = recipe;
  let data: Readonly<ArrayLike<number>>;
  // Already the right size: the source's pixels are used as they are (every consumer only reads them), which
  // saves a copy per stimulus of a harvest.
  if (source.width === width && source.height === height) data = source.data;
  else data = resample(source.data, source.width, source.height, source.channels, fitBox(source.width, source.height, width, height, recipe.resize), width, height);
  if (recipe.channels === 3 && source.channels === 1) return { width, height, channels: 3, data: greyToRgb(data, width * height) };
  return { width, height, channels: recipe.channels, data };
}

/** [channels, height, width] for NCHW, [height, width, channels] for NHWC. */
export function recipeItemShape(recipe: PreprocessRecipe): number[] {
  return recipe.layout === 'NCHW' ? [recipe.channels, recipe.height, recipe.width] : [recipe.height, recipe.width, recipe.channels];
}

/** Writes one item, (x·scale − mean[c]) / std[c] in the recipe's channel order and layout, at `offset`. */
export function writeTensor(fitted: FittedImage, recipe: PreprocessRecipe, out: Float32Array, offset: number): void {
  const { width, height, channels, data } = fitted;
  const plane = width * height;
  const bgr = recipe.channelOrder === 'BGR' && channels === 3;
  const nchw = recipe.layout === 'NCHW';
  const scale = recipe.scale;
  // This runs for every stimulus of a harvest: the per-channel constants and the layout are read once, not per pixel.
  for (let c = 0; c < channels; c++) {
    const srcChannel = bgr ? 2 - c : c;
    const mean = recipe.mean[c]!;
    const std = recipe.std[c]!;
    const base = nchw ? offset + c * plane : offset + c;
    const stride = nchw ? 1 : channels;
    // One loop per pixel type (8-bit from the decoder, float after resampling): each stays monomorphic, where one
    // loop over both reads every pixel through a generic element access several times slower (#14 profile).
    if (data instanceof Uint8Array) writePlaneU8(data, channels, srcChannel, scale, mean, std, out, base, stride, plane);
    else if (data instanceof Float32Array) writePlaneF32(data, channels, srcChannel, scale, mean, std, out, base, stride, plane);
    else for (let i = 0; i < plane; i++) out[base + i * stride] = (data[i * channels + srcChannel]! * scale - mean) / std;
  }
}

function writePlaneU8(data: Uint8Array, channels: number, srcChannel: number, scale: number, mean: number, std: number, out: Float32Array, base: number, stride: number, plane: number): void {
  for (let i = 0; i < plane; i++) out[base + i * stride] = (data[i * channels + srcChannel]! * scale - mean) / std;
}

function writePlaneF32(data: Float32Array, channels: number, srcChannel: number, scale: number, mean: number, std: number, out: Float32Array, base: number, stride: number, plane: number): void {
  for (let i = 0; i < plane; i++) out[base + i * stride] = (data[i * channels + srcChannel]! * scale - mean) / std;
}

/** The fitted pixels as a displayable 8-bit RGB image. */
export function toRgbImage(fitted: FittedImage): RgbImage {
  const n = fitted.width * fitted.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = fitted.data[i * fitted.channels + (fitted.channels === 3 ? c : 0)];
      rgb[i * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { width: fitted.width, height: fitted.height, rgb };
}
