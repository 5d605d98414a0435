// Held-out loss of a byte-level language model in bits per byte, through its inference ONNX: the text is cut into
// consecutive windows of context + 1 bytes (stride = context), each window's first `context` bytes are fed and every
// next byte is scored, so each byte after the first is predicted exactly once from up to `context` bytes before it
// (fewer at the start of a window).
import * as ort from 'onnxruntime-node';

export interface BitsPerByte {
  bitsPerByte: number;
  /** Bytes scored. */
  bytes: number;
}

export async function evalBitsPerByte(session: ort.InferenceSession, text: Uint8Array, context: number, batch = 16): Promise<BitsPerByte> {
  const windows: number[] = [];
  for (let o = 0; o + 1 < text.length; o += context) windows.push(o);
  let bits = 0;
  let scored = 0;
  for (let w = 0; w < windows.length; w += batch) {
    // Every window in a run has the same length: the last, shorter window runs alone.
    let group = windows.slice(w, w + batch);
    const len = (o: number) => Math.min(context, text.length - 1 - o);
    const full = group.filter((o) => len(o) === context);
    const runs = full.length === group.length ? [group] : [full, group.filter((o) => len(o) !== context)].filter((g) => g.length > 0);
    for (group of runs) {
      const n = len(group[0]!);
      const ids = new BigInt64Array(group.length * n);
      group.forEach((o, r) => {
        for (let j = 0; j < n; j++) ids[r * n + j] = BigInt(text[o + j]!);
      });
      const out = await session.run({ input_ids: new ort.Tensor('int64', ids, [group.length, n]) }, ['logits']);
      const logits = out.logits!.data as Float32Array;
      const V = logits.length / (group.length * n);
      group.forEach((o, r) => {
        for (let j = 0; j < n; j++) {
          const row = logits.subarray((r * n + j) * V, (r * n + j + 1) * V);
          let max = -Infinity;
          for (const v of row) if (v > max) max = v;
          let z = 0;
          for (const v of row) z += Math.exp(v - max);
          bits += (Math.log(z) + max - row[text[o + j + 1]!]!) / Math.LN2;
          scored++;
        }
      });
    }
  }
  return { bitsPerByte: bits / scored, bytes: scored };
}
