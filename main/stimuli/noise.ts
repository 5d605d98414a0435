// Seeded white noise in the model's input space. Item i is drawn from its own stream Rng.stream(seed, i),
// so any batch, at any start, regenerates identical items: a killed harvest can resume mid-set, and
// reverse correlation can later rebuild exactly the stimuli that produced each response.
import { Rng } from '../util/random';
import { fillPinkItem } from './pink';
import { checkBatch, checkIndex } from './range';
import { thumbnailPng } from './thumbnail';
import type { NoiseSpec, RgbImage, StimulusItemMeta, StimulusSource } from './types';

const SQRT3 = Math.sqrt(3);

/** Writes item `index` of the spec into out[offset .. offset + itemSize). */
export function fillNoiseItem(spec: NoiseSpec, index: number, out: Float32Array, offset: number, itemSize: number): void {
  const rng = Rng.stream(spec.seed, index);
  const { mean, std } = spec;
  const end = offset + itemSize;
  switch (spec.distribution) {
    case 'gaussian':
      if (spec.generator === 2) rng.fillNormalZiggurat(out, offset, end, mean, std);
      else for (let k = offset; k < end; k++) out[k] = rng.normal(mean, std);
      break;
    case 'uniform': {
      const half = std * SQRT3; // U(m − h, m + h) has standard deviation h/√3
      for (let k = offset; k < end; k++) out[k] = mean + half * (2 * rng.float() - 1);
      break;
    }
    case 'binary':
      for (let k = offset; k < end; k++) out[k] = rng.nextUint32() < 0x80000000 ? mean - std : mean + std;
      break;
    case 'sparse': {
      const p = spec.density ?? 0.02;
      const amp = std / Math.sqrt(p); // E[x²] = p·amp² = std²
      for (let k = offset; k < end; k++) {
        const on = rng.float() < p;
        const sign = rng.nextUint32() < 0x80000000 ? -1 : 1;
        out[k] = on ? mean + sign * amp : mean;
      }
      break;
    }
    case 'pink':
      fillPinkItem(spec, rng, out, offset, itemSize);
      break;
  }
}

interface Geometry {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Where value (y, x, c) sits in the item. */
  at: (y: number, x: number, c: number) => number;
}

/**
 * How to draw an item of arbitrary shape: a trailing [C,H,W] or [H,W,C] with C ∈ {1,3} as grey/RGB (CHW
 * preferred, as in most ONNX models); other [C,H,W] show channel 0; [H,W] as grey; a flat vector as a
 * square when its length is a perfect square, else one row. Leading dims beyond three show their first slice.
 */
export function noiseGeometry(shape: number[]): Geometry {
  if (shape.length >= 3) {
    const [a, b, c] = shape.slice(-3);
    if (a === 1 || a === 3) return { width: c, height: b, channels: a, at: (y, x, ch) => ch * b * c + y * c + x };
    if (c === 1 || c === 3) return { width: b, height: a, channels: c, at: (y, x, ch) => (y * b + x) * c + ch };
    return { width: c, height: b, channels: 1, at: (y, x) => y * c + x };
  }
  if (shape.length === 2) return { width: shape[1], height: shape[0], channels: 1, at: (y, x) => y * shape[1] + x };
  const n = shape[0];
  const side = Math.round(Math.sqrt(n));
  if (side * side === n) return { width: side, height: side, channels: 1, at: (y, x) => y * side + x };
  return { width: n, height: 1, channels: 1, at: (_y, x) => x };
}

/** Min-max scales the drawable part of one item to 0..255; a constant item is mid-grey. */
export function renderNoiseItem(item: Float32Array, shape: number[]): RgbImage {
  const g = noiseGeometry(shape);
  const n = g.width * g.height;
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < g.height; y++)
    for (let x = 0; x < g.width; x++)
      for (let c = 0; c < g.channels; c++) {
        const v = item[g.at(y, x, c)];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  const span = hi - lo;
  const rgb = new Uint8Array(n * 3);
  for (let y = 0; y < g.height; y++)
    for (let x = 0; x < g.width; x++)
      for (let c = 0; c < 3; c++) {
        const v = item[g.at(y, x, g.channels === 3 ? c : 0)];
        rgb[(y * g.width + x) * 3 + c] = span > 0 ? Math.round(((v - lo) / span) * 255) : 128;
      }
  return { width: g.width, height: g.height, rgb };
}

export function openNoiseSource(spec: NoiseSpec): StimulusSource {
  const itemShape = [...spec.itemShape];
  const itemSize = itemShape.reduce((a, b) => a * b, 1);
  const source: StimulusSource = {
    spec,
    count: spec.count,
    itemShape,
    labelNames: null,
    fingerprint: `noise-v${spec.generator ?? 1}/${spec.distribution}/${spec.seed}/${spec.mean}/${spec.std}/${itemShape.join('x')}/${spec.count}${spec.density !== undefined ? `/${spec.density}` : ''}`,
    meta(index: number): StimulusItemMeta {
      checkIndex(index, spec.count);
      return { index, label: null, name: `noise #${index}` };
    },
    async batch(start: number, count: number, into?: Float32Array): Promise<Float32Array> {
      checkBatch(start, count, spec.count);
      const out = into && into.length >= count * itemSize ? into.subarray(0, count * itemSize) : new Float32Array(count * itemSize);
      for (let i = 0; i < count; i++) fillNoiseItem(spec, start + i, out, i * itemSize, itemSize);
      return out;
    },
    async image(index: number): Promise<RgbImage> {
      checkIndex(index, spec.count);
      const item = new Float32Array(itemSize);
      fillNoiseItem(spec, index, item, 0, itemSize);
      return renderNoiseItem(item, itemShape);
    },
    async thumbnail(index: number, maxSide?: number): Promise<Uint8Array> {
      return thumbnailPng(await source.image(index), maxSide);
    },
  };
  return source;
}
