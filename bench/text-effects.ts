// One text feature's output effects (#13 item 4): the time tokenFeatureEffects takes for a neuron of the lab model's
// MLP (`mlp_hidden` of resources/models/lab-lm.onnx) over 16 contexts of 128 bytes of its held-out text (the API's
// default k), beside a bare onnxruntime loop that does the same three forward passes (clean, ablated, steered) of the
// unedited model over the same contexts and batch, feeds built before timing. What the effects path adds is the splice
// session's creation, encoding the rows with the basis, the edit terms and the per-position averages over 256 bytes.
// The machine's speed swings within a minute, so the two alternate, REPEATS rounds, reporting the best of each.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NeuronBasis } from '../main/bases/neurons';
import { tokenFeatureEffects } from '../main/lesions/token-effects';
import { parseModel } from '../main/onnx/model';
import { createSession } from '../main/onnx/session';
import { openTextCorpus, planTokenModel, tokenFeeds, type TextSpec } from '../main/text';
import { repoRoot, tempDir } from '../test/helpers/fixtures';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;
const CONTEXTS = 16;
const BATCH = 8;
const L = 128;
const NEURON = 57;

export async function benchTextEffects(): Promise<Row[]> {
  const modelPath = join(repoRoot, 'resources/models/lab-lm.onnx');
  const bytes = readFileSync(modelPath);
  const textPath = join(tempDir('cajal-bench-effects-'), 'heldout.txt');
  writeFileSync(textPath, readFileSync(join(repoRoot, 'resources/models/lab-lm-heldout.txt')).subarray(0, CONTEXTS * L));
  const spec: TextSpec = { kind: 'text', path: textPath, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: 32, seed: 0 };
  const corpus = openTextCorpus(spec);
  const contexts = Array.from({ length: CONTEXTS }, (_, i) => i);
  const plan = planTokenModel(parseModel(bytes, 'lab-lm'));
  const session = await createSession(bytes);
  const feeds = [];
  for (let c = 0; c < CONTEXTS; c += BATCH) feeds.push(tokenFeeds(corpus, plan, c, Math.min(BATCH, CONTEXTS - c)));
  const ours: number[] = [];
  const bare: number[] = [];
  let positions = 0;
  try {
    for (let r = 0; r < REPEATS; r++) {
      let t0 = performance.now();
      const e = await tokenFeatureEffects({ modelBytes: bytes, modelLabel: 'lab-lm', corpus, tensor: 'mlp_hidden', basis: new NeuronBasis(0, 512), basisLabel: 'neurons', feature: NEURON, contexts, alpha: 2, scale: 1, batch: BATCH });
      ours.push(performance.now() - t0);
      positions = e.positions;
      t0 = performance.now();
      for (let pass = 0; pass < 3; pass++) for (const f of feeds) await session.run(f, ['logits']);
      bare.push(performance.now() - t0);
    }
  } finally {
    await session.release();
  }
  const o = Math.min(...ours);
  const b = Math.min(...bare);
  return [
    {
      name: `text effects: one feature, ${CONTEXTS} contexts × ${L} bytes (${positions} firing positions)`,
      value: o,
      unit: 'ms',
      reference: 'bare onnxruntime, the same 3 forward passes',
      referenceValue: b,
      ratio: b / o,
      note: `best of ${REPEATS}, alternating`,
    },
  ];
}
