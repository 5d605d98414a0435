// 8-bit grey pixels already at the recipe's size (MNIST digits into a 28×28 recipe) take one of 256 values per
// output channel, so the recipe's affine (x·scale − mean[c]) / std[c] is computed once per byte value into a table
// and each pixel is a table read (#14: preparing MNIST stimuli was about a third of the bundled MLP's harvest loop).
// The table holds the very float32 that writeTensor stores — the same double arithmetic, rounded once on store —
// so the tensors are bit-identical to fitImage + writeTensor's (test/unit/stimuli/mnist.test.ts).
import { endianness } from 'node:os';
import type { PreprocessRecipe } from './types';

const LITTLE_ENDIAN = endianness() === 'LE';

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
      if (LITTLE_ENDIAN && (src.byteOffset + from) % 4 === 0 && plane % 4 === 0) {
        // Four pixels per 32-bit read: half the time of a read per byte (#14, MNIST digits: 784 bytes, aligned).
        const words = new Uint32Array(src.buffer, src.byteOffset + from, plane >> 2);
        for (let i = 0, j = 0; i < plane; i += 4, j++) {
          const w = words[j]!;
          out[base + i] = table[w & 255]!;
          out[base + i + 1] = table[(w >>> 8) & 255]!;
          out[base + i + 2] = table[(w >>> 16) & 255]!;
          out[base + i + 3] = table[w >>> 24]!;
        }
      } else for (let i = 0; i < plane; i++) out[base + i] = table[src[from + i]!]!;
    } else {
      for (let i = 0; i < plane; i++) out[offset + i * channels + c] = table[src[from + i]!]!;
    }
  }
}
