// Quality of a fitted basis on held-out rows: how well it reconstructs them and how sparse its code is. The same
// numbers for every method, so SAEs, PCA and the rest can be compared in one table.
import type { Basis, ActivationStream, BasisQualityInfo } from './types';
import { decodeRows } from './frame';

const ACTIVE = 1e-8;

export async function measureQuality(basis: Basis, heldOut: ActivationStream, maxRows = 50_000): Promise<BasisQualityInfo> {
  const d = heldOut.dim;
  const m = basis.nFeatures;
  const active = new Float64Array(m);
  const sum = new Float64Array(d);
  let sumSq = 0;
  let sse = 0;
  let cosSum = 0;
  let zeroRows = 0;
  let l0Sum = 0;
  let rows = 0;
  const hasDecode = typeof basis.decode === 'function';
  for await (const block of heldOut.blocks()) {
    const n = Math.min(block.rowCount, maxRows - rows);
    if (n <= 0) break;
    const x = block.data.subarray(0, n * d);
    const f = await basis.encode(x, n);
    for (let r = 0; r < n; r++) {
      let l0 = 0;
      for (let j = 0; j < m; j++) {
        if (Math.abs(f[r * m + j]!) > ACTIVE) {
          active[j]!++;
          l0++;
        }
      }
      l0Sum += l0;
    }
    if (hasDecode) {
      const xh = await decodeRows(basis, f, x, n); // h12norm: in the rows' frame where the SAE normalises each row
      for (let r = 0; r < n; r++) {
        let dot = 0;
        let nx = 0;
        let nh = 0;
        for (let k = 0; k < d; k++) {
          const a = x[r * d + k]!;
          const b = xh[r * d + k]!;
          sse += (a - b) * (a - b);
          dot += a * b;
          nx += a * a;
          nh += b * b;
          sum[k]! += a;
          sumSq += a * a;
        }
        if (nx === 0) zeroRows++;
        else cosSum += nh > 0 ? dot / Math.sqrt(nx * nh) : 0;
      }
    }
    rows += n;
  }
  let sst = sumSq;
  for (let k = 0; k < d; k++) sst -= (sum[k]! * sum[k]!) / Math.max(rows, 1);
  const densities = Array.from(active, (a) => a / Math.max(rows, 1));
  const dead = densities.filter((p) => p === 0).length;
  const edges = Array.from({ length: 33 }, (_, i) => -8 + i * 0.25);
  const counts = new Array<number>(32).fill(0);
  for (const p of densities) {
    if (p === 0) continue;
    const bin = Math.min(31, Math.max(0, Math.floor((Math.log10(p) + 8) / 0.25)));
    counts[bin]!++;
  }
  return {
    rows,
    mse: hasDecode ? sse / Math.max(rows * d, 1) : null,
    explainedVariance: hasDecode ? (sst > 0 ? 1 - sse / sst : null) : null,
    reconstructionCosine: hasDecode && rows > zeroRows ? cosSum / (rows - zeroRows) : null,
    cosineZeroRows: hasDecode ? zeroRows : null,
    l0: l0Sum / Math.max(rows, 1),
    deadFraction: dead / m,
    denseFraction: densities.filter((p) => p > 0.1).length / m,
    densityHistogram: { edges, counts, dead },
  };
}
