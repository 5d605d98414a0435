// How a tapped tensor becomes activation rows. The first axis is the batch. A rank-4 tensor is a conv map
// [N, C, H, W]: one row holds the C channels at a spatial position — all positions (H·W rows per stimulus), the
// centre position (as Klindt et al. read conv units), or the spatial mean. A rank-3 tensor [N, T, D] is a sequence
// read the same way along T. Anything else is flattened to one row per stimulus.
import type { Positions } from './types';
import { UserError } from '../errors';
import { float16BitsToFloat32 } from '../onnx/dtypes';
import { transposeItems } from './transpose-wasm';

export interface RowLayout {
  /** Non-batch dims of the tensor, e.g. [8, 28, 28]. */
  itemDims: number[];
  /** Values per row. */
  dim: number;
  rowsPerItem: number;
  /** Spatial grid of the 'all' layout (rows are y-major), or null. */
  grid: { height: number; width: number } | null;
  positions: Positions;
}

export function rowLayout(tensorShape: readonly (number | string | null)[], positions: Positions, tensor: string): RowLayout {
  const itemDims = tensorShape.slice(1).map((d) => {
    if (typeof d !== 'number' || d <= 0) {
      throw new UserError('harvest.shape', `The shape of tensor ${tensor} is not known (${JSON.stringify(tensorShape)}), so it cannot be recorded.`);
    }
    return d;
  });
  if (itemDims.length === 3) {
    const [c, h, w] = itemDims as [number, number, number];
    return { itemDims, dim: c, rowsPerItem: positions === 'all' ? h * w : 1, grid: positions === 'all' ? { height: h, width: w } : null, positions };
  }
  if (itemDims.length === 2) {
    const [t, d] = itemDims as [number, number];
    return { itemDims, dim: d, rowsPerItem: positions === 'all' ? t : 1, grid: positions === 'all' ? { height: t, width: 1 } : null, positions };
  }
  const dim = itemDims.reduce((a, b) => a * b, 1);
  return { itemDims, dim, rowsPerItem: 1, grid: null, positions: 'centre' };
}

/**
 * Write the rows of `count` items from a batch output `src` (float32, [count, ...itemDims]) into `dst` starting at
 * row `dstRow`. Returns the (posY, posX) of each row in order, for row metadata.
 */
export function extractRows(
  layout: RowLayout,
  src: Float32Array,
  count: number,
  dst: Float32Array,
  dstRow: number,
): void {
  const { itemDims, dim } = layout;
  if (layout.positions === 'all') {
    // #14: a sequence's rows are already contiguous, and a map's are moved by the WebAssembly kernel where it can.
    if (itemDims.length === 2) {
      dst.set(src.subarray(0, count * itemDims[0]! * itemDims[1]!), dstRow * dim);
      return;
    }
    if (itemDims.length === 3 && transposeItems(src, count, dim, itemDims[1]! * itemDims[2]!, dst, dstRow * dim)) return;
  }
  extractRowsJs(layout, src, count, dst, dstRow);
}

/** extractRows in JS: the fallback of the WebAssembly kernel, and the reference it is measured against. */
export function extractRowsJs(
  layout: RowLayout,
  src: Float32Array,
  count: number,
  dst: Float32Array,
  dstRow: number,
): void {
  const { itemDims, dim } = layout;
  if (itemDims.length !== 3 && itemDims.length !== 2) {
    dst.set(src.subarray(0, count * dim), dstRow * dim);
    return;
  }
  // Treat [T, D] sequences as [D, T, 1]-like maps with the feature axis last: handle both by strides.
  const seq = itemDims.length === 2;
  const c = dim;
  const h = seq ? itemDims[0]! : itemDims[1]!;
  const w = seq ? 1 : itemDims[2]!;
  const itemSize = c * h * w;
  // Stride of the channel axis and of one spatial step: conv maps are channel-major, sequences position-major.
  const chStride = seq ? 1 : h * w;
  const posStride = seq ? c : 1;
  for (let n = 0; n < count; n++) {
    const base = n * itemSize;
    if (layout.positions === 'all') {
      for (let p = 0; p < h * w; p++) {
        const out = (dstRow + n * h * w + p) * c;
        for (let k = 0; k < c; k++) dst[out + k] = src[base + k * chStride + p * posStride]!;
      }
    } else if (layout.positions === 'centre') {
      const p = Math.floor(h / 2) * w + Math.floor(w / 2);
      const out = (dstRow + n) * c;
      for (let k = 0; k < c; k++) dst[out + k] = src[base + k * chStride + p * posStride]!;
    } else {
      const out = (dstRow + n) * c;
      const inv = 1 / (h * w);
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let p = 0; p < h * w; p++) sum += src[base + k * chStride + p * posStride]!;
        dst[out + k] = sum * inv;
      }
    }
  }
}

/**
 * The centre rows of `count` items straight from a float16 map or sequence (#14): an fp16 model's output would
 * otherwise be widened whole to keep one position — 186,624 values of SqueezeNet's fire5 per stimulus, to keep 256.
 * Each kept half is widened by float16BitsToFloat32, so the rows are exactly extractRows' over the widened tensor.
 * False (nothing written) for a layout that is not a centre position of a rank-3 or rank-2 item.
 */
export function extractCentreFromHalves(layout: RowLayout, src: Uint16Array, count: number, dst: Float32Array, dstRow: number): boolean {
  const { itemDims, dim: c } = layout;
  if (layout.positions !== 'centre' || (itemDims.length !== 3 && itemDims.length !== 2)) return false;
  const seq = itemDims.length === 2;
  const h = seq ? itemDims[0]! : itemDims[1]!;
  const w = seq ? 1 : itemDims[2]!;
  const chStride = seq ? 1 : h * w;
  const p = Math.floor(h / 2) * w + Math.floor(w / 2);
  const at = seq ? p * c : p;
  for (let n = 0; n < count; n++) {
    const base = n * c * h * w + at;
    const out = (dstRow + n) * c;
    for (let k = 0; k < c; k++) dst[out + k] = float16BitsToFloat32(src[base + k * chStride]!);
  }
  return true;
}

/** Spatial position of row r within its item under the 'all' layout. */
export function rowPosition(layout: RowLayout, rowInItem: number): [number, number] | null {
  if (!layout.grid) return null;
  return [Math.floor(rowInItem / layout.grid.width), rowInItem % layout.grid.width];
}
