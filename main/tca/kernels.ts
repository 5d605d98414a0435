// The two big products of one CP-ALS sweep over a block of rows (stimulus, position) × units, on onnxruntime (MLAS
// GEMM, multithreaded): the unit-mode MTTKRP Xᵀ·KR and the projection X·A that the position and stimulus MTTKRPs are
// reduced from. Each is one small ONNX graph with symbolic dims, built once and cached for the life of the process.
import * as ort from 'onnxruntime-node';
import { cachedKernel } from '../linalg/ort';
import { GraphBuilder } from '../onnx/builder';

/** Xᵀ·K for a block X (rows × d) and K (rows × R): the block's share of the unit-mode MTTKRP, d × R. */
export async function blockXtK(x: Float32Array, rows: number, dim: number, k: Float32Array, rank: number): Promise<Float32Array> {
  const s = await cachedKernel('tca-xtk', () => {
    const b = new GraphBuilder({ name: 'tca_xtk' });
    const xi = b.input('x', 'float32', ['N', 'D']);
    const ki = b.input('k', 'float32', ['N', 'R']);
    b.gemm(xi, ki, undefined, { transA: true, output: 'm' });
    b.output('m', 'float32', ['D', 'R']);
    return b;
  });
  const out = await s.run({ x: new ort.Tensor('float32', x, [rows, dim]), k: new ort.Tensor('float32', k, [rows, rank]) });
  return out.m!.data as Float32Array;
}

/** X·Uᵀ for a block X (rows × d) and unit factors U (R × d, one component per row): rows × R. */
export async function blockXUt(x: Float32Array, rows: number, dim: number, u: Float32Array, rank: number): Promise<Float32Array> {
  const s = await cachedKernel('tca-xut', () => {
    const b = new GraphBuilder({ name: 'tca_xut' });
    const xi = b.input('x', 'float32', ['N', 'D']);
    const ui = b.input('u', 'float32', ['R', 'D']);
    b.gemm(xi, ui, undefined, { transB: true, output: 'y' });
    b.output('y', 'float32', ['N', 'R']);
    return b;
  });
  const out = await s.run({ x: new ort.Tensor('float32', x, [rows, dim]), u: new ort.Tensor('float32', u, [rank, dim]) });
  return out.y!.data as Float32Array;
}
