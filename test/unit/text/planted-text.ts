// A model and corpus with planted text features (#13): unit 0 fires (1) only on the "x" of "hello there x", unit 1 on
// every token at the last position of a context, unit 2 on "e" (0.5). Embedding-only, so the answer is known exactly.
// The logits over the 256 next bytes read unit 0 into "!", unit 1 into "." and unit 2 into "?" (weight 3 each), so
// each feature's output effect is known too.
import { writeFileSync } from 'node:fs';
import { GraphBuilder } from '../../../main/onnx/builder';
import { Rng } from '../../../main/util/random';

export const PLANTED_LENGTH = 16;

export function writePlantedCorpus(path: string): void {
  const rng = new Rng(11);
  const filler = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'then', 'ran', 'to', 'big', 'red', 'door', 'bird', 'sang'];
  const parts: string[] = [];
  for (let i = 0; i < 300; i++) parts.push(i % 6 === 0 ? 'hello there x' : filler[rng.int(0, filler.length)]!);
  writeFileSync(path, parts.join(' '));
}

export function plantedTextModel(): Uint8Array {
  const L = PLANTED_LENGTH;
  const b = new GraphBuilder({ name: 'planted-text', opset: 17 });
  const ids = b.input('input_ids', 'int64', ['batch', 'seq']);
  const pos = b.input('position_ids', 'int64', ['batch', 'seq']);
  const E = new Float32Array(256 * 3);
  E['x'.charCodeAt(0) * 3] = 1;
  E['e'.charCodeAt(0) * 3 + 2] = 0.5;
  const P = new Float32Array(L * 3);
  P[(L - 1) * 3 + 1] = 1;
  const h = b.relu(b.add(b.op('Gather', [b.initializer('E', E, [256, 3]), ids]), b.op('Gather', [b.initializer('P', P, [L, 3]), pos])), 'mlp_hidden');
  const W = new Float32Array(3 * 256);
  ['!', '.', '?'].forEach((c, unit) => (W[unit * 256 + c.charCodeAt(0)] = 3));
  b.output(b.matmul(h, b.initializer('W', W, [3, 256]), 'logits'), 'float32', ['batch', 'seq', 256]);
  return b.toBytes();
}
