// h14sae (#14 item 5): Adam outside the graph (train/adam-exact.ts, train/split-step.ts) gives bit for bit the
// numbers of Adam inside it (train/adam.ts): the update alone on adversarial values, and whole SAE training steps of
// every dense kind (parameters, both moments, metrics) — so checkpoints of either path are interchangeable.
// h14step: the WebAssembly SIMD kernel (train/adam-simd.ts) the split step runs is held to the same bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildSaeStepGraph, type SaeKind } from '../../main/bases/sae-graph';
import { GraphBuilder } from '../../main/onnx/builder';
import { adamScalars, adamUpdate } from '../../main/train/adam';
import { adamConstants, adamExact } from '../../main/train/adam-exact';
import { adamSimd, adamSimdAvailable } from '../../main/train/adam-simd'; // h14step
import { StepRunner } from '../../main/train/session';
import { SplitAdamStepRunner } from '../../main/train/split-step';
import { Rng } from '../../main/util/random';

function firstDifference(name: string, want: Float32Array, got: Float32Array): string | null {
  assert.equal(got.length, want.length, `${name}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(want[i], got[i])) return `${name}[${i}]: graph ${want[i]} vs split ${got[i]}`;
  return null;
}

test("adamExact and adamSimd equal adam.ts's nodes bit for bit (t = 1, 2, 7, 1000; moments near 0, huge and tiny gradients)", async () => {
  assert.ok(adamSimdAvailable(), 'this Node runs WebAssembly SIMD, so the kernel (not its scalar fallback) is what is tested');
  const n = 50_003; // h14step: three whole kernel chunks, a partial one, and a tail of 3 for the scalar pass
  const cfg = { beta1: 0.85, beta2: 0.995, eps: 1e-7 };
  const b = new GraphBuilder({ opset: 17 });
  for (const name of ['p', 'g', 'm', 'v']) b.input(name, 'float32', [n]);
  b.input('lr', 'float32', []);
  b.input('t', 'float32', []);
  const s = adamScalars(b, 'lr', 't', cfg);
  b.output(b.op('Identity', [s.mScale], {}, { output: 'mScale' }), 'float32', []);
  b.output(b.op('Identity', [s.epsHat], {}, { output: 'epsHat' }), 'float32', []);
  adamUpdate(b, s, { param: 'p', grad: 'g', m: 'm', v: 'v' }, cfg, 'float32', { param: 'p2', m: 'm2', v: 'v2' });
  for (const o of ['p2', 'm2', 'v2']) b.output(o, 'float32', [n]);
  const session = await ort.InferenceSession.create(b.toBytes(), { intraOpNumThreads: 2 });
  try {
    const rng = new Rng(14);
    for (const [t, lr] of [[1, 1e-3], [2, 3e-4], [7, 0.05], [1000, 1e-5]] as const) {
      const p = rng.fillNormal(new Float32Array(n)) as Float32Array;
      const g = new Float32Array(n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const scale = 10 ** ((i % 13) - 8); // gradients from 1e-8 to 1e4: √v against ε and overflow-free squares
        g[i] = i % 97 === 0 ? 0 : rng.normal() * scale;
        m[i] = i % 5 === 0 ? 0 : rng.normal() * scale * 0.1;
        v[i] = i % 7 === 0 ? 0 : (rng.normal() * scale) ** 2;
      }
      const feeds = { p, g, m, v };
      const out = await session.run({
        ...Object.fromEntries(Object.entries(feeds).map(([k, a]) => [k, new ort.Tensor('float32', a, [n])])),
        lr: new ort.Tensor('float32', Float32Array.of(lr), []),
        t: new ort.Tensor('float32', Float32Array.of(t), []),
      });
      const c = adamConstants(cfg, (out.mScale!.data as Float32Array)[0]!, (out.epsHat!.data as Float32Array)[0]!);
      // h14step: the SIMD kernel on copies, in place (out = p), the scalar pass into a separate output.
      const [pS, mS, vS] = [Float32Array.from(p), Float32Array.from(m), Float32Array.from(v)];
      adamSimd(pS, mS, vS, g, c);
      const pNew = new Float32Array(n);
      adamExact(p, m, v, g, c, pNew);
      const checks = [['p', out.p2, pNew], ['m', out.m2, m], ['v', out.v2, v], ['simd p', out.p2, pS], ['simd m', out.m2, mS], ['simd v', out.v2, vS]] as const;
      for (const [name, want, got] of checks) {
        const diff = firstDifference(`t=${t} ${name}`, want!.data as Float32Array, got);
        assert.equal(diff, null, diff ?? '');
      }
    }
  } finally {
    await session.release();
  }
});

test('the split SAE step (gradients out, Adam in one pass) ends every dense kind bit for bit where the one-graph step does', async () => {
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const cases: { kind: SaeKind; d: number; m: number; batch: number }[] = [
    { kind: 'l1', d: 48, m: 384, batch: 96 },
    { kind: 'topk', d: 16, m: 64, batch: 24 },
    { kind: 'batchtopk', d: 16, m: 64, batch: 24 },
    { kind: 'matryoshka', d: 16, m: 64, batch: 24 },
    { kind: 'jumprelu', d: 16, m: 64, batch: 24 },
    { kind: 'gated', d: 16, m: 64, batch: 24 },
  ];
  for (const { kind, d, m, batch } of cases) {
    const shape = { d, m, kind, k: 4, kAux: 8, nestLevels: 3, bandwidth: 0.05, batch, adam };
    const one = buildSaeStepGraph(shape);
    const split = buildSaeStepGraph({ ...shape, optimizer: 'js' });
    assert.deepEqual(split.spec.state, one.spec.state, `${kind}: the same state names and shapes (checkpoints interchangeable)`);
    const a = await StepRunner.create(one.bytes, one.spec, { intraOpThreads: 2 });
    const s = await SplitAdamStepRunner.create(split.bytes, split.spec, split.params, adam, { intraOpThreads: 2 });
    try {
      for (const r of [a, s]) {
        const rng = new Rng(3);
        for (const name of r.stateNames()) if (!name.startsWith('m_') && !name.startsWith('v_')) rng.fillNormal(r.state(name), 0, 0.3);
        r.state('W_dec').fill(0, 0, d); // a zero dictionary row: the renormalisation's 1e-12 floor
        (r.inputs.lr as Float32Array)[0] = 1e-2;
        (r.inputs.coef as Float32Array)[0] = kind === 'l1' ? 0.01 : kind === 'jumprelu' || kind === 'gated' ? 0.05 : 1 / 32;
        if (r.inputs.dead) for (let j = 0; j < m; j += 3) (r.inputs.dead as Float32Array)[j] = 1;
      }
      const xr = new Rng(4);
      for (let t = 1; t <= 4; t++) {
        const x = xr.fillNormal(new Float32Array(batch * d)) as Float32Array;
        for (const r of [a, s]) {
          (r.inputs.x as Float32Array).set(x);
          (r.inputs.t as Float32Array)[0] = t;
          await r.step();
        }
        for (const name of a.stateNames()) {
          const diff = firstDifference(`${kind} step ${t} ${name}`, a.state(name), s.state(name));
          assert.equal(diff, null, diff ?? '');
        }
        for (const name of Object.keys(a.outputs)) {
          const diff = firstDifference(`${kind} step ${t} metric ${name}`, a.outputs[name]!, s.outputs[name]!);
          assert.equal(diff, null, diff ?? '');
        }
      }
      assert.ok(a.outputs.loss![0]! > 0 && Number.isFinite(a.outputs.loss![0]!), `${kind}: a real loss`);
    } finally {
      await a.release();
      await s.release();
    }
  }
});
