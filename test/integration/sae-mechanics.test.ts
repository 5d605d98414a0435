// The Towards Monosemanticity mechanics of sae-l1, each against a known answer: unit-norm dictionary rows in the
// stored tensors, b_dec initialised at the geometric median, the resampling of dead latents (encoder scale, zero
// bias, Adam moments reset, inputs drawn ∝ loss²), and the decoder gradient made orthogonal to each row.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { SparseAutoencoder } from '../../main/bases/sae';
import { geometricMedian, pickByLossSquared } from '../../main/bases/sae-init';
import { buildSaeGradGraph, buildSaeStepGraph, SAE_PARAMS, saeParamShapes, type SaeKind } from '../../main/bases/sae-graph';
import { memoryStream } from '../../main/bases/stream';
import type { BasisState } from '../../main/bases/types';
import { writeNpy } from '../../main/io/npy';
import { Lab } from '../../main/services/lab';
import { loadBasisTensors } from '../../main/store/bases';
import { Rng } from '../../main/util/random';
import { tempDir } from '../helpers/fixtures';
import { plantedData } from './sae-planted';

const quiet = { progress() {}, throwIfCancelled() {} };

function rowNorm(a: Float32Array, row: number, width: number): number {
  let s = 0;
  for (let j = 0; j < width; j++) s += a[row * width + j]! ** 2;
  return Math.sqrt(s);
}

/** Σ ‖y − x_i‖ over rows × d points, in float64. */
function sumDistances(y: ArrayLike<number>, x: Float32Array, rows: number, d: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (y[j]! - x[r * d + j]!) ** 2;
    total += Math.sqrt(s);
  }
  return total;
}

/** Points whose geometric median is known exactly: `heavy` copies of c outweigh any pull of the `light` others. */
function majorityPoint(d: number, heavy: number, light: number, seed: number): { x: Float32Array; c: Float32Array; rows: number } {
  const rng = new Rng(seed);
  const c = Float32Array.from({ length: d }, () => rng.normal(0, 2));
  const rows = heavy + light;
  const x = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) {
      // The light points all lie on one side (first coordinate + 5..10), so their mean is far from c.
      x[r * d + j] = c[j]! + (r < heavy ? 0 : j === 0 ? rng.uniform(5, 10) : rng.normal(0, 3));
    }
  }
  // Each light point pulls on c with a unit vector: the pull is at most `light` < `heavy`, so c is the median.
  return { x, c, rows };
}

test('geometric median (Weiszfeld): the exact answer on planted points, and a brute-force grid search', () => {
  const { x, c, rows } = majorityPoint(16, 60, 40, 1);
  const med = geometricMedian(x, rows, 16);
  let worst = 0;
  let meanOff = 0;
  for (let j = 0; j < 16; j++) {
    worst = Math.max(worst, Math.abs(med[j]! - c[j]!));
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * 16 + j]! / rows;
    meanOff = Math.max(meanOff, Math.abs(mean - c[j]!));
  }
  assert.ok(meanOff > 2, 'the mean is far from the median here, so returning the mean would fail');
  assert.ok(worst < 1e-4, `median off the planted point by ${worst}`);

  // A skewed 2-D cloud with no point of majority: search a grid, then a finer grid around its best point.
  const rng = new Rng(2);
  const n = 41;
  const pts = new Float32Array(n * 2);
  for (let r = 0; r < n; r++) {
    pts[r * 2] = r < 30 ? rng.normal(0, 1) : rng.uniform(6, 12);
    pts[r * 2 + 1] = r < 30 ? rng.normal(0, 1) : rng.uniform(-1, 8);
  }
  let best = [0, 0];
  let bestF = Infinity;
  for (let step = 0.05, lo = [-3, -3], span = 15; step >= 1e-4; step /= 10) {
    const start = [...lo];
    for (let a = start[0]!; a <= start[0]! + span; a += step) {
      for (let b = start[1]!; b <= start[1]! + span; b += step) {
        const f = sumDistances([a, b], pts, n, 2);
        if (f < bestF) [bestF, best] = [f, [a, b]];
      }
    }
    lo = [best[0]! - 10 * step, best[1]! - 10 * step];
    span = 20 * step;
  }
  const w = geometricMedian(pts, n, 2);
  assert.ok(Math.hypot(w[0]! - best[0]!, w[1]! - best[1]!) < 1e-3, `Weiszfeld ${Array.from(w)} vs grid ${best}`);
  assert.ok(sumDistances(w, pts, n, 2) <= bestF + 1e-6, 'Weiszfeld is at least as good as the grid');
});

test("sae-l1 starts b_dec at the data's geometric median (lr 0 leaves the initial weights in place)", async () => {
  const { x, c } = majorityPoint(16, 600, 400, 3);
  const sae = new SparseAutoencoder('l1', { nFeatures: 32, steps: 1, batchSize: 100, lr: 0, normalize: false }, 1, 16);
  await sae.fit(memoryStream(x, 16, 256), quiet);
  const bDec = sae.state().b_dec!.data;
  for (let j = 0; j < 16; j++) assert.ok(Math.abs(bDec[j]! - c[j]!) < 1e-4, `b_dec[${j}] = ${bDec[j]} vs median ${c[j]}`);
});

test('the resampling draw takes inputs with probability ∝ loss² (not ∝ loss)', () => {
  const only = pickByLossSquared([0, 0, 3, 0], 4, 50, new Rng(1));
  assert.ok(only.every((i) => i === 2), 'only the input with a loss is drawn');
  // Losses 1 and 2: ∝ loss² gives 1 : 4 (0.8 for the second), ∝ loss would give 1 : 2 (0.667).
  const picks = pickByLossSquared([1, 2], 2, 20000, new Rng(2));
  const second = picks.filter((i) => i === 1).length / picks.length;
  assert.ok(Math.abs(second - 0.8) < 0.01, `share of the larger loss: ${second}`);
  const uniform = pickByLossSquared([0, 0, 0], 3, 3000, new Rng(3));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(uniform.filter((v) => v === i).length / 3000 - 1 / 3) < 0.03, 'all losses 0: uniform');
});

test('after a resampling event: decoder rows are unit inputs, encoder rows 0.2 × the mean alive norm, b_enc = 0, Adam moments reset', async () => {
  const d = 16;
  const m = 128;
  const data = plantedData(2, d, 48, 2000, 3);
  const saves: { step: number; state: BasisState }[] = [];
  const messages: string[] = [];
  // Strong λ and a high learning rate kill latents before step 100; the checkpoint at step 100 is written right
  // after that step's resampling, so it holds the resampled weights and moments.
  const sae = new SparseAutoencoder('l1', { nFeatures: m, steps: 110, batchSize: 64, lr: 1e-2, l1Coefficient: 1, deadWindow: 15, resampleSteps: [100], resampleRows: 512, checkpointEvery: 100, shuffleBufferRows: 500 }, 4, d);
  await sae.fit(memoryStream(data.data, d, 300), {
    progress: (p) => p.message && messages.push(p.message),
    throwIfCancelled() {},
    checkpoint: { save: (step, state) => saves.push({ step, state }), load: () => null },
  });
  const said = messages.map((msg) => /^Resampled (\d+) dead latents at step 100/.exec(msg)).find(Boolean);
  assert.ok(said, messages.join('; '));
  const nResampled = Number(said[1]);
  assert.ok(nResampled > 0 && nResampled < m, `some but not all latents resampled: ${nResampled}`);
  const s = saves.find((c) => c.step === 100)!.state;
  const scale = s.norm_scale!.data[0]!;
  const W = (name: string) => s[name]!.data;
  // Resampled latents are recognised by their decoder row being a unit-normalised input row.
  const resampled: number[] = [];
  for (let j = 0; j < m; j++) {
    for (let r = 0; r < data.rows; r++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += W('W_dec')[j * d + i]! * data.data[r * d + i]! * scale;
      if (Math.abs(dot / (rowNorm(data.data, r, d) * scale) - 1) < 1e-6) {
        resampled.push(j);
        break;
      }
    }
  }
  assert.equal(resampled.length, nResampled, 'the decoder rows of exactly the resampled latents are inputs');
  const encNorm = (j: number) => {
    let t = 0;
    for (let i = 0; i < d; i++) t += W('W_enc')[i * m + j]! ** 2;
    return Math.sqrt(t);
  };
  const isResampled = new Set(resampled);
  let aliveSum = 0;
  for (let j = 0; j < m; j++) if (!isResampled.has(j)) aliveSum += encNorm(j);
  const target = (0.2 * aliveSum) / (m - nResampled);
  let aliveMoments = 0;
  for (let j = 0; j < m; j++) {
    const moments = ['m_W_enc', 'v_W_enc'].flatMap((n) => Array.from({ length: d }, (_, i) => W(n)[i * m + j]!))
      .concat(['m_W_dec', 'v_W_dec'].flatMap((n) => Array.from(W(n).subarray(j * d, (j + 1) * d))))
      .concat([W('m_b_enc')[j]!, W('v_b_enc')[j]!]);
    if (!isResampled.has(j)) {
      if (moments.some((v) => v !== 0)) aliveMoments++;
      continue;
    }
    assert.ok(Math.abs(encNorm(j) / target - 1) < 1e-5, `latent ${j}: encoder norm ${encNorm(j)} vs 0.2 × mean alive ${target}`);
    let cos = 0;
    for (let i = 0; i < d; i++) cos += (W('W_enc')[i * m + j]! / encNorm(j)) * W('W_dec')[j * d + i]!;
    assert.ok(cos > 1 - 1e-6, `latent ${j}: encoder row along its new decoder row`);
    assert.equal(W('b_enc')[j], 0, `latent ${j}: b_enc = 0`);
    assert.ok(moments.every((v) => v === 0), `latent ${j}: Adam moments reset`);
    assert.equal(s.last_fired!.data[j], 100, `latent ${j}: counted alive from the resampling step`);
  }
  assert.ok(aliveMoments > 0, 'latents that were not resampled keep their moments (the check can tell)');
});

test('the decoder gradient Adam receives is the loss gradient minus its component along each (unit) dictionary row', async () => {
  for (const kind of ['l1', 'topk'] as SaeKind[]) {
    const d = 6;
    const m = 10;
    const batch = 8;
    const beta1 = 0.9;
    const shapes = saeParamShapes(d, m);
    const rng = new Rng(kind === 'l1' ? 31 : 32);
    const feeds: Record<string, ort.Tensor> = {};
    const put = (name: string, shape: number[], data: Float32Array) => (feeds[name] = new ort.Tensor('float32', data, shape));
    for (const p of SAE_PARAMS) put(p, shapes[p], Float32Array.from({ length: shapes[p].reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.7)));
    const wDec = feeds.W_dec!.data as Float32Array;
    for (let j = 0; j < m; j++) {
      const nrm = rowNorm(wDec, j, d);
      for (let i = 0; i < d; i++) wDec[j * d + i]! /= nrm;
    }
    put('x', [batch, d], Float32Array.from({ length: batch * d }, () => rng.normal()));
    // sae-topk's aux loss is switched off (coef 0): its target is computed inside the step, not fed.
    put('coef', [], Float32Array.of(kind === 'l1' ? 0.3 : 0));
    if (kind === 'topk') put('dead', [m], new Float32Array(m));
    const grad = await ort.InferenceSession.create(buildSaeGradGraph({ d, m, kind, k: 3, kAux: 2, batch }, 'float32'), { intraOpNumThreads: 1 });
    const gradFeeds = { ...feeds, ...(kind === 'topk' ? { residual: new ort.Tensor('float32', new Float32Array(batch * d), [batch, d]) } : {}) };
    const g = (await grad.run(gradFeeds))['grad_W_dec']!.data as Float32Array;
    await grad.release();

    const { bytes } = buildSaeStepGraph({ d, m, kind, k: 3, kAux: 2, batch, adam: { beta1, beta2: 0.999, eps: 1e-8 } });
    const step = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    for (const p of SAE_PARAMS) {
      put(`m_${p}`, shapes[p], new Float32Array(shapes[p].reduce((a, b) => a * b, 1)));
      put(`v_${p}`, shapes[p], new Float32Array(shapes[p].reduce((a, b) => a * b, 1)));
    }
    put('lr', [], Float32Array.of(1e-3));
    put('t', [], Float32Array.of(1));
    const out = await step.run(feeds);
    await step.release();
    // With zero moments, Adam's first moment after one step is (1 − β1) × the gradient it was given.
    const applied = (out['m_W_dec_next']!.data as Float32Array).map((v) => v / (1 - beta1));
    for (let j = 0; j < m; j++) {
      let along = 0;
      let gAlong = 0;
      for (let i = 0; i < d; i++) {
        along += applied[j * d + i]! * wDec[j * d + i]!;
        gAlong += g[j * d + i]! * wDec[j * d + i]!;
      }
      const size = Math.max(rowNorm(applied, j, d), 1e-12);
      assert.ok(Math.abs(along) <= 1e-5 * Math.max(size, rowNorm(g, j, d)), `${kind} row ${j}: applied gradient · row = ${along}`);
      if (j === 0) assert.ok(Math.abs(gAlong) > 1e-3 * rowNorm(g, j, d), `${kind}: the raw gradient has a parallel part to remove`);
      for (let i = 0; i < d; i++) {
        const want = g[j * d + i]! - gAlong * wDec[j * d + i]!;
        assert.ok(Math.abs(applied[j * d + i]! - want) <= 1e-5 * Math.max(1, rowNorm(g, j, d)), `${kind} W_dec[${j},${i}]: ${applied[j * d + i]} vs ${want}`);
      }
      assert.ok(Math.abs(rowNorm(out['W_dec_next']!.data as Float32Array, j, d) - 1) < 1e-6, `${kind} row ${j} renormalised after the step`);
    }
  }
});

const lab = new Lab(() => undefined);
after(() => lab.shutdown());

test('the W_dec stored in the project after training has unit-norm rows (raw tensors, not directions())', async () => {
  const dir = tempDir();
  const data = plantedData(5, 16, 40, 800, 3);
  writeFileSync(join(dir, 'x.npy'), writeNpy(data.data, [data.rows, 16]));
  lab.openProject({ path: join(dir, 'mechanics.cajal'), create: true });
  const harvestId = (await lab.importActivations({ path: join(dir, 'x.npy') })).id;
  for (const method of ['sae-l1', 'sae-topk'] as const) {
    const started = lab.startFit({ harvestId, method, seed: 3, params: { nFeatures: 64, steps: 250, batchSize: 64, lr: 1e-2, ...(method === 'sae-topk' ? { k: 4 } : {}) } });
    const job = await lab.jobs.wait(started.jobId);
    assert.equal(job.status, 'done', job.error ?? '');
    const stored = loadBasisTensors(lab['db']!, started.basisId);
    const w = stored.W_dec!;
    assert.deepEqual(w.shape, [64, 16]);
    for (let j = 0; j < 64; j++) assert.ok(Math.abs(rowNorm(w.data, j, 16) - 1) < 1e-5, `${method} row ${j}: norm ${rowNorm(w.data, j, 16)}`);
  }
});
