// Shared by the receptive-field tests (#11): planted filters, a planted LN / energy network written as ONNX, a
// harvest through the real pipeline (router → harvest job → SQLite), a revcorr run through the router, and
// correlation / principal-angle arithmetic.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from '../../main/api/router';
import type { RevcorrResults } from '../../main/api/schemas/revcorr';
import { eigh } from '../../main/linalg/eigh';
import { GraphBuilder } from '../../main/onnx/builder';
import type { Lab } from '../../main/services/lab';

export const SIDE = 28;
export const D = SIDE * SIDE;

/** A unit-norm Gabor patch centred at (cy, cx) with the given phase. */
export function gabor(cy: number, cx: number, sigma: number, freq: number, theta: number, phase: number): Float32Array {
  const f = new Float32Array(D);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const dy = y - cy;
      const dx = x - cx;
      const u = dx * Math.cos(theta) + dy * Math.sin(theta);
      f[y * SIDE + x] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * Math.cos(2 * Math.PI * freq * u + phase);
    }
  const n = Math.hypot(...f);
  return f.map((v) => v / n);
}

export const planted = {
  on: gabor(14, 14, 3, 0.15, 0.6, 0),
  q1: gabor(13, 15, 3, 0.2, -0.4, 0),
  q2: gabor(13, 15, 3, 0.2, -0.4, Math.PI / 2),
  /** Fine (high spatial frequency): what MNIST's correlations blur most in a plain STA. */
  fine: gabor(14, 14, 2.5, 0.33, 0.3, 0),
};

/**
 * The planted network: x [N,1,28,28] → flat → tensor `ln` = ReLU(x·[k, −k, k_fine]) (an ON and an OFF LN unit
 * with the same filter k, and an LN unit with a fine filter) and tensor `energy` = (x·q1)² + (x·q2)² (a quadrature energy unit).
 */
export function writePlantedModel(dir: string): string {
  const b = new GraphBuilder({ name: 'planted-revcorr' });
  const x = b.input('x', 'float32', ['N', 1, SIDE, SIDE]);
  const flat = b.reshape(x, [-1, D]);
  const w = new Float32Array(D * 3);
  const q = new Float32Array(D * 2);
  for (let i = 0; i < D; i++) {
    w[i * 3] = planted.on[i]!;
    w[i * 3 + 1] = -planted.on[i]!;
    w[i * 3 + 2] = planted.fine[i]!;
    q[i * 2] = planted.q1[i]!;
    q[i * 2 + 1] = planted.q2[i]!;
  }
  b.relu(b.matmul(flat, b.constant(w, [D, 3])), 'ln');
  const p = b.matmul(flat, b.constant(q, [D, 2]));
  b.reduce('ReduceSum', b.mul(p, p), [1], true, 'energy');
  b.output('ln', 'float32', ['N', 3]);
  b.output('energy', 'float32', ['N', 1]);
  const path = join(dir, 'planted-revcorr.onnx');
  writeFileSync(path, b.toBytes());
  return path;
}

export async function harvest(lab: Lab, router: Router, modelPath: string, tensors: string[], spec: unknown, positions = 'centre'): Promise<number[]> {
  const model = (await router.call('models.open', { path: modelPath })) as { id: number };
  const set = (await router.call('stimuli.create', { spec })) as { id: number };
  const started = (await router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors, positions })) as { jobId: number; harvestIds: number[] };
  const job = await lab.jobs.wait(started.jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  return started.harvestIds;
}

export async function revcorr(lab: Lab, router: Router, params: Record<string, unknown>): Promise<RevcorrResults['revcorr.get']> {
  const { jobId, runId } = (await router.call('revcorr.start', params)) as RevcorrResults['revcorr.start'];
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  return (await router.call('revcorr.get', { runId })) as RevcorrResults['revcorr.get'];
}

export function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Cosines of the principal angles between span(us) and span(vs) (each a list of vectors, orthonormalised here). */
export function principalCosines(us: ArrayLike<number>[], vs: ArrayLike<number>[]): number[] {
  const ortho = (list: ArrayLike<number>[]) => {
    const out: Float64Array[] = [];
    for (const v of list) {
      const w = Float64Array.from(v);
      for (const o of out) {
        let d = 0;
        for (let i = 0; i < w.length; i++) d += w[i]! * o[i]!;
        for (let i = 0; i < w.length; i++) w[i]! -= d * o[i]!;
      }
      const n = Math.hypot(...w);
      out.push(w.map((x) => x / n));
    }
    return out;
  };
  const a = ortho(us);
  const b = ortho(vs);
  // Singular values of AᵀB = sqrt of eigenvalues of (AᵀB)(AᵀB)ᵀ.
  const m = a.map((x) => b.map((y) => x.reduce((s, v, i) => s + v * y[i]!, 0)));
  const k = a.length;
  const mmT = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) mmT[i * k + j] = m[i]!.reduce((s, v, l) => s + v * m[j]![l]!, 0);
  return Array.from(eigh(mmT, k).values, (v) => Math.sqrt(Math.max(0, v)));
}
