// Imported JumpReLU and Gated SAEs (SAELens' "jumprelu" and "gated" architectures) as stored bases. Cajal does not
// train these yet; an SAE trained elsewhere still has to encode exactly as SAELens defines it, so this basis only
// loads, encodes, decodes and saves. It is reached through the `sae-l1` method (the penalty-trained SAE family)
// with params.importedArchitecture naming the architecture, the way import already records where an SAE came from.
import { matmulABt } from '../linalg/ort';
import { encoderInput, frameOf, rowNormOf, type RowFrame, type RowNorm } from './row-norm'; // h12norm
import type { ActivationStream, Basis, BasisState, FitContext, NamedTensor } from './types';

export type SaeLensArchitecture = 'jumprelu' | 'gated';

/** The tensors each architecture holds besides W_dec and b_dec, with their shapes for d inputs and m latents. */
export function saeLensArchTensors(arch: SaeLensArchitecture, d: number, m: number): [string, number[]][] {
  const common: [string, number[]][] = [['W_dec', [m, d]], ['b_dec', [d]]];
  if (arch === 'jumprelu') return [['W_enc', [d, m]], ['b_enc', [m]], ['threshold', [m]], ...common];
  return [['W_enc', [d, m]], ['b_gate', [m]], ['r_mag', [m]], ['b_mag', [m]], ...common];
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** exp(r_mag) per latent: SAELens' gated magnitude path scales the shared encoder by it. */
export function gatedMagScale(rMag: Float32Array): Float32Array {
  return rMag.map((r) => Math.exp(r));
}

/**
 * The architecture's codes of x [rows, d], given W_enc transposed ([m, d]) and its vectors (b_dec; b_enc and
 * threshold, or b_gate and b_mag with magScale). One function for the basis and for the statistics job's encoder
 * (sae-arch-encoder.ts), so both give the same codes bit for bit.
 */
export async function encodeSaeLensArch(
  architecture: SaeLensArchitecture,
  d: number,
  wEncT: Float32Array,
  tensors: BasisState,
  magScale: Float32Array | null,
  x: Float32Array,
  rows: number,
): Promise<Float32Array> {
  const m = wEncT.length / d;
  if (x.length !== rows * d) throw new Error(`encode got ${x.length} values for ${rows} rows of ${d}.`);
  const bDec = tensors.b_dec!.data;
  const centred = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) centred[r * d + i] = x[r * d + i]! - bDec[i]!;
  // (x − b_dec)·W_enc on onnxruntime: the one large product; the rest is per-latent elementwise work.
  const pre = await matmulABt(centred, rows, d, wEncT, m);
  const f = new Float32Array(rows * m);
  if (architecture === 'jumprelu') {
    const bEnc = tensors.b_enc!.data;
    const th = tensors.threshold!.data;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < m; j++) {
        const p = pre[r * m + j]! + bEnc[j]!;
        // SAELens: JumpReLU(pre) = pre · H(pre − θ), after its ReLU (which θ ≥ 0 makes redundant, θ < 0 does not).
        f[r * m + j] = p > th[j]! && p > 0 ? p : 0;
      }
    }
  } else {
    const bGate = tensors.b_gate!.data;
    const bMag = tensors.b_mag!.data;
    const s = magScale!;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < m; j++) {
        const h = pre[r * m + j]!;
        if (!(h + bGate[j]! > 0)) continue;
        const mag = h * s[j]! + bMag[j]!;
        f[r * m + j] = mag > 0 ? mag : 0;
      }
    }
  }
  return f;
}

export class SaeLensArchBasis implements Basis {
  readonly method = 'sae-l1' as const;
  readonly nFeatures: number;
  private readonly wEncT: Float32Array;
  private readonly wDecT: Float32Array;
  private readonly magScale: Float32Array | null;
  /** h12norm: SAELens' run-time row normalisation, from the import's cfg.json. */
  private readonly rowNorm: RowNorm;

  constructor(
    readonly architecture: SaeLensArchitecture,
    readonly params: Record<string, unknown>,
    readonly seed: number,
    readonly dim: number,
    private readonly tensors: BasisState,
  ) {
    const m = tensors.W_enc!.shape[1]!;
    this.nFeatures = m;
    this.wEncT = transpose(tensors.W_enc!.data, dim, m);
    this.wDecT = transpose(tensors.W_dec!.data, m, dim);
    this.magScale = architecture === 'gated' ? gatedMagScale(tensors.r_mag!.data) : null;
    this.rowNorm = rowNormOf(params);
  }

  static fromState(architecture: SaeLensArchitecture, params: Record<string, unknown>, seed: number, state: BasisState): SaeLensArchBasis {
    const wEnc = state.W_enc;
    if (!wEnc || wEnc.shape.length !== 2) throw new Error('The stored SAE has no W_enc [d, m] tensor.');
    const [d, m] = wEnc.shape as [number, number];
    const kept: BasisState = {};
    for (const [name, shape] of saeLensArchTensors(architecture, d, m)) {
      const t = state[name];
      const n = shape.reduce((a, b) => a * b, 1);
      if (!t || t.data.length !== n) throw new Error(`The stored ${architecture} SAE's ${name} should hold ${n} values.`);
      kept[name] = { shape, data: Float32Array.from(t.data) } satisfies NamedTensor;
    }
    return new SaeLensArchBasis(architecture, { ...params, nFeatures: m }, seed, d, kept);
  }

  fit(_stream: ActivationStream, _ctx: FitContext): Promise<void> {
    return Promise.reject(new Error(`Cajal imports ${this.architecture} SAEs but does not train them.`));
  }

  encode(x: Float32Array, rows: number): Promise<Float32Array> {
    return encodeSaeLensArch(this.architecture, this.dim, this.wEncT, this.tensors, this.magScale, encoderInput(x, rows, this.dim, this.rowNorm), rows); // h12norm
  }

  /** h12norm: the rows' own scale and shift when the SAE normalises each row (decodeRows in frame.ts applies it). */
  frame(x: Float32Array, rows: number): RowFrame | null {
    return frameOf(x, rows, this.dim, this.rowNorm);
  }

  async decode(f: Float32Array, rows: number): Promise<Float32Array> {
    const { dim: d, nFeatures: m } = this;
    if (f.length !== rows * m) throw new Error(`decode got ${f.length} values for ${rows} rows of ${m} features.`);
    const out = await matmulABt(f, rows, m, this.wDecT, d);
    const bDec = this.tensors.b_dec!.data;
    for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) out[r * d + i]! += bDec[i]!;
    return out;
  }

  directions(): Float32Array {
    const w = this.tensors.W_dec!.data;
    const d = this.dim;
    const out = new Float32Array(w.length);
    for (let j = 0; j < this.nFeatures; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += w[j * d + i]! ** 2;
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let i = 0; i < d; i++) out[j * d + i] = w[j * d + i]! * inv;
    }
    return out;
  }

  state(): BasisState {
    const s: BasisState = {};
    for (const [name, t] of Object.entries(this.tensors)) s[name] = { shape: [...t.shape], data: Float32Array.from(t.data) };
    return s;
  }
}
