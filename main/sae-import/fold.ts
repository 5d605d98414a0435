// b_dec folded into the encoder biases while W_enc streams past (see services/saelens.ts foldBDecIntoBEnc): for each
// latent j the sum b_enc[j] + Σ_i b_dec[i]·W_enc[i, j] is taken over i in ascending order, in float64, so the result
// is bit for bit the whole-matrix fold's, whatever the block size.
export class StreamingFold {
  private readonly acc: Float64Array;
  private row = 0;

  constructor(
    private readonly bDec: Float32Array,
    start: Float32Array,
  ) {
    this.acc = Float64Array.from(start);
  }

  /** The next rows of W_enc (rows × m, row-major). */
  add(block: Float32Array): void {
    const m = this.acc.length;
    const rows = block.length / m;
    for (let r = 0; r < rows; r++, this.row++) {
      const b = this.bDec[this.row]!;
      for (let j = 0; j < m; j++) this.acc[j]! += b * block[r * m + j]!;
    }
  }

  result(): Float32Array {
    if (this.row !== this.bDec.length) throw new Error(`The fold saw ${this.row} of W_enc's ${this.bDec.length} rows.`);
    return Float32Array.from(this.acc);
  }
}
