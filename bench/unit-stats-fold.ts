// The harvest writer's unit statistics fold per 1M-value chunk (#14): the WebAssembly SIMD kernel
// (harvest/unit-stats-simd.ts) against the JS fold it equals bit for bit, each in fresh worker threads (a writer
// thread is fresh per job), cold (the thread's first chunk) and warm (the median of the next WARM chunks),
// alternating JS and WebAssembly, best of REPEATS threads each.
import { Worker } from 'node:worker_threads';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;
const WARM = 20;

type Kernel = 'wasm' | 'js';

function thread(kernel: Kernel, dim: number, rows: number): Promise<{ cold: number; warm: number[] }> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./unit-stats-fold-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { kernel, dim, rows, warm: WARM } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { cold: number; warm: number[] }) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function benchUnitStatsFold(): Promise<Row[]> {
  const out: Row[] = [];
  const variants: Kernel[] = ['js', 'wasm'];
  for (const [dim, rows] of [[256, 4096], [1024, 1024]] as const) {
    const best = variants.map(() => ({ cold: Infinity, warm: Infinity }));
    for (let r = 0; r < REPEATS; r++) {
      for (let i = 0; i < variants.length; i++) {
        const k = r % 2 ? variants.length - 1 - i : i;
        const t = await thread(variants[k]!, dim, rows);
        best[k]!.cold = Math.min(best[k]!.cold, t.cold);
        best[k]!.warm = Math.min(best[k]!.warm, median(t.warm));
      }
    }
    const per1M = (1 << 20) / (dim * rows);
    const [js, wasm] = best as [typeof best[0], typeof best[0]];
    for (const when of ['cold', 'warm'] as const) {
      out.push({
        name: `unit stats fold per 1M values, ${rows} rows × ${dim}, ${when}: WebAssembly SIMD`,
        value: wasm[when] * per1M,
        unit: 'ms',
        reference: 'JS fold',
        referenceValue: js[when] * per1M,
        ratio: js[when] / wasm[when],
        note: `${when === 'cold' ? "a fresh thread's first chunk, the kernel's assembly and compile included" : `median of the next ${WARM} chunks`}; best of ${REPEATS} fresh threads each, alternating`,
      });
    }
  }
  return out;
}
