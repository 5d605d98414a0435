// TCA (#15): one CP-ALS sweep on a 256 units × 64 positions × 5,000 stimuli tensor at rank 10 (the unit, position and
// stimulus updates with their MTTKRPs), against NumPy (Debian python3-numpy, /usr/bin/python3) running the same sweep
// on the same rows from the same starting factors, alternating ours and theirs. Two NumPy forms are timed: the same
// two-product form as ours (Xᵀ·(C ⊙ B), then X·A reduced against C and B) and tensortools' cp_als form (unfold the
// tensor along each mode, times the Khatri–Rao product of the other two). All three must land on the same factors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStream } from '../main/bases/stream';
import { cpSweep, type Factors, type TensorShape } from '../main/tca/cp';
import { Rng } from '../main/util/random';
import type { Row } from './table';

const D = 256;
const P = 64;
const S = 5000;
const R = 10;

const PY = String.raw`
import sys, json, time
import numpy as np
path, fpath, out, D, P, S, R, form = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:8]), sys.argv[8]
X = np.fromfile(path, dtype=np.float32).reshape(S * P, D)
F = np.fromfile(fpath, dtype=np.float64)
A0, B0, C0 = F[:D*R].reshape(D, R), F[D*R:D*R+P*R].reshape(P, R), F[D*R+P*R:].reshape(S, R)
solve = lambda M, G: np.linalg.solve(G, M.T).T

def fused(A, B, C):
    KR = (C[:, None, :] * B[None, :, :]).reshape(S * P, R).astype(np.float32)
    A = solve((X.T @ KR).astype(np.float64), (B.T @ B) * (C.T @ C))
    Y = (X @ A.astype(np.float32)).reshape(S, P, R).astype(np.float64)
    B = solve(np.einsum('spr,sr->pr', Y, C), (A.T @ A) * (C.T @ C))
    C = solve(np.einsum('spr,pr->sr', Y, B), (A.T @ A) * (B.T @ B))
    return A, B, C

T = X.reshape(S, P, D).transpose(2, 1, 0)  # units x positions x stimuli, a view
def unfold(n):
    return np.moveaxis(T, n, 0).reshape(T.shape[n], -1)
def kr(U, V):  # columns of the C-order unfolding: U's index slow, V's fast
    return np.einsum('ir,jr->ijr', U, V).reshape(-1, R)
def tensortools(A, B, C):
    A = solve(unfold(0) @ kr(B, C).astype(np.float32), (B.T @ B) * (C.T @ C))
    B = solve(unfold(1) @ kr(A, C).astype(np.float32), (A.T @ A) * (C.T @ C))
    C = solve(unfold(2) @ kr(A, B).astype(np.float32), (A.T @ A) * (B.T @ B))
    return A, B, C

fn = fused if form == 'fused' else tensortools
t = time.perf_counter(); A, B, C = fn(A0, B0, C0); sec = time.perf_counter() - t
np.concatenate([A.ravel(), B.ravel(), C.ravel()]).astype(np.float64).tofile(out)
print(json.dumps({"seconds": sec}))
`;

function planted(): Float32Array {
  // Rank-10 non-negative structure plus noise, so the sweep works on data with the shape of a real recording.
  const rng = new Rng(15);
  const a = rng.fillUniform(new Float32Array(R * D)) as Float32Array;
  const b = rng.fillUniform(new Float32Array(R * P)) as Float32Array;
  const x = new Float32Array(S * P * D);
  const c = new Float32Array(R);
  const w = new Float32Array(R);
  for (let s = 0; s < S; s++) {
    rng.fillUniform(c);
    for (let p = 0; p < P; p++) {
      for (let r = 0; r < R; r++) w[r] = c[r]! * b[r * P + p]!;
      const o = (s * P + p) * D;
      for (let i = 0; i < D; i++) {
        let v = 0;
        for (let r = 0; r < R; r++) v += w[r]! * a[r * D + i]!;
        x[o + i] = v + 0.1 * (rng.float() - 0.5);
      }
    }
  }
  return x;
}

function startFactors(): Factors {
  const rng = new Rng(7);
  return { a: rng.fillNormal(new Float64Array(D * R)) as Float64Array, b: rng.fillNormal(new Float64Array(P * R)) as Float64Array, c: rng.fillNormal(new Float64Array(S * R)) as Float64Array };
}

function relDiff(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

export async function benchTca(options: { repeats?: number; log?: (line: string) => void } = {}): Promise<Row[]> {
  const repeats = options.repeats ?? 3;
  const log = options.log ?? ((l: string) => console.error(l));
  const x = planted();
  let normSq = 0;
  for (const v of x) normSq += v * v;
  const t: TensorShape = { dim: D, positions: P, stimuli: S, normSq };
  const dir = mkdtempSync(join(tmpdir(), 'cajal-bench-tca-'));
  try {
    const xPath = join(dir, 'x.f32');
    const fPath = join(dir, 'f0.f64');
    writeFileSync(xPath, new Uint8Array(x.buffer));
    const f0 = startFactors();
    const flat = new Float64Array([...f0.a, ...f0.b, ...f0.c]);
    writeFileSync(fPath, new Uint8Array(flat.buffer));
    writeFileSync(join(dir, 'ref.py'), PY);
    const stream = memoryStream(x, D, 8192, P);
    const ctx = { progress() {}, throwIfCancelled() {} };
    const ours: number[] = [];
    const theirs: Record<'fused' | 'tensortools', number[]> = { fused: [], tensortools: [] };
    const agreement: Record<string, number> = {};
    let oursFlat = new Float64Array(0);
    let failure: string | null = null;
    // Warm-up: ORT sessions are built on first use.
    await cpSweep(stream, t, { a: f0.a.slice(), b: f0.b.slice(), c: f0.c.slice() }, R, false, ctx);
    for (let k = 0; k < repeats && !failure; k++) {
      const f = { a: f0.a.slice(), b: f0.b.slice(), c: f0.c.slice() };
      const t0 = performance.now();
      await cpSweep(stream, t, f, R, false, ctx);
      ours.push((performance.now() - t0) / 1000);
      oursFlat = new Float64Array([...f.a, ...f.b, ...f.c]);
      for (const form of ['fused', 'tensortools'] as const) {
        const out = join(dir, `${form}.f64`);
        const r = spawnSync('/usr/bin/python3', [join(dir, 'ref.py'), xPath, fPath, out, String(D), String(P), String(S), String(R), form], { encoding: 'utf8' });
        if (r.error || r.status !== 0) {
          failure = r.error ? `python3 not available (${r.error.message})` : `NumPy reference failed: ${(r.stderr || '').trim().split('\n').pop()}`;
          break;
        }
        theirs[form].push((JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number }).seconds);
        const buf = readFileSync(out);
        agreement[form] = relDiff(new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8), oursFlat);
      }
      log(`tca: ours ${ours.at(-1)!.toFixed(3)} s · NumPy same form ${theirs.fused.at(-1)?.toFixed(3)} s · NumPy tensortools form ${theirs.tensortools.at(-1)?.toFixed(3)} s`);
    }
    const best = (a: number[]): number => Math.min(...a);
    const name = `TCA: one ALS sweep, ${D}×${P}×${S.toLocaleString('en-US')}, rank ${R}`;
    if (failure) return [{ name, value: best(ours), unit: 's', note: failure }];
    const rows: Row[] = [];
    for (const form of ['fused', 'tensortools'] as const) {
      rows.push({
        name: `${name} vs NumPy (${form === 'fused' ? 'same two-product form' : "tensortools' unfold form"})`,
        value: best(ours),
        unit: 's',
        reference: `NumPy ${form}`,
        referenceValue: best(theirs[form]),
        ratio: best(theirs[form]) / best(ours),
        goal: '≥ 2×',
        note: `best of ${repeats}, alternating; factors after the sweep agree with ours to ${agreement[form]!.toExponential(1)} (relative L2)`,
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
