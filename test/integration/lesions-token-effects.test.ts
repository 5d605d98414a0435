// Output effects of a text feature (#13 item 4) on the shipped lab transformer (resources/models/lab-lm.onnx) and
// real onnxruntime, with known answers: ablating neuron f through the effects path equals zero-ablating unit f by
// hand through the token splice (keep[f] = 0), averaged exactly over the positions where f fires (not all of them);
// steering with α = 0 changes nothing; a feature that fires nowhere is refused in one sentence; and a planted direction — the hidden-layer direction whose write into the
// residual stream points along one byte's (centred) unembedding through the final layer norm's gain — raises that
// byte's probability most when steered.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { NeuronBasis } from '../../main/bases/neurons';
import { RandomBasis } from '../../main/bases/random';
import { tokenFeatureEffects } from '../../main/lesions/token-effects';
import { cleanName, SPLICE_INPUTS, SPLICE_LOGPROBS, spliceTokenModel } from '../../main/lesions/token-splice';
import { parseModel, serializeModel } from '../../main/onnx/model';
import { createSession } from '../../main/onnx/session';
import { tensorProtoToFloat32 } from '../../main/onnx/tensor-proto';
import { openTextCorpus, tokenFeeds, planTokenModel, type TextSpec } from '../../main/text';
import { repoRoot, tempDir } from '../helpers/fixtures';

const L = 128;
const N = 6;
const H = 512;
const V = 256;
const dir = tempDir('cajal-token-effects-');
const modelPath = join(repoRoot, 'resources/models/lab-lm.onnx');
const bytes = readFileSync(modelPath);
const textPath = join(dir, 'heldout.txt');
writeFileSync(textPath, readFileSync(join(repoRoot, 'resources/models/lab-lm-heldout.txt')).subarray(0, N * L));
const spec: TextSpec = { kind: 'text', path: textPath, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: 32, seed: 0 };
const corpus = openTextCorpus(spec);
const contexts = Array.from({ length: N }, (_, i) => i);
const base = { modelBytes: bytes, modelLabel: 'lab-lm', corpus, tensor: 'mlp_hidden', output: 'logits', contexts, scale: 1 };

/** The spliced model run by hand over contexts 0..N−1 with the given keep (length H) and nothing added. */
async function handRun(keep: Float32Array): Promise<{ lp: Float32Array; x: Float32Array }> {
  const proto = parseModel(bytes, 'lab-lm');
  const session = await createSession(serializeModel(spliceTokenModel(proto, 'mlp_hidden', 'logits')));
  try {
    const feeds = { ...tokenFeeds(corpus, planTokenModel(proto), 0, N) };
    feeds[SPLICE_INPUTS.keep] = new ort.Tensor('float32', keep, [H]);
    feeds[SPLICE_INPUTS.add] = new ort.Tensor('float32', new Float32Array(H), [1, 1, H]);
    const out = await session.run(feeds, [SPLICE_LOGPROBS, cleanName('mlp_hidden')]);
    return { lp: out[SPLICE_LOGPROBS]!.data as Float32Array, x: out[cleanName('mlp_hidden')]!.data as Float32Array };
  } finally {
    await session.release();
  }
}

test('ablating a neuron equals zero-ablating its unit by hand, averaged over exactly the positions where it fires; α = 0 changes nothing', async (t) => {
  const clean = await handRun(new Float32Array(H).fill(1));
  // The neuron that fires at the most positions short of a third of them: a selective unit with many positions.
  const firing = Array.from({ length: H }, (_, u) => {
    let n = 0;
    for (let r = 0; r < N * L; r++) if (clean.x[r * H + u]! > 0) n++;
    return n;
  });
  const f = firing.map((n, u) => [n, u] as const).filter(([n]) => n < (N * L) / 3).sort((a, b) => b[0] - a[0] || a[1] - b[1])[0]![1];
  const keep = new Float32Array(H).fill(1);
  keep[f] = 0;
  const ablated = await handRun(keep);
  const expected = new Float64Array(V);
  const overAll = new Float64Array(V);
  let count = 0;
  for (let r = 0; r < N * L; r++) {
    for (let v = 0; v < V; v++) overAll[v]! += (ablated.lp[r * V + v]! - clean.lp[r * V + v]!) / (N * L);
    if (!(clean.x[r * H + f]! > 0)) continue;
    count++;
    for (let v = 0; v < V; v++) expected[v]! += ablated.lp[r * V + v]! - clean.lp[r * V + v]!;
  }
  for (let v = 0; v < V; v++) expected[v]! /= count;

  const started = performance.now();
  const e = await tokenFeatureEffects({ ...base, basis: new NeuronBasis(0, H), basisLabel: 'neurons', feature: f, alpha: 0 });
  const ms = performance.now() - started;
  t.diagnostic(`neuron ${f}: fires at ${e.positions} of ${N * L} positions; effects of ${N} contexts in ${ms.toFixed(0)} ms`);
  t.diagnostic(`ablated, most lowered: ${e.ablate.lowered.slice(0, 5).map((x) => `${JSON.stringify(x.text)} ${x.deltaProb.toFixed(4)}`).join(', ')}`);
  t.diagnostic(`ablated, most raised: ${e.ablate.raised.slice(0, 5).map((x) => `${JSON.stringify(x.text)} +${x.deltaProb.toFixed(4)}`).join(', ')}`);
  assert.equal(e.positions, count, 'measured at the positions where the neuron fires');
  assert.ok(count > 0 && count < N * L);
  let worst = 0;
  let worstAll = 0;
  for (let v = 0; v < V; v++) {
    worst = Math.max(worst, Math.abs(e.ablate.deltaLogProb[v]! - expected[v]!));
    worstAll = Math.max(worstAll, Math.abs(e.ablate.deltaLogProb[v]! - overAll[v]!));
  }
  assert.ok(worst < 1e-5, `ablation through the effects path vs by hand: max |Δ log p| difference ${worst}`);
  assert.ok(worstAll > 1e-3, `averaging over every position would differ (${worstAll})`);
  assert.ok(e.ablate.lowered.length > 0 && e.ablate.raised.length > 0);
  for (let i = 1; i < e.ablate.lowered.length; i++) assert.ok(e.ablate.lowered[i]!.deltaProb >= e.ablate.lowered[i - 1]!.deltaProb, 'most lowered first');
  assert.ok(e.ablate.lowered.every((x) => x.deltaProb < 0 && x.deltaProb === e.ablate.deltaProb[x.id]));
  // α = 0: the steered run adds nothing, so nothing changes.
  assert.ok(e.steer.deltaProb.every((d) => d === 0) && e.steer.deltaLogProb.every((d) => d === 0), 'α = 0 leaves every next-byte probability as it was');
  assert.equal(e.steer.raised.length + e.steer.lowered.length, 0);
  // A direction the (non-negative) hidden layer never projects positively on fires nowhere: one sentence.
  const never = new Float32Array(H);
  never[f] = -1;
  await assert.rejects(
    tokenFeatureEffects({ ...base, basis: new RandomBasis({ nComponents: 1 }, 0, H).setDirections(never), basisLabel: 'Basis 9 (never)', feature: 0, alpha: 2 }),
    { message: 'Feature 0 of Basis 9 (never) does not fire (activation > 0) at any token of the chosen contexts, so it has no output effect there.' },
  );
});

test('steering along a planted direction that writes one byte\'s unembedding raises that byte the most', async (t) => {
  const proto = parseModel(bytes, 'lab-lm');
  const w = (name: string) => tensorProtoToFloat32(proto.graph!.initializer!.find((i) => i.name === name)!);
  const w2 = w('w2'); // [H, d]
  const g = w('lnf_g');
  const U = w('unembed'); // [d, V]
  const d = g.length;
  const G = new Float64Array(d * d);
  for (let u = 0; u < H; u++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) G[i * d + j]! += w2[u * d + i]! * w2[u * d + j]!;
  const planted = (byte: number): Float32Array => {
    // r = centred(g ⊙ (U[:, b] − mean_v U[:, v])): the residual direction whose final-norm image raises logit b most.
    const r = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let mean = 0;
      for (let v = 0; v < V; v++) mean += U[j * V + v]! / V;
      r[j] = g[j]! * (U[j * V + byte]! - mean);
    }
    const rm = r.reduce((a, b) => a + b, 0) / d;
    for (let j = 0; j < d; j++) r[j]! -= rm;
    // The hidden direction h with w2ᵀ·h = r exactly (the least-norm one, h = w2 (w2ᵀw2)⁻¹ r), unit length.
    const y = solve(G, r, d);
    const h = new Float32Array(H);
    for (let u = 0; u < H; u++) for (let j = 0; j < d; j++) h[u]! += w2[u * d + j]! * y[j]!;
    const norm = Math.hypot(...h);
    return h.map((v) => v / norm);
  };
  const results: string[] = [];
  for (const ch of ['e', 'q', 'Z', '<']) {
    const byte = ch.charCodeAt(0);
    const basis = new RandomBasis({ nComponents: 1 }, 0, H).setDirections(planted(byte));
    const e = await tokenFeatureEffects({ ...base, basis, basisLabel: `planted ${ch}`, feature: 0, alpha: 30 });
    results.push(`${ch}: top raised ${JSON.stringify(e.steer.raised[0]?.text)} +${e.steer.raised[0]?.deltaProb.toFixed(3)} over ${e.positions} positions`);
    assert.equal(e.steer.raised[0]?.id, byte, `steering along the planted direction of "${ch}" raises "${ch}" most (got ${e.steer.raised[0]?.text})`);
    const byLogProb = e.steer.deltaLogProb.indexOf(Math.max(...e.steer.deltaLogProb));
    assert.equal(byLogProb, byte, `and its log-probability most`);
  }
  t.diagnostic(results.join('; '));
});

/** Solves A y = b (A n×n, symmetric positive definite here) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A);
  const y = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k]!, a[c * n + k]!];
      [y[c], y[p]] = [y[p]!, y[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const m = a[r * n + c]! / a[c * n + c]!;
      for (let k = c; k < n; k++) a[r * n + k]! -= m * a[c * n + k]!;
      y[r]! -= m * y[c]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = y[c]!;
    for (let k = c + 1; k < n; k++) s -= a[c * n + k]! * y[k]!;
    y[c] = s / a[c * n + c]!;
  }
  return y;
}
