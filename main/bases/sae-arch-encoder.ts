// An imported JumpReLU or Gated SAE's encoder alone, read straight from the store (#18): such SAEs are stored under
// sae-l1 and loading one whole (loadBasis → SaeLensArchBasis) copies W_enc and W_dec and transposes both — over a
// gigabyte at 131,072 features — for a statistics job that only encodes. This reads W_enc a stored block at a time
// straight into its transpose (the layout the basis encodes with), and the vectors; no decoder. It encodes with the
// basis' own function (encodeSaeLensArch), so the codes are SaeLensArchBasis.encode's bit for bit.
import { encoderInput, rowNormOf, type RowNorm } from './row-norm'; // h12norm
import { tensorRowRuns, readTensorOnce } from '../store/basis-blocks';
import type { BasisRecord } from '../store/bases';
import type { Db } from '../store/project';
import { requireFinished } from './load';
import { encodeSaeLensArch, gatedMagScale, saeLensArchTensors, type SaeLensArchitecture } from './sae-saelens-arch';
import type { BasisState } from './types';

export class SaeArchEncoder {
  private constructor(
    readonly architecture: SaeLensArchitecture,
    readonly dim: number,
    readonly nFeatures: number,
    /** W_enc transposed, [m, d]: row j is feature j's encoder column. */
    readonly encoderRows: Float32Array,
    private readonly vectors: BasisState,
    private readonly magScale: Float32Array | null,
    /** h12norm: SAELens' run-time row normalisation of the imported SAE. */
    private readonly rowNorm: RowNorm = 'none',
  ) {}

  /** The encoder of an imported JumpReLU or Gated SAE (sae-l1 with a stored threshold or b_gate), else null. */
  static load(db: Db, rec: BasisRecord): SaeArchEncoder | null {
    if (rec.method !== 'sae-l1') return null;
    const names = new Set(db.prepare('SELECT name FROM basis_tensors WHERE basis_id = ?').pluck().all(rec.id) as string[]);
    // As the registry's sae-l1 loader decides (bases/sae-registry.ts).
    const architecture: SaeLensArchitecture | null = names.has('threshold') ? 'jumprelu' : names.has('b_gate') ? 'gated' : null;
    if (!architecture) return null;
    requireFinished(rec);
    const shape = JSON.parse(db.prepare("SELECT shape_json FROM basis_tensors WHERE basis_id = ? AND name = 'W_enc'").pluck().get(rec.id) as string) as number[];
    if (shape.length !== 2) throw new Error('The stored SAE has no W_enc [d, m] tensor.');
    const [d, m] = shape as [number, number];
    const wEncT = new Float32Array(d * m);
    let i = 0; // the next row of W_enc
    for (const run of tensorRowRuns(db, rec.id, 'W_enc')) {
      for (let at = 0; at < run.length; at += m, i++) {
        if (i >= d) throw new Error(`The stored ${architecture} SAE's W_enc holds more than ${d} rows.`);
        for (let j = 0; j < m; j++) wEncT[j * d + i] = run[at + j]!;
      }
    }
    if (i !== d) throw new Error(`The stored ${architecture} SAE's W_enc holds ${i} of its ${d} rows.`);
    const vectors: BasisState = {};
    for (const [name, s] of saeLensArchTensors(architecture, d, m)) {
      if (name === 'W_enc' || name === 'W_dec') continue;
      const t = readTensorOnce(db, rec.id, name);
      const n = s.reduce((a, b) => a * b, 1);
      if (!t || t.data.length !== n) throw new Error(`The stored ${architecture} SAE's ${name} should hold ${n} values.`);
      vectors[name] = { shape: s, data: t.data };
    }
    return new SaeArchEncoder(architecture, d, m, wEncT, vectors, architecture === 'gated' ? gatedMagScale(vectors.r_mag!.data) : null, rowNormOf(rec.params));
  }

  encode(x: Float32Array, rows: number): Promise<Float32Array> {
    return encodeSaeLensArch(this.architecture, this.dim, this.encoderRows, this.vectors, this.magScale, encoderInput(x, rows, this.dim, this.rowNorm), rows); // h12norm
  }

  /** Nothing to free: the product runs on the lab's shared ORT kernels. */
  async release(): Promise<void> {}
}
