// One fresh thread of the float16 encode bench (float16-encode.ts), as a harvest's writer thread is fresh per job:
// times encodeForStorage's first 1M-value chunk (cold) and the median of WARM more, in ms.
import { parentPort, workerData } from 'node:worker_threads';
import { roundToFloat16 } from '../main/onnx/dtypes';
import { roundToFloat16Simd } from '../main/store/float16-simd';

const { kernel, relu, warm } = workerData as { kernel: 'wasm' | 'js'; relu: boolean; warm: number };
const round = kernel === 'wasm' ? roundToFloat16Simd : roundToFloat16;
const n = 1 << 20;
const data = new Float32Array(n);
for (let i = 0, s = 1; i < n; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  data[i] = relu ? Math.max(0, s / 2 ** 32 - 0.4) : (s / 2 ** 32 - 0.5) * 8;
}
// A writer's reused buffers (encodeForStorage's scratch).
const bits = new Uint16Array(n);
const rounded = new Float32Array(n);
let t = performance.now();
round(data, bits, rounded);
const cold = performance.now() - t;
const times: number[] = [];
for (let k = 0; k < warm; k++) {
  t = performance.now();
  round(data, bits, rounded);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
parentPort!.postMessage({ cold, warm: times[times.length >> 1]! });
