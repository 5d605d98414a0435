// BatchTopK's selection of the batch's top K codes (#12, #14 item 5): linalg/select.ts against onnxruntime's TopK over
// the same B·m codes as one row (what the sparse BatchTopK graph ran before), both on one thread as the sparse graph
// runs, at the step bench sae-arch measures (d = 512, m = 4,096, B = 1,024, k = 32: K = 32,768 of 4.2M Gaussian
// codes), alternating, best of REPEATS rounds each. The two must pick the same set (checked every round).
import * as ort from 'onnxruntime-node';
import { topKFlatIndices, type SelectScratch } from '../main/linalg/select';
import { GraphBuilder } from '../main/onnx/builder';
import { Rng } from '../main/util/random';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 7;
const N = 1024 * 4096;
const K = 32 * 1024;

export async function benchBatchSelect(): Promise<Row[]> {
  const b = new GraphBuilder({ name: 'batch-topk', opset: 17 });
  b.input('codes', 'float32', [1, N]);
  const [, idx] = b.node('TopK', ['codes', b.int64s([K])], 2, { axis: 1, largest: 1, sorted: 0 });
  b.op('Identity', [idx!], {}, { output: 'idx' });
  b.output('idx', 'int64', [1, K]);
  const session = await ort.InferenceSession.create(b.toBytes(), { intraOpNumThreads: 1 });
  const codes = new Float32Array(N);
  new Rng(3).fillNormal(codes);
  const feeds = { codes: new ort.Tensor('float32', codes, [1, N]) };
  const out = new BigInt64Array(K);
  const scratch: SelectScratch = {};
  let ours = Infinity;
  let theirs = Infinity;
  try {
    for (let r = 0; r < REPEATS + 1; r++) {
      let t0 = performance.now();
      const got = await session.run(feeds);
      const ortMs = performance.now() - t0;
      t0 = performance.now();
      topKFlatIndices(codes, K, out, scratch);
      const jsMs = performance.now() - t0;
      const set = Array.from(got.idx!.data as BigInt64Array).sort((a, c) => (a < c ? -1 : a > c ? 1 : 0));
      if (set.some((v, j) => v !== out[j])) throw new Error('linalg/select.ts and ORT TopK picked different codes');
      if (r === 0) continue; // warm-up: both compiled
      ours = Math.min(ours, jsMs);
      theirs = Math.min(theirs, ortMs);
    }
  } finally {
    await session.release();
  }
  return [
    {
      name: `BatchTopK selection, top ${K.toLocaleString('en-US')} of ${N.toLocaleString('en-US')} codes (linalg/select.ts)`,
      value: ours,
      unit: 'ms',
      reference: 'onnxruntime TopK, one thread',
      referenceValue: theirs,
      ratio: theirs / ours,
      note: `same set picked every round; best of ${REPEATS} alternating rounds; the sparse BatchTopK and Matryoshka steps run it between their encoder prelude and their one-thread graph`,
    },
  ];
}
