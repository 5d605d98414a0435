// A harvest's rows of a conv map at every position per value (#14): the WebAssembly kernel (harvest/transpose-wasm.ts,
// copies in and out of its memory included) against the JS loop it replaces (extractRowsJs), on batches of the CIFAR
// net's conv 40 ([32, 64, 12, 12], what the harvest bench records), alternating, best of REPEATS rounds each.
import { extractRows, extractRowsJs, rowLayout } from '../main/harvest/layout';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;
const [BATCH, C, H, W] = [32, 64, 12, 12];
const BATCHES = 300;

export async function benchExtractRows(): Promise<Row[]> {
  const layout = rowLayout([BATCH, C, H, W], 'all', '40');
  const src = new Float32Array(BATCH * C * H * W).map((_, i) => Math.max(0, Math.sin(i)));
  const dst = new Float32Array(4 * BATCH * H * W * C); // a chunk's buffer holds a few batches
  const time = (extract: typeof extractRows) => {
    const t0 = performance.now();
    for (let b = 0; b < BATCHES; b++) extract(layout, src, BATCH, dst, (b % 4) * BATCH * H * W);
    return ((performance.now() - t0) * 1e6) / (BATCHES * src.length);
  };
  time(extractRows); // warm-up
  time(extractRowsJs);
  let wasm = Infinity;
  let js = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    for (const which of r % 2 ? ['js', 'wasm'] : ['wasm', 'js']) {
      if (which === 'wasm') wasm = Math.min(wasm, time(extractRows));
      else js = Math.min(js, time(extractRowsJs));
    }
  }
  return [
    {
      name: `harvest rows at every position per value, conv map [${BATCH}, ${C}, ${H}, ${W}]: WebAssembly kernel`,
      value: wasm,
      unit: 'ns',
      reference: 'JS loop',
      referenceValue: js,
      ratio: js / wasm,
      note: `${BATCHES} batches into a chunk buffer; the same bits (test/unit/harvest/transpose-wasm.test.ts); best of ${REPEATS} rounds each, alternating`,
    },
  ];
}
