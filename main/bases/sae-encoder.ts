// An SAE's encoder alone, read straight from the store (#18): the statistics job only encodes, and at 131,072 features
// loading the whole SAE (loadBasis) holds the decoder it never uses and copies both 256 MB matrices on the way in.
// This reads W_enc, b_enc, b_dec, the input scale and the kind's own encoder tensors (threshold, log θ, r_mag/b_mag)
// each into one array — a blocked tensor's blocks copied once into place, a whole BLOB viewed where it lies — and
// encodes with the encoder-only graph, built from the same nodes as the SAE's evaluation graph, so the codes are the
// ones SparseAutoencoder.encode gives.
import { encoderInput, type RowNorm } from './row-norm'; // h12norm
import * as ort from 'onnxruntime-node';
import { createSession } from '../onnx/session';
import { readTensorOnce as readTensor } from '../store/basis-blocks';
import type { BasisRecord } from '../store/bases';
import type { Db } from '../store/project';
import { GraphBuilder } from '../onnx/builder';
import { requireFinished } from './load';
import { resolveSaeParams } from './sae-params';
import { saeEncodeNodes, saeExtraParams, saeParamShapes, type SaeKind, type SaeShape } from './sae-graph';

/** What a statistics pass needs of a basis: its shape and its codes. */
export interface Encoder {
  readonly dim: number;
  readonly nFeatures: number;
  encode(x: Float32Array, rows: number): Promise<Float32Array>;
  /** Rows per encode call this encoder handles without assembling a larger array (callers may block by it). */
  readonly blockRows?: number;
}

const KINDS: ReadonlySet<string> = new Set(['l1', 'topk', 'batchtopk', 'matryoshka', 'jumprelu', 'gated']);
/** Rows per ORT run: one run's [rows, m] codes and its intermediates stay ~32 MB each (at least 16 rows, so the
 * encoder matrix, packed by the GEMM on every run, is not re-packed for every few rows). */
const RUN_VALUES = 1 << 23;

/** x [N, d] → f [N, m], the encoder's tensors as inputs. */
export function buildSaeEncodeGraph(s: SaeShape): Uint8Array {
  const b = new GraphBuilder({ name: `sae-${s.kind}-encode`, opset: 17 });
  b.input('x', 'float32', ['N', s.d]);
  b.input('scale', 'float32', []);
  const shapes = saeParamShapes(s.d, s.m);
  for (const n of encoderTensors(s.kind)) b.input(n, 'float32', shapes[n]);
  saeEncodeNodes(b, s);
  b.output('f', 'float32', ['N', s.m]);
  return b.toBytes();
}

function encoderTensors(kind: SaeKind): ('W_enc' | 'b_enc' | 'b_dec' | ReturnType<typeof saeExtraParams>[number])[] {
  return ['W_enc', 'b_enc', 'b_dec', ...saeExtraParams(kind)];
}

export class SaeEncoder implements Encoder {
  private session: Promise<ort.InferenceSession> | null = null;
  readonly blockRows: number;

  private constructor(
    readonly kind: SaeKind,
    readonly dim: number,
    readonly nFeatures: number,
    private readonly k: number,
    private readonly threads: number | null,
    private readonly feeds: Record<string, ort.Tensor>,
    /** h12norm: SAELens' run-time row normalisation of an imported SAE. */
    private readonly rowNorm: RowNorm = 'none',
  ) {
    this.blockRows = Math.max(16, Math.floor(RUN_VALUES / Math.max(nFeatures, dim)));
  }

  /**
   * The encoder of a stored lab SAE (sae-l1, sae-topk, …), or null where the basis is not one (an imported JumpReLU or
   * Gated SAE stored under sae-l1 encodes through its own basis class).
   */
  static load(db: Db, rec: BasisRecord): SaeEncoder | null {
    const kind = rec.method.startsWith('sae-') ? rec.method.slice(4) : '';
    if (!KINDS.has(kind)) return null;
    requireFinished(rec);
    const names = new Set(db.prepare('SELECT name FROM basis_tensors WHERE basis_id = ?').pluck().all(rec.id) as string[]);
    if (kind === 'l1' && (names.has('threshold') || names.has('b_gate'))) return null;
    const wEnc = readTensor(db, rec.id, 'W_enc');
    if (!wEnc || wEnc.shape.length !== 2) throw new Error('The stored SAE has no W_enc [d, m] tensor.');
    const [d, m] = wEnc.shape as [number, number];
    const cfg = resolveSaeParams(kind as SaeKind, { ...rec.params, nFeatures: m }, d);
    const shapes = saeParamShapes(d, m);
    const feeds: Record<string, ort.Tensor> = { W_enc: new ort.Tensor('float32', wEnc.data, [d, m]) };
    for (const name of encoderTensors(kind as SaeKind).slice(1)) {
      const t = readTensor(db, rec.id, name);
      const n = shapes[name].reduce((a, b) => a * b, 1);
      if (!t || t.data.length !== n) throw new Error(`The stored SAE's ${name} should hold ${n} values.`);
      feeds[name] = new ort.Tensor('float32', t.data, shapes[name]);
    }
    feeds.scale = new ort.Tensor('float32', Float32Array.of(readTensor(db, rec.id, 'norm_scale')?.data[0] ?? 1), []);
    if (kind === 'batchtopk' || kind === 'matryoshka') {
      const th = readTensor(db, rec.id, 'threshold');
      if (!th || th.data.length !== 1) throw new Error('The stored BatchTopK SAE should hold one threshold value.');
      feeds.threshold = new ort.Tensor('float32', Float32Array.of(th.data[0]!), []);
    }
    return new SaeEncoder(kind as SaeKind, d, m, cfg.k, cfg.threads, feeds, cfg.rowNorm ?? 'none');
  }

  /** The stored W_enc [d, m] this encoder holds (the statistics job stores its columns for the cards). */
  get wEnc(): Float32Array {
    return this.feeds.W_enc!.data as Float32Array;
  }

  /** Frees the ORT session and its arena (the encoder can still encode: a new session is made on demand). */
  async release(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await (await s).release();
  }

  async encode(given: Float32Array, rows: number): Promise<Float32Array> {
    const d = this.dim;
    if (given.length !== rows * d) throw new Error(`encode got ${given.length} values for ${rows} rows of ${d}.`);
    const x = encoderInput(given, rows, d, this.rowNorm); // h12norm
    this.session ??= createSession(buildSaeEncodeGraph({ d, m: this.nFeatures, kind: this.kind, k: this.k }), { intraOpThreads: this.threads ?? undefined, label: `the sae-${this.kind} encoder` });
    const session = await this.session;
    const run = async (r: number, n: number) => (await session.run({ ...this.feeds, x: new ort.Tensor('float32', x.subarray(r * d, (r + n) * d), [n, d]) }, ['f'])).f!.data as Float32Array;
    if (rows <= this.blockRows) return run(0, rows); // ORT's own output array, not a copy of it
    const out = new Float32Array(rows * this.nFeatures);
    for (let r = 0; r < rows; r += this.blockRows) {
      const n = Math.min(this.blockRows, rows - r);
      out.set(await run(r, n), r * this.nFeatures);
    }
    return out;
  }
}
