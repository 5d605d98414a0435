// Photo preparation per fixture photo (#14): image decoder 2 (libjpeg-turbo and libpng through sharp) beside decoder 1
// (jpeg-js, pngjs), and the rest of a photo's path (fitImage: crop and resize to 224×224; writeTensor: BGR NCHW floats;
// the float16 encoding of SqueezeNet's input).
// Two figures per photo, because a harvest job runs in a fresh worker thread:
// - warm: the median over ROUNDS decodes in this thread, the decoders alternating;
// - first call: decoder load and the first decode of each photo in a fresh worker (the cost inside every harvest job),
//   the median over FRESH workers, alternating decoders.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { float32ArrayToFloat16Bits } from '../main/onnx/dtypes';
import { decodeImage } from '../main/stimuli/decode';
import { decodeImageNative, loadNativeDecoder } from '../main/stimuli/decode-native';
import { fitImage, writeTensor } from '../main/stimuli/preprocess';
import type { PreprocessRecipe } from '../main/stimuli/types';
import { fixture } from '../test/helpers/fixtures';
import type { Row } from './table';

const PHOTOS = ['bald_eagle.jpeg', 'fish.png', 'kitten_224.png'];
const ROUNDS = Number(process.env.CAJAL_BENCH_REPEATS) || 30;
const FRESH = 5;
const RECIPE: PreprocessRecipe = { width: 224, height: 224, channels: 3, channelOrder: 'BGR', resize: 'center-crop', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' };

const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;

/** In a fresh worker: ms to load the decoder, then ms of the first decode of each photo in turn. */
function firstCalls(decoder: 1 | 2): Promise<number[]> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `
    const { parentPort, workerData } = await import('node:worker_threads');
    const { readFileSync } = await import('node:fs');
    (await import(${JSON.stringify(tsx)})).register();
    const t0 = performance.now();
    const native = workerData.decoder === 2 ? await import(${JSON.stringify(new URL('../main/stimuli/decode-native.ts', import.meta.url).href)}) : null;
    const v1 = await import(${JSON.stringify(new URL('../main/stimuli/decode.ts', import.meta.url).href)});
    if (native) await native.loadNativeDecoder();
    const times = [performance.now() - t0];
    for (const file of workerData.files) {
      const bytes = readFileSync(file);
      const t = performance.now();
      if (native) await native.decodeImageNative(bytes); else v1.decodeImage(bytes);
      times.push(performance.now() - t);
    }
    parentPort.postMessage(times);`;
  const worker = new Worker(`(async () => {${code}})()`, { eval: true, workerData: { decoder, files: PHOTOS.map((p) => fixture(`images/${p}`)) } });
  return new Promise<number[]>((resolve, reject) => {
    worker.once('message', (m: number[]) => void worker.terminate().then(() => resolve(m)));
    worker.once('error', reject);
  });
}

export async function benchImageDecode(): Promise<Row[]> {
  await loadNativeDecoder();
  const bytes = PHOTOS.map((p) => readFileSync(fixture(`images/${p}`)));
  const v1 = PHOTOS.map(() => [] as number[]);
  const v2 = PHOTOS.map(() => [] as number[]);
  const fit = PHOTOS.map(() => [] as number[]);
  const write = PHOTOS.map(() => [] as number[]);
  const half = PHOTOS.map(() => [] as number[]);
  const out = new Float32Array(3 * 224 * 224);
  const halves = new Uint16Array(out.length);
  for (let r = 0; r < ROUNDS; r++) {
    for (let p = 0; p < PHOTOS.length; p++) {
      const order = r % 2 === 0 ? [1, 2] : [2, 1];
      for (const d of order) {
        const t = performance.now();
        if (d === 1) decodeImage(bytes[p]!);
        else await decodeImageNative(bytes[p]!);
        (d === 1 ? v1 : v2)[p]!.push(performance.now() - t);
      }
      const raster = await decodeImageNative(bytes[p]!);
      const t0 = performance.now();
      const fitted = fitImage(raster, RECIPE);
      const t1 = performance.now();
      writeTensor(fitted, RECIPE, out, 0);
      const t2 = performance.now();
      float32ArrayToFloat16Bits(out, halves);
      const t3 = performance.now();
      fit[p]!.push(t1 - t0);
      write[p]!.push(t2 - t1);
      half[p]!.push(t3 - t2);
    }
  }
  const fresh: Record<1 | 2, number[][]> = { 1: [], 2: [] };
  for (let i = 0; i < FRESH; i++) for (const d of i % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) fresh[d].push(await firstCalls(d));
  const freshMedian = (d: 1 | 2, k: number) => median(fresh[d].map((t) => t[k]!));

  const rows: Row[] = [];
  PHOTOS.forEach((name, p) => {
    const a = median(v1[p]!);
    const b = median(v2[p]!);
    rows.push({ name: `decode ${name} (warm): image decoder 2 (libjpeg-turbo/libpng, sharp)`, value: b, unit: 'ms', reference: 'decoder 1 (jpeg-js/pngjs)', referenceValue: a, ratio: a / b, note: `median of ${ROUNDS}, alternating` });
    const c = freshMedian(1, p + 1);
    const e = freshMedian(2, p + 1);
    rows.push({ name: `decode ${name} (first call in a fresh worker): decoder 2`, value: e, unit: 'ms', reference: 'decoder 1', referenceValue: c, ratio: c / e, note: `median of ${FRESH} workers; photos decoded in the order ${PHOTOS.join(', ')}` });
    rows.push({ name: `prepare ${name} (warm): fitImage to 224×224 + writeTensor (BGR NCHW) + float16 encoding`, value: median(fit[p]!) + median(write[p]!) + median(half[p]!), unit: 'ms', note: `fitImage ${median(fit[p]!).toFixed(2)} ms, writeTensor ${median(write[p]!).toFixed(2)} ms, float16 ${median(half[p]!).toFixed(2)} ms (medians of ${ROUNDS})` });
  });
  rows.push({ name: 'load the decoder in a fresh worker: decoder 2 (import sharp)', value: freshMedian(2, 0), unit: 'ms', reference: 'decoder 1 (import jpeg-js, pngjs)', referenceValue: freshMedian(1, 0), note: `median of ${FRESH} workers; a folder source pays it when it opens` });
  return rows;
}
