// 8-bit grey pixels already at the recipe's size (MNIST digits into a 28×28 recipe) take one of 256 values per
// output channel, so the recipe's affine (x·scale − mean[c]) / std[c] is computed once per byte value into a table
// and each pixel is a table read (#14: preparing MNIST stimuli was about a third of the bundled MLP's harvest loop).
// The table holds the very float32 that writeTensor stores — the same double arithmetic, rounded once on store —
// so the tensors are bit-identical to fitImage + writeTensor's (test/unit/stimuli/mnist.test.ts).
import type { PreprocessRecipe } from './types';

/** One 256-entry table per output channel of the recipe, for grey 8-bit sources. */
export function greyPixelTables(recipe: PreprocessRecipe): Float32Array[] {
  return Array.from({ length: recipe.channels }, (_, c) => {
    const mean = recipe.mean[c]!;
    const std = recipe.std[c]!;
    const table = new Float32Array(256);
    for (let b = 0; b < 256; b++) table[b] = (b * recipe.scale - mean) / std;
    return table;
  });
}

/**
 * Writes one grey image of `plane` pixels, src[from .. from + plane), through `tables` at `offset`: a plane per
 * channel for NCHW, interleaved channels for NHWC (a grey source replicated to RGB or BGR is the same in either order).
 */
export function writeGreyThroughTables(src: Uint8Array, from: number, plane: number, tables: Float32Array[], nchw: boolean, out: Float32Array, offset: number): void {
  const channels = tables.length;
  for (let c = 0; c < channels; c++) {
    const table = tables[c]!;
    if (nchw || channels === 1) {
      const base = offset + c * plane;
      for (let i = 0; i < plane; i++) out[base + i] = table[src[from + i]!]!;
    } else {
      for (let i = 0; i < plane; i++) out[offset + i * channels + c] = table[src[from + i]!]!;
    }
  }
}
