// One fresh thread of the unit-statistics fold bench (unit-stats-fold.ts), as a harvest's writer thread is fresh per
// job: times the first chunk's fold (cold: V8's JIT, or the WebAssembly module's compile, starts from nothing) and
// then WARM more folds of the same chunk, and posts the times in ms.
import { parentPort, workerData } from 'node:worker_threads';
import { UnitStatsAccumulator } from '../main/harvest/unit-stats';

const { kernel, dim, rows, warm } = workerData as { kernel: 'wasm' | 'js'; dim: number; rows: number; warm: number };
// ReLU-like rows, as harvest-write-child.ts makes them.
const data = new Float32Array(rows * dim);
for (let i = 0, s = 1; i < data.length; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  data[i] = Math.max(0, s / 2 ** 32 - 0.4);
}
const acc = new UnitStatsAccumulator(dim, { kernel });
let t = performance.now();
acc.add(data, rows);
const cold = performance.now() - t;
const warmMs: number[] = [];
for (let k = 0; k < warm; k++) {
  t = performance.now();
  acc.add(data, rows);
  warmMs.push(performance.now() - t);
}
parentPort!.postMessage({ cold, warm: warmMs });
