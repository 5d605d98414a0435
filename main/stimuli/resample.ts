// Anti-aliased resampling of interleaved pixels, the same scheme as Pillow's Image.resize(BILINEAR, box):
// a triangle filter whose support widens by the downscale factor, so shrinking averages every source pixel
// under the output pixel instead of point-sampling (which aliases fine detail into noise). Upscaling is
// plain bilinear interpolation. Separable: one horizontal pass, then one vertical pass, in float.

/** A source rectangle in pixel-edge coordinates (may be fractional): [x0, x1) × [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Taps {
  /** First source index per output index. */
  start: Int32Array;
  /** Number of taps per output index. */
  size: Int32Array;
  /** Normalised weights, `maxSize` per output index. */
  weights: Float64Array;
  maxSize: number;
}

function triangle(x: number): number {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
}

function computeTaps(inSize: number, lo: number, hi: number, outSize: number): Taps {
  const scale = (hi - lo) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support is 1, widened when downscaling
  const maxSize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const size = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxSize);
  for (let o = 0; o < outSize; o++) {
    const center = lo + (o + 0.5) * scale;
    let min = Math.floor(center - support + 0.5);
    let max = Math.floor(center + support + 0.5);
    if (min < 0) min = 0;
    if (max > inSize) max = inSize;
    let total = 0;
    const base = o * maxSize;
    for (let k = min; k < max; k++) {
      const w = triangle((k - center + 0.5) / filterScale);
      weights[base + k - min] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < max - min; k++) weights[base + k] /= total;
    else {
      // A box entirely outside the image can give no weight at all; fall back to the nearest edge pixel.
      min = Math.min(Math.max(Math.floor(center), 0), inSize - 1);
      max = min + 1;
      weights[base] = 1;
    }
    start[o] = min;
    size[o] = max - min;
  }
  return { start, size, weights, maxSize };
}

/** The horizontal pass: each needed source row filtered to outWidth pixels, into `mid` (rows × outWidth × channels). */
function horizontal(src: ArrayLike<number>, width: number, channels: number, rowLo: number, rows: number, h: Taps, outWidth: number, mid: Float32Array): void {
  for (let y = 0; y < rows; y++) {
    const srcRow = (y + rowLo) * width * channels;
    const midRow = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const s = h.start[x];
      const n = h.size[x];
      const wBase = x * h.maxSize;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += h.weights[wBase + k] * src[srcRow + (s + k) * channels + c];
        mid[midRow + x * channels + c] = acc;
      }
    }
  }
}

/**
 * `horizontal` for three channels, the three sums in one pass over the taps (#14: the first photo of a harvest ran
 * this loop mostly unoptimised, in a fresh worker). Each channel adds the same products in the same order as
 * `horizontal`, so the values are bit-identical.
 */
function horizontalRgb(src: ArrayLike<number>, width: number, rowLo: number, rows: number, h: Taps, outWidth: number, mid: Float32Array): void {
  const { start, size, weights, maxSize } = h;
  for (let y = 0; y < rows; y++) {
    const srcRow = (y + rowLo) * width * 3;
    let m = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const n = size[x]!;
      let p = srcRow + start[x]! * 3;
      let w = x * maxSize;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++, p += 3) {
        const wk = weights[w++]!;
        r += wk * src[p]!;
        g += wk * src[p + 1]!;
        b += wk * src[p + 2]!;
      }
      mid[m++] = r;
      mid[m++] = g;
      mid[m++] = b;
    }
  }
}

/**
 * Resamples the `box` region of a width×height image with `channels` interleaved channels to
 * outWidth×outHeight. Returns float pixels in the same value range as the input.
 */
export function resample(
  src: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  box: Box,
  outWidth: number,
  outHeight: number,
): Float32Array {
  const h = computeTaps(width, box.x0, box.x1, outWidth);
  const v = computeTaps(height, box.y0, box.y1, outHeight);
  // Only the source rows some output row reads need a horizontal pass.
  let rowLo = height;
  let rowHi = 0;
  for (let o = 0; o < outHeight; o++) {
    rowLo = Math.min(rowLo, v.start[o]);
    rowHi = Math.max(rowHi, v.start[o] + v.size[o]);
  }
  const rows = rowHi - rowLo;
  const mid = new Float32Array(rows * outWidth * channels);
  if (channels === 3) horizontalRgb(src, width, rowLo, rows, h, outWidth, mid);
  else horizontal(src, width, channels, rowLo, rows, h, outWidth, mid);
  const out = new Float32Array(outWidth * outHeight * channels);
  const rowLen = outWidth * channels;
  for (let y = 0; y < outHeight; y++) {
    const s = v.start[y] - rowLo;
    const n = v.size[y];
    const wBase = y * v.maxSize;
    const outRow = y * rowLen;
    for (let k = 0; k < n; k++) {
      const w = v.weights[wBase + k];
      const midRow = (s + k) * rowLen;
      for (let i = 0; i < rowLen; i++) out[outRow + i] += w * mid[midRow + i];
    }
  }
  return out;
}

/**
 * The source box for fitting a width×height image into outWidth×outHeight: the whole image for 'stretch',
 * or the largest centred region with the output's aspect ratio for 'center-crop' (so the short side is
 * kept whole, as torchvision's Resize(short side) + CenterCrop does).
 */
export function fitBox(width: number, height: number, outWidth: number, outHeight: number, mode: 'center-crop' | 'stretch'): Box {
  if (mode === 'stretch') return { x0: 0, y0: 0, x1: width, y1: height };
  const target = outWidth / outHeight;
  if (width / height > target) {
    const w = height * target;
    const x0 = (width - w) / 2;
    return { x0, y0: 0, x1: x0 + w, y1: height };
  }
  const hh = width / target;
  const y0 = (height - hh) / 2;
  return { x0: 0, y0, x1: width, y1: y0 + hh };
}
