// The heat overlay of a receptive-field crop: each crop pixel takes the activation of the grid position whose field
// centre is nearest, blended over the picture (red > 0, blue < 0), so a dashboard shows where in the crop the feature
// fired. Pure pixel arithmetic; the feature service supplies the crop and the activations.
import type { Geometry } from './receptive-field';

/** Opacity of the heat overlay at the feature's largest |activation|. */
export const HEAT_ALPHA = 0.6;
const HEAT_POS = [255, 40, 0] as const;
const HEAT_NEG = [0, 110, 255] as const;

/**
 * For each pixel of a crop box (y-major), the grid position whose receptive-field centre is nearest: centres at
 * start + g·stride (analytic geometry) or at the middle of each proportional cell.
 */
export function nearestCells(geom: Geometry | null, grid: [number, number], image: [number, number], box: [number, number, number, number]): Int32Array {
  const [y0, x0, y1, x1] = box;
  const axis = (a: 0 | 1, p: number) => {
    const g = geom ? Math.round((p - geom.start[a]) / geom.j[a]) : Math.floor(((p + 0.5) * grid[a]) / image[a]);
    return Math.max(0, Math.min(grid[a] - 1, g));
  };
  const w = Math.max(1, x1 - x0);
  const hh = Math.max(1, y1 - y0);
  const out = new Int32Array(w * hh);
  for (let y = 0; y < hh; y++) {
    const gy = axis(0, y0 + y);
    for (let x = 0; x < w; x++) out[y * w + x] = gy * grid[1] + axis(1, x0 + x);
  }
  return out;
}

/** The crop blended with the activation of each pixel's grid position: (1 − α)·rgb + α·colour, α = HEAT_ALPHA·|a|/scale. */
export function heatOverlay(rgb: Uint8Array, cells: Int32Array, act: (cell: number) => number, scale: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < cells.length; i++) {
    const a = act(cells[i]!);
    const alpha = HEAT_ALPHA * Math.min(1, Math.abs(a) / scale);
    const colour = a >= 0 ? HEAT_POS : HEAT_NEG;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round((1 - alpha) * rgb[i * 3 + k]! + alpha * colour[k]!);
  }
  return out;
}

/** The RGB pixels of a crop box [y0, x0, y1, x1] of a W-wide image (at least one pixel each way), row by row. */
export function cropPixels(im: { rgb: Uint8Array; width: number }, box: [number, number, number, number]): { rgb: Uint8Array; width: number; height: number } {
  const [y0, x0, y1, x1] = box;
  const w = Math.max(1, x1 - x0);
  const hh = Math.max(1, y1 - y0);
  const rgb = new Uint8Array(w * hh * 3);
  for (let y = 0; y < hh; y++) rgb.set(im.rgb.subarray(((y0 + y) * im.width + x0) * 3, ((y0 + y) * im.width + x0 + w) * 3), y * w * 3);
  return { rgb, width: w, height: hh };
}
