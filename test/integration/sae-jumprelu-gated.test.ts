// h12jg (#12 item 1): the JumpReLU and Gated SAEs' training graphs. Every derivative that is a true derivative is
// checked against central finite differences of the same float64 graph; JumpReLU's threshold gradient is a
// straight-through pseudo-derivative (by definition not the derivative of the step), so it is checked against the
// paper's formulas evaluated independently here in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildSaeGradGraph, saeParamList, saeParamShapes, type SaeKind } from '../../main/bases/sae-graph';
import { Rng } from '../../main/util/random';

const d = 6;
const m = 10;
const batch = 5;

interface Fixture {
  session: ort.InferenceSession;
  feeds: Record<string, ort.Tensor>;
  vals: Record<string, Float64Array>;
  out: ort.InferenceSession.OnnxValueMapType;
}

async function setup(kind: SaeKind, bandwidth: number, seed: number): Promise<Fixture> {
  const session = await ort.InferenceSession.create(buildSaeGradGraph({ d, m, kind, batch, bandwidth }, 'float64'), { intraOpNumThreads: 1 });
  const rng = new Rng(seed);
  const shapes = saeParamShapes(d, m);
  const feeds: Record<string, ort.Tensor> = {};
  const vals: Record<string, Float64Array> = {};
  const put = (name: string, dims: number[], data: Float64Array) => {
    vals[name] = data;
    feeds[name] = new ort.Tensor('float64', data, dims);
  };
  for (const p of saeParamList(kind)) put(p, shapes[p], Float64Array.from({ length: shapes[p].reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.7)));
  // θ = exp(log θ) between about 0.2 and 0.8, so some pre-activations fall inside each kernel window.
  if (kind === 'jumprelu') vals.log_threshold!.forEach((_, j) => (vals.log_threshold![j] = Math.log(0.2 + (0.6 * j) / m)));
  put('x', [batch, d], Float64Array.from({ length: batch * d }, () => rng.normal()));
  put('coef', [], Float64Array.of(0.4));
  if (kind === 'gated') {
    // The auxiliary loss's frozen decoder: the same values as the decoder, but inputs the differences do not move.
    put('W_dec_frozen', shapes.W_dec, Float64Array.from(vals.W_dec!));
    put('b_dec_frozen', shapes.b_dec, Float64Array.from(vals.b_dec!));
  }
  return { session, feeds, vals, out: await session.run(feeds) };
}

async function fdRelError(fx: Fixture, p: string): Promise<number> {
  const analytic = fx.out[`grad_${p}`]!.data as Float64Array;
  const x = fx.vals[p]!;
  const eps = 1e-6;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + eps;
    const up = Number((await fx.session.run(fx.feeds, ['loss'])).loss!.data[0]);
    x[i] = x0 - eps;
    const down = Number((await fx.session.run(fx.feeds, ['loss'])).loss!.data[0]);
    x[i] = x0;
    const fd = (up - down) / (2 * eps);
    num += (fd - analytic[i]!) ** 2;
    den += fd * fd;
  }
  assert.ok(den > 0, `gradient of ${p} is not trivially zero`);
  return Math.sqrt(num / den);
}

test('sae-gated: gradients of every parameter (W_enc, b_gate, r_mag, b_mag, W_dec, b_dec) match finite differences, the auxiliary term through a frozen decoder', async () => {
  const fx = await setup('gated', 0, 8);
  for (const p of saeParamList('gated')) {
    const rel = await fdRelError(fx, p);
    assert.ok(rel < 1e-4, `d loss / d ${p}: relative error ${rel.toExponential(2)}`);
  }
  // The frozen copy is a real dependence the W_dec gradient leaves out: the loss moves with the frozen decoder.
  const w = fx.vals.b_dec_frozen!;
  const w0 = w[0]!;
  w[0] = w0 + 1e-3;
  const moved = Number((await fx.session.run(fx.feeds, ['loss'])).loss!.data[0]);
  w[0] = w0;
  assert.notEqual(moved, Number(fx.out.loss!.data[0]), 'the auxiliary term reads the frozen decoder');
  await fx.session.release();
});

test('sae-jumprelu: W_enc, b_enc, W_dec, b_dec gradients match finite differences; log θ gets the paper\'s rectangle-kernel pseudo-derivatives', async () => {
  const eps = 0.3;
  const fx = await setup('jumprelu', eps, 9);
  for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) {
    const rel = await fdRelError(fx, p);
    assert.ok(rel < 1e-4, `d loss / d ${p}: relative error ${rel.toExponential(2)}`);
  }
  // The reference, in float64 here: pre = (x − b_dec)·W_enc + b_enc; f = pre·H(pre − θ); e = f·W_dec + b_dec − x;
  // loss = Σe²/(B·d) + λ·Σ H / B. ∂loss/∂f = 2·e·W_decᵀ/(B·d); K_ij = 1[|pre_ij − θ_j| < ε/2];
  // ∂loss/∂log θ_j = θ_j · Σ_i K_ij·(∂loss/∂f_ij·(−θ_j/ε) + (λ/B)·(−1/ε)).
  const v = fx.vals;
  const lambda = 0.4;
  const theta = v.log_threshold!.map(Math.exp);
  const pre = new Float64Array(batch * m);
  const f = new Float64Array(batch * m);
  let l0 = 0;
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < m; j++) {
      let s = v.b_enc![j]!;
      for (let k = 0; k < d; k++) s += (v.x![i * d + k]! - v.b_dec![k]!) * v.W_enc![k * m + j]!;
      pre[i * m + j] = s;
      const on = s > theta[j]!;
      f[i * m + j] = on ? s : 0;
      if (on) l0++;
    }
  }
  const e = new Float64Array(batch * d);
  let sq = 0;
  for (let i = 0; i < batch; i++) {
    for (let k = 0; k < d; k++) {
      let s = v.b_dec![k]! - v.x![i * d + k]!;
      for (let j = 0; j < m; j++) s += f[i * m + j]! * v.W_dec![j * d + k]!;
      e[i * d + k] = s;
      sq += s * s;
    }
  }
  const loss = sq / (batch * d) + (lambda * l0) / batch;
  assert.ok(Math.abs(Number(fx.out.loss!.data[0]) - loss) < 1e-12 * Math.max(1, loss), 'the forward loss is exactly JumpReLU + L0');
  const ref = new Float64Array(m);
  let inWindow = 0;
  for (let j = 0; j < m; j++) {
    let g = 0;
    for (let i = 0; i < batch; i++) {
      if (!(Math.abs(pre[i * m + j]! - theta[j]!) < eps / 2)) continue;
      inWindow++;
      let gf = 0;
      for (let k = 0; k < d; k++) gf += (2 * e[i * d + k]! * v.W_dec![j * d + k]!) / (batch * d);
      g += gf * (-theta[j]! / eps) + (lambda / batch) * (-1 / eps);
    }
    ref[j] = theta[j]! * g;
  }
  assert.ok(inWindow >= 3, `some pre-activations fall inside the kernel window (${inWindow})`);
  const got = fx.out.grad_log_threshold!.data as Float64Array;
  for (let j = 0; j < m; j++) assert.ok(Math.abs(got[j]! - ref[j]!) < 1e-12 * Math.max(1, Math.abs(ref[j]!)), `log θ[${j}]: ${got[j]} vs reference ${ref[j]}`);
  assert.ok(ref.some((g) => g !== 0), 'the reference is not all zero');
  await fx.session.release();
});

test('sae-gated resamples dead latents as its paper trains (Bricken et al.): the gate bias of each restarts at −θ₀ (h12gm), r_mag and b_mag at 0', async () => {
  const { SparseAutoencoder } = await import('../../main/bases/sae');
  const { memoryStream } = await import('../../main/bases/stream');
  const { plantedData } = await import('./sae-planted');
  const small = plantedData(2, 16, 48, 2000, 3);
  // A strong λ kills latents; the resample at the last step leaves its work visible in the final weights.
  const sae = new SparseAutoencoder('gated', { nFeatures: 64, steps: 200, batchSize: 64, lr: 3e-2, l1Coefficient: 30, deadWindow: 15, resampleSteps: [200], resampleRows: 512 }, 3, 16);
  const messages: string[] = [];
  await sae.fit(memoryStream(small.data, 16), { progress: (p) => p.message && messages.push(p.message), throwIfCancelled() {} });
  const n = Number(/^Resampled (\d+) dead latents at step 200/.exec(messages.find((msg) => msg.startsWith('Resampled')) ?? '')?.[1] ?? 0);
  assert.ok(n > 0, `some latents were resampled (${messages.join('; ')})`);
  const w = sae.weights!;
  let restarted = 0;
  // h12gm: b_gate restarts at −θ₀ in the graph's units (inputs at mean norm √d = 4 here), θ₀ the default 0.1.
  const gate0 = Math.fround(-0.1 * 4);
  for (let j = 0; j < 64; j++) if (w.b_enc[j] === gate0 && w.r_mag![j] === 0 && w.b_mag![j] === 0) restarted++;
  assert.equal(restarted, n, 'exactly the resampled latents have gate bias back at −θ₀ and r_mag, b_mag back at 0');
  assert.ok(w.r_mag!.some((v) => v !== 0), 'the other latents trained r_mag away from 0');
});
