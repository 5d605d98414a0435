// Reconstructing rows with any basis: decode the codes, then — for an SAE imported with SAELens' run-time row
// normalisation — map the output back with each row's own scale and shift (row-norm.ts). Every reader of
// reconstructions (quality, loss recovered, latent edits) goes through here, so none can forget the frame.
import { applyFrame } from './row-norm';
import type { Basis } from './types';

/** x̂ of rows x from their codes f (rows × m): decode, in the rows' frame. */
export async function decodeRows(basis: Basis, f: Float32Array, x: Float32Array, rows: number): Promise<Float32Array> {
  if (!basis.decode) throw new Error(`${basis.method} has no decoder.`);
  const y = await basis.decode(f, rows);
  const frame = basis.frame?.(x, rows) ?? null;
  return frame ? applyFrame(y, rows, basis.dim, frame) : y;
}
