// The edit as a small onnxruntime graph: every lesion set's parameters are inputs, so S sets × N stimuli are edited
// in one run, y[s, n] = (x[n] ⊙ keep[s] + add[s]) · P[s] (P over the unit axis, only when some set projects).
import { GraphBuilder } from '../onnx/builder';

export const EDIT_INPUTS = { x: 'lesion_x', keep: 'lesion_keep', add: 'lesion_add', projector: 'lesion_projector' } as const;
export const EDIT_OUTPUT = 'lesion_y';

/** `rank` is the rank of one stimulus's values (1 for [C], 3 for [C, H, W]). */
export function buildEditGraph(rank: number, withProjector: boolean): Uint8Array {
  const b = new GraphBuilder({ name: 'lesion_edit', opset: 17 });
  const unitDims = Array.from({ length: rank }, (_, i) => `u${i}`);
  const x = b.input(EDIT_INPUTS.x, 'float32', [1, 'N', ...unitDims]);
  const keep = b.input(EDIT_INPUTS.keep, 'float32', ['S', 1, ...unitDims]);
  // 'A' is 1 (one term per set) or N (a term per stimulus: resample, latent edits, splice).
  const add = b.input(EDIT_INPUTS.add, 'float32', ['S', 'A', ...unitDims]);
  let y = b.add(b.mul(x, keep), add);
  if (withProjector) {
    // Fed as [S, 1 × (rank − 1), C, C] so MatMul broadcasts it over stimuli and positions.
    const p = b.input(EDIT_INPUTS.projector, 'float32', null);
    if (rank === 1) {
      y = b.matmul(y, p);
    } else {
      // Move the unit axis (2) last, project, and move it back.
      const toLast = [0, 1, ...Array.from({ length: rank - 1 }, (_, i) => i + 3), 2];
      const projected = b.matmul(b.transpose(y, toLast), p);
      const back = [0, 1, rank + 1, ...Array.from({ length: rank - 1 }, (_, i) => i + 2)];
      y = b.transpose(projected, back);
    }
  }
  b.op('Identity', [y], {}, { output: EDIT_OUTPUT });
  b.output(EDIT_OUTPUT, 'float32', null);
  return b.toBytes();
}
