// Pink (1/f) noise for receptive-field mapping with correlated stimuli (revcorr, #11): white Gaussian noise filtered
// in the frequency domain by an amplitude 1/|f| (DC removed) over each channel's image plane, then rescaled to the
// spec's mean and standard deviation. The white source is drawn by the spec's noise generator (1 or 2, #14). A
// separable DFT is plenty for mapping-sized images (O(HW(H+W)) per channel).
import type { Rng } from '../util/random';
import { noiseGeometry } from './noise';
import type { NoiseSpec } from './types';

/** In-place 1-D DFT (or inverse, unscaled) of n complex values spaced `stride` apart starting at `at`. */
function dft(re: Float64Array, im: Float64Array, at: number, stride: number, n: number, inverse: boolean, cos: Float64Array, sin: Float64Array): void {
  const r = new Float64Array(n);
  const i0 = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const idx = (k * t) % n;
      const c = cos[idx]!;
      const s = sign * sin[idx]!;
      const xr = re[at + t * stride]!;
      const xi = im[at + t * stride]!;
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    r[k] = sr;
    i0[k] = si;
  }
  for (let k = 0; k < n; k++) {
    re[at + k * stride] = r[k]!;
    im[at + k * stride] = i0[k]!;
  }
}

function table(n: number): [Float64Array, Float64Array] {
  return [Float64Array.from({ length: n }, (_, k) => Math.cos((2 * Math.PI * k) / n)), Float64Array.from({ length: n }, (_, k) => Math.sin((2 * Math.PI * k) / n))];
}

function transform2d(re: Float64Array, im: Float64Array, h: number, w: number, inverse: boolean): void {
  const [cw, sw] = table(w);
  const [ch, sh] = table(h);
  for (let y = 0; y < h; y++) dft(re, im, y * w, 1, w, inverse, cw, sw);
  for (let x = 0; x < w; x++) dft(re, im, x, w, h, inverse, ch, sh);
}

export function fillPinkItem(spec: NoiseSpec, rng: Rng, out: Float32Array, offset: number, itemSize: number): void {
  const g = noiseGeometry(spec.itemShape);
  const { width: w, height: h } = g;
  // Every value of the item is drawn first (white), so items of any shape are defined; the drawable planes are
  // then replaced by their 1/f-filtered version. Extra leading slices (shapes beyond 3-D) stay white. The white
  // source is the set's normal generator (#14): 2 is the ziggurat fill, absent is generator 1's Box–Muller per value,
  // which every pink set stored before generator 2 keeps bit for bit.
  if (spec.generator === 2) rng.fillNormalZiggurat(out, offset, offset + itemSize);
  else for (let k = offset; k < offset + itemSize; k++) out[k] = rng.normal();
  const channels = itemSize >= w * h * g.channels ? g.channels : 1;
  for (let c = 0; c < channels; c++) {
    const re = new Float64Array(h * w);
    const im = new Float64Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) re[y * w + x] = out[offset + g.at(y, x, c)]!;
    transform2d(re, im, h, w, false);
    for (let y = 0; y < h; y++) {
      const fy = Math.min(y, h - y) / h;
      for (let x = 0; x < w; x++) {
        const fx = Math.min(x, w - x) / w;
        const f = Math.hypot(fx, fy);
        const gain = f > 0 ? 1 / f : 0;
        re[y * w + x]! *= gain;
        im[y * w + x]! *= gain;
      }
    }
    transform2d(re, im, h, w, true);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < h * w; i++) {
      sum += re[i]!;
      sq += re[i]! * re[i]!;
    }
    const m = sum / (h * w);
    const sd = Math.sqrt(Math.max(sq / (h * w) - m * m, 0)) || 1;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[offset + g.at(y, x, c)] = spec.mean + (spec.std * (re[y * w + x]! - m)) / sd;
  }
}
