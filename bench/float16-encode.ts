// A float16 harvest's rounding of each 1M-value chunk to halves (encodeForStorage, #14): the WebAssembly SIMD kernel
// (store/float16-simd.ts) against roundToFloat16's JS, whose bits it gives, in fresh worker threads (a writer thread
// is fresh per job), cold (the thread's first chunk) and warm (median of the next WARM), alternating, best of REPEATS.
import { Worker } from 'node:worker_threads';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;
const WARM = 20;

function thread(kernel: 'wasm' | 'js', relu: boolean): Promise<{ cold: number; warm: number }> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./float16-encode-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { kernel, relu, warm: WARM } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { cold: number; warm: number }) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

export async function benchFloat16Encode(): Promise<Row[]> {
  const out: Row[] = [];
  for (const relu of [true, false]) {
    const best = { js: { cold: Infinity, warm: Infinity }, wasm: { cold: Infinity, warm: Infinity } };
    for (let r = 0; r < REPEATS; r++) {
      for (const kernel of r % 2 ? (['wasm', 'js'] as const) : (['js', 'wasm'] as const)) {
        const t = await thread(kernel, relu);
        best[kernel].cold = Math.min(best[kernel].cold, t.cold);
        best[kernel].warm = Math.min(best[kernel].warm, t.warm);
      }
    }
    for (const when of ['cold', 'warm'] as const) {
      out.push({
        name: `float16 storage rounding per 1M values, ${relu ? 'ReLU-like' : 'signed'} rows, ${when}: WebAssembly SIMD`,
        value: best.wasm[when],
        unit: 'ms',
        reference: 'roundToFloat16 (JS)',
        referenceValue: best.js[when],
        ratio: best.js[when] / best.wasm[when],
        note: `${when === 'cold' ? "a fresh thread's first chunk, the kernel's assembly and compile included" : `median of the next ${WARM} chunks`}; best of ${REPEATS} fresh threads each, alternating`,
      });
    }
  }
  return out;
}
