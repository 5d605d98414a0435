// Noise generator 2's fill per value (#14): the WebAssembly fast path (util/ziggurat-wasm.ts) against the JS loop it
// equals bit for bit (Rng.fillNormalZigguratScalar), over CIFAR-sized items (3 × 32 × 32), each from its own stream
// as a noise set draws them, alternating, best of REPEATS rounds each.
import { Rng } from '../main/util/random';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;
const ITEM = 3 * 32 * 32;
const ITEMS = 4000;

function nsPerValue(kernel: boolean): number {
  const out = new Float32Array(ITEM);
  const t0 = performance.now();
  for (let i = 0; i < ITEMS; i++) {
    const rng = Rng.stream(1, i);
    if (kernel) rng.fillNormalZiggurat(out, 0, ITEM, 0, 1);
    else rng.fillNormalZigguratScalar(out, 0, ITEM, 0, 1);
  }
  return ((performance.now() - t0) * 1e6) / (ITEMS * ITEM);
}

export async function benchNoiseFill(): Promise<Row[]> {
  nsPerValue(true); // warm-up: both paths compiled
  nsPerValue(false);
  let wasm = Infinity;
  let js = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    if (r % 2) {
      js = Math.min(js, nsPerValue(false));
      wasm = Math.min(wasm, nsPerValue(true));
    } else {
      wasm = Math.min(wasm, nsPerValue(true));
      js = Math.min(js, nsPerValue(false));
    }
  }
  return [
    {
      name: 'noise generator 2 (ziggurat) fill per value, CIFAR-sized items: WebAssembly fast path',
      value: wasm,
      unit: 'ns',
      reference: 'JS loop',
      referenceValue: js,
      ratio: js / wasm,
      note: `${ITEMS.toLocaleString('en-US')} items of ${ITEM} values, each its own stream; the same bits (test/unit/util/ziggurat-wasm.test.ts); best of ${REPEATS} rounds each, alternating`,
    },
  ];
}
