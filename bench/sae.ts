// SAE training throughput (sae-l1 steps/s: forward, loss, gradients, decoder-gradient projection in one ORT call,
// then Adam as one fused pass per parameter and the renormalisation — the split step sae.ts trains with on the CPU,
// main/train/split-step.ts; the one-graph step with Adam as ORT nodes is measured beside it) beside (1) PyTorch on the CPU doing the same step with autograd + Adam,
// same thread count, and (2) a bare ORT MatMul of the step's size, to express our matrix-product rate as a
// fraction of what ORT's GEMM reaches alone on this machine.
//
// The machine is shared and its load swings by 2–5× within a minute, so every contender is measured in short
// bursts, interleaved (ours, bare MatMul, PyTorch, ours, …; PyTorch runs in one long-lived python process that
// answers a burst request per line), and each reports its best burst. Ratios therefore compare contenders under
// the same conditions. Bursts are separated by short pauses so that one contender's idle, spinning worker threads
// do not slow the next.
//
// FLOPs counted per step are the matrix products the graph executes: forward x̄·W_enc and f·W_dec (2·B·d·m each),
// backward ∂W_dec = fᵀ·∂x̂, ∂f = ∂x̂·W_decᵀ, ∂W_enc = x̄ᵀ·∂pre (2·B·d·m each): 10·B·d·m. (The conventional
// "backward = 2× forward" count would be 12·B·d·m; the graph skips ∂x, which no parameter needs: b_dec's
// encoder-side gradient is −(Σ_rows ∂pre)·W_encᵀ, a 1×m product.)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import { buildSaeStepGraph, type SaeGradImpl } from '../main/bases/sae-graph';
import { GraphBuilder } from '../main/onnx/builder';
import { createSession } from '../main/onnx/session';
import { adamScalars, adamUpdate } from '../main/train/adam';
import { StepRunner, createStepSession, type StateSpec } from '../main/train/session';
import { adamConstants, adamExact } from '../main/train/adam-exact';
import { adamSimd } from '../main/train/adam-simd'; // h14step
import { SplitAdamStepRunner } from '../main/train/split-step';
import { Rng } from '../main/util/random';
import type { Row } from './table';

export type { Row };

interface Config {
  d: number;
  m: number;
  batch: number;
}

const CONFIGS: Config[] = [
  { d: 512, m: 4096, batch: 1024 },
  { d: 128, m: 1024, batch: 512 },
];

/** Interleaved rounds; each contender runs for about BURST_S seconds per round (at least one call). */
const ROUNDS = 6;
const BURST_S = 0.6;
const GAP_MS = 250;

/** Calls per second of `fn` over one burst of about `seconds` (at least `minCalls` calls). */
async function burst(fn: () => Promise<void>, seconds: number, minCalls = 1): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (n < minCalls || performance.now() - t0 < seconds * 1000) {
    await fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

interface Contender {
  name: string;
  /** Runs one burst, returns its rate (calls/s), or null when the contender is unavailable. */
  burst: () => Promise<number | null>;
  rates: number[];
  close: () => Promise<void>;
  /** h14sae: CPU time per call (ms, every thread of this process), one entry per burst: less swayed by load than wall time. */
  cpuMs?: number[];
}

/**
 * The sae-l1 step. h14sae (#14 item 5): optimizer 'js' (the default, as sae.ts trains on the CPU) is the split step —
 * the graph stops at the gradients and Adam runs as one fused pass per parameter (main/train/split-step.ts); 'graph'
 * is the one-graph step with Adam as nodes (StepRunner; also what freshOutputs measures).
 */
async function saeStepContender(name: string, c: Config, threads: number, o: { impl?: SaeGradImpl; freshOutputs?: boolean; spinning?: boolean; optimizer?: 'graph' | 'js'; scalarAdam?: boolean } = {}): Promise<Contender> {
  const optimizer = o.freshOutputs ? 'graph' : (o.optimizer ?? 'js');
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const { bytes, spec, params } = buildSaeStepGraph({ d: c.d, m: c.m, kind: 'l1', batch: c.batch, impl: o.impl, adam, optimizer });
  const runOpts = { intraOpThreads: threads, freshOutputs: o.freshOutputs, spinning: o.spinning, scalarAdam: o.scalarAdam };
  const runner = optimizer === 'js' ? await SplitAdamStepRunner.create(bytes, spec, params, adam, runOpts) : await StepRunner.create(bytes, spec, runOpts);
  const rng = new Rng(1);
  const wDec = runner.state('W_dec');
  const wEnc = runner.state('W_enc');
  rng.fillNormal(wDec, 0, 1 / Math.sqrt(c.d));
  for (let i = 0; i < c.m; i++) for (let j = 0; j < c.d; j++) wEnc[j * c.m + i] = wDec[i * c.d + j]!;
  rng.fillNormal(runner.inputs.x as Float32Array);
  (runner.inputs.lr as Float32Array)[0] = 1e-4;
  (runner.inputs.coef as Float32Array)[0] = 1e-3;
  let t = 0;
  const step = async () => {
    (runner.inputs.t as Float32Array)[0] = ++t;
    await runner.step();
  };
  for (let i = 0; i < 2; i++) await step();
  const cpuMs: number[] = [];
  const timed = async () => {
    const c0 = process.cpuUsage();
    let n = 0;
    const rate = await burst(async () => {
      await step();
      n++;
    }, BURST_S);
    const used = process.cpuUsage(c0);
    cpuMs.push((used.user + used.system) / 1000 / n);
    return rate;
  };
  return { name, rates: [], cpuMs, burst: timed, close: () => runner.release() };
}

/**
 * A bare ORT MatMul [B, d] × [d, m] with pre-allocated output; its rate is reported in GFLOP/s. h14step: ORT's
 * default session spins its idle threads (spinning = undefined); the step does not (StepRunnerOptions.spinning).
 * Spinning wins on an idle machine and loses under load, so the bench runs the bare MatMul both ways and takes the
 * faster as the bound; CPU time is compared with the non-spinning one (a spinning thread burns CPU while it waits).
 */
async function bareMatmulContender(c: Config, threads: number, spinning?: boolean): Promise<Contender> {
  const b = new GraphBuilder({ opset: 17 });
  b.input('a', 'float32', [c.batch, c.d]);
  b.input('w', 'float32', [c.d, c.m]);
  b.output(b.matmul('a', 'w', 'y'), 'float32', [c.batch, c.m]);
  const session = spinning === undefined ? await createSession(b.toBytes(), { intraOpThreads: threads }) : await createStepSession(b.toBytes(), { intraOpThreads: threads, spinning });
  const rng = new Rng(2);
  const feeds = {
    a: new ort.Tensor('float32', rng.fillNormal(new Float32Array(c.batch * c.d)) as Float32Array, [c.batch, c.d]),
    w: new ort.Tensor('float32', rng.fillNormal(new Float32Array(c.d * c.m)) as Float32Array, [c.d, c.m]),
  };
  const fetches = { y: new ort.Tensor('float32', new Float32Array(c.batch * c.m), [c.batch, c.m]) };
  const run = async () => {
    await session.run(feeds, fetches);
  };
  for (let i = 0; i < 3; i++) await run();
  const flops = 2 * c.batch * c.d * c.m;
  // h14step: CPU time per call as for the step, so the two can also be compared by CPU time (see benchSae).
  const cpuMs: number[] = [];
  const timed = async () => {
    const c0 = process.cpuUsage();
    let n = 0;
    const rate = await burst(
      async () => {
        await run();
        n++;
      },
      BURST_S / 2,
      3,
    );
    const used = process.cpuUsage(c0);
    cpuMs.push((used.user + used.system) / 1000 / n);
    return (rate * flops) / 1e9;
  };
  return { name: 'bare', rates: [], cpuMs, burst: timed, close: () => session.release() };
}

/**
 * The step's five matrix products alone, with the step's shapes and transposes (x̄·W_enc, f·W_dec, fᵀ·∂x̂,
 * ∂x̂·W_decᵀ, x̄ᵀ·∂pre) in one graph, and ORT's threading set as for the step: the most the step could reach if
 * every elementwise pass (ReLU mask, Adam, projection, renormalisation) cost nothing. Rate in GFLOP/s.
 */
async function stepGemmsContender(c: Config, threads: number): Promise<Contender> {
  const { batch: B, d, m } = c;
  const b = new GraphBuilder({ opset: 17 });
  b.input('x', 'float32', [B, d]);
  b.input('We', 'float32', [d, m]);
  b.input('Wd', 'float32', [m, d]);
  b.input('f', 'float32', [B, m]);
  b.input('e', 'float32', [B, d]);
  const outs: [string, number[]][] = [
    [b.gemm('x', 'We'), [B, m]],
    [b.gemm('f', 'Wd'), [B, d]],
    [b.gemm('f', 'e', undefined, { transA: true }), [m, d]],
    [b.gemm('e', 'Wd', undefined, { transB: true }), [B, m]],
    [b.gemm('x', 'f', undefined, { transA: true }), [d, m]],
  ];
  outs.forEach(([name, shape], i) => b.output(b.op('Identity', [name], {}, { output: `o${i}` }), 'float32', shape));
  const runner = await StepRunner.create(b.toBytes(), { state: [], inputs: [{ name: 'x', shape: [B, d] }, { name: 'We', shape: [d, m] }, { name: 'Wd', shape: [m, d] }, { name: 'f', shape: [B, m] }, { name: 'e', shape: [B, d] }], outputs: outs.map(([, shape], i) => ({ name: `o${i}`, shape })) }, { intraOpThreads: threads });
  const rng = new Rng(3);
  for (const name of ['x', 'We', 'Wd', 'f', 'e']) rng.fillNormal(runner.inputs[name] as Float32Array);
  const run = () => runner.step();
  for (let i = 0; i < 2; i++) await run();
  const flops = 10 * B * d * m;
  return { name: 'gemms', rates: [], burst: async () => ((await burst(run, BURST_S, 1)) * flops) / 1e9, close: () => runner.release() };
}

/**
 * The step's Adam update alone (#14 item 5): the same parameters (W_enc, b_enc, W_dec, b_dec) and moments as
 * state, gradients as inputs, the same adamUpdate nodes and threads. Its rate, beside the step's, says what share
 * of the step the optimiser's elementwise passes take. Rate in updates/s.
 */
async function adamContender(c: Config, threads: number): Promise<Contender> {
  const { d, m } = c;
  const shapes: Record<string, number[]> = { W_enc: [d, m], b_enc: [m], W_dec: [m, d], b_dec: [d] };
  const b = new GraphBuilder({ opset: 17 });
  const state: StateSpec[] = [];
  for (const [n, shape] of Object.entries(shapes)) {
    for (const name of [n, `m_${n}`, `v_${n}`]) {
      b.input(name, 'float32', shape);
      state.push({ input: name, output: `${name}_next`, shape });
    }
    b.input(`g_${n}`, 'float32', shape);
  }
  b.input('lr', 'float32', []);
  b.input('t', 'float32', []);
  const sc = adamScalars(b, 'lr', 't');
  for (const [n, shape] of Object.entries(shapes)) {
    adamUpdate(b, sc, { param: n, grad: `g_${n}`, m: `m_${n}`, v: `v_${n}` }, {}, 'float32', { param: `${n}_next`, m: `m_${n}_next`, v: `v_${n}_next` });
    for (const name of [n, `m_${n}`, `v_${n}`]) b.output(`${name}_next`, 'float32', shape);
  }
  const inputs = [...Object.entries(shapes).map(([n, shape]) => ({ name: `g_${n}`, shape })), { name: 'lr', shape: [] }, { name: 't', shape: [] }];
  const runner = await StepRunner.create(b.toBytes(), { state, inputs, outputs: [] }, { intraOpThreads: threads });
  const rng = new Rng(5);
  for (const n of Object.keys(shapes)) rng.fillNormal(runner.inputs[`g_${n}`] as Float32Array);
  (runner.inputs.lr as Float32Array)[0] = 1e-4;
  let t = 0;
  const run = async () => {
    (runner.inputs.t as Float32Array)[0] = ++t;
    await runner.step();
  };
  for (let i = 0; i < 2; i++) await run();
  return { name: 'adam', rates: [], burst: () => burst(run, BURST_S / 2, 3), close: () => runner.release() };
}

/**
 * The same Adam arithmetic as one fused JavaScript pass per parameter (one thread), float32-exact: adamExact
 * (main/train/adam-exact.ts), what the split step runs after its graph. Rate in updates/s.
 */
function adamJsContender(c: Config, pass: typeof adamExact = adamExact, name = 'adam-js'): Contender {
  const sizes = [c.d * c.m, c.m, c.m * c.d, c.d];
  const rng = new Rng(6);
  const params = sizes.map((n) => ({ p: new Float32Array(n), g: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) }));
  for (const x of params) rng.fillNormal(x.g);
  let t = 0;
  const run = async () => {
    t++;
    const sqrtBc2 = Math.fround(Math.sqrt(1 - 0.999 ** t));
    const k = adamConstants({}, Math.fround((1e-4 / (1 - 0.9 ** t)) * sqrtBc2), Math.fround(1e-8 * sqrtBc2));
    for (const { p, g, m, v } of params) pass(p, m, v, g, k);
  };
  return { name, rates: [], burst: () => burst(run, BURST_S / 2, 3), close: async () => undefined };
}

// The same step in PyTorch: one process per configuration, one burst per request line ("<seconds>\n" → a JSON
// line with stepsPerSecond).
const TORCH_SCRIPT = String.raw`
import json, sys, time
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "torch is not installed: " + str(e)}), flush=True); sys.exit(0)
d, m, B, threads = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)
W_dec = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(m, d), dim=1))
W_enc = torch.nn.Parameter(W_dec.detach().t().clone())
b_enc = torch.nn.Parameter(torch.zeros(m))
b_dec = torch.nn.Parameter(torch.zeros(d))
opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=1e-4)
x = torch.randn(B, d)
lam = 1e-3
def step():
    opt.zero_grad(set_to_none=True)
    f = torch.relu((x - b_dec) @ W_enc + b_enc)
    xhat = f @ W_dec + b_dec
    loss = (xhat - x).pow(2).mean() + lam * f.abs().sum(1).mean()
    loss.backward()
    with torch.no_grad():
        g = W_dec.grad
        g -= (g * W_dec).sum(1, keepdim=True) * W_dec
    opt.step()
    with torch.no_grad():
        W_dec.div_(W_dec.norm(dim=1, keepdim=True))
for _ in range(2): step()
print(json.dumps({"ready": True, "version": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in iter(sys.stdin.readline, ""):
    seconds = float(line)
    n = 0; t0 = time.perf_counter()
    while n < 1 or time.perf_counter() - t0 < seconds:
        step(); n += 1
    print(json.dumps({"stepsPerSecond": n / (time.perf_counter() - t0)}), flush=True)
`;

/** PyTorch as a contender; `env` adds environment variables (e.g. OMP_WAIT_POLICY). Null rates when unavailable. */
async function torchContender(name: string, c: Config, threads: number, env: Record<string, string> = {}): Promise<Contender & { message: string }> {
  let proc: ChildProcessWithoutNullStreams;
  try {
    proc = spawn('/usr/bin/python3', ['-c', TORCH_SCRIPT, String(c.d), String(c.m), String(c.batch), String(threads)], { env: { ...process.env, ...env } });
  } catch (err) {
    return { name, rates: [], burst: async () => null, close: async () => {}, message: `PyTorch reference skipped: /usr/bin/python3 could not run (${(err as Error).message}).` };
  }
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawnError = new Promise<null>((resolve) => proc.on('error', () => resolve(null)));
  const nextJson = async (): Promise<Record<string, unknown> | null> => {
    const next = await Promise.race([lines.next(), spawnError]);
    if (!next || next.done) return null;
    try {
      return JSON.parse(next.value) as Record<string, unknown>;
    } catch {
      return { error: `unexpected output ${JSON.stringify(next.value.slice(0, 200))}` };
    }
  };
  const ready = await nextJson();
  const close = async () => {
    proc.stdin.end();
    proc.kill();
  };
  if (!ready || ready.error || !ready.ready) {
    await close();
    const why = ready?.error ?? `python exited (${stderr.slice(0, 200)})`;
    return { name, rates: [], burst: async () => null, close: async () => {}, message: `PyTorch reference skipped: ${String(why)}.` };
  }
  const envNote = Object.keys(env).length ? ` (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})` : '';
  return {
    name,
    rates: [],
    burst: async () => {
      proc.stdin.write(`${BURST_S}\n`);
      const out = await nextJson();
      return typeof out?.stepsPerSecond === 'number' ? out.stepsPerSecond : null;
    },
    close,
    message: `PyTorch ${String(ready.version)}, CPU, ${String(ready.threads)} threads${envNote}, autograd + torch.optim.Adam`,
  };
}

/**
 * ROUNDS rounds, each contender once per round, the order rotated every round. Before each burst the process
 * sleeps GAP_MS: idle worker threads of the previous contender (ORT's intra-op pool, OpenBLAS's and OpenMP's
 * threads in the python process) busy-wait for a while after their last job and would otherwise take the cores
 * from whoever runs next.
 */
async function interleave(contenders: Contender[]): Promise<void> {
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + r) % contenders.length]!;
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      const v = await c.burst();
      if (v !== null) c.rates.push(v);
    }
  }
}

const best = (c: Contender): number | undefined => (c.rates.length ? Math.max(...c.rates) : undefined);
const median = (c: Contender): number | undefined => {
  if (!c.rates.length) return undefined;
  const s = [...c.rates].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const medianOf = (xs: number[]): number | undefined => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1] : undefined);
const fmt = (v: number | undefined, digits = 2) => (v === undefined ? 'n/a' : v.toFixed(digits));

export async function benchSae(): Promise<Row[]> {
  const threads = availableParallelism();
  const rows: Row[] = [];
  for (const c of CONFIGS) {
    const tag = `d=${c.d} m=${c.m} B=${c.batch}`;
    const ours = await saeStepContender('ours', c, threads);
    const oneGraph = await saeStepContender('one-graph', c, threads, { optimizer: 'graph' }); // h14sae: Adam as graph nodes (before #14 item 5)
    const scalar = await saeStepContender('scalar-adam', c, threads, { scalarAdam: true }); // h14step: the split step before the SIMD kernel
    const tape = await saeStepContender('tape', c, threads, { impl: 'tape' });
    const other = await saeStepContender('spin', c, threads, { spinning: process.env.CAJAL_ORT_SPIN !== '1' });
    const bareSpin = await bareMatmulContender(c, threads);
    const bare = await bareMatmulContender(c, threads, false); // h14step: as the step runs (no spinning)
    const gemms = await stepGemmsContender(c, threads);
    const adam = await adamContender(c, threads);
    const adamJs = adamJsContender(c);
    const adamWasm = adamJsContender(c, adamSimd, 'adam-simd'); // h14step: what the split step runs now
    const torch = await torchContender('torch', c, threads);
    const torchPassive = await torchContender('torch-passive', c, threads, { OMP_WAIT_POLICY: 'PASSIVE' });
    const all = [ours, bare, bareSpin, gemms, adam, adamJs, adamWasm, torch, tape, other, torchPassive, oneGraph, scalar];
    try {
      await interleave(all);
    } finally {
      for (const x of all) await x.close();
    }
    const oursBest = best(ours)!;
    const torchBest = best(torch);
    const torchPassiveBest = best(torchPassive);
    const spinDefault = process.env.CAJAL_ORT_SPIN === '1';
    rows.push({
      name: `sae-l1 step ${tag}`,
      value: oursBest,
      unit: 'steps/s',
      reference: 'PyTorch CPU (autograd + Adam)',
      referenceValue: torchBest,
      ratio: torchBest ? oursBest / torchBest : undefined,
      goal: '≥ 3× PyTorch',
      note:
        `${threads} threads; best of ${ROUNDS} interleaved bursts (medians: ours ${fmt(median(ours))}, PyTorch ${fmt(median(torch))}). ` +
        `${torch.message}. With OMP_WAIT_POLICY=PASSIVE (its OpenMP threads stop spinning against OpenBLAS's own) PyTorch ` +
        `reaches ${fmt(torchPassiveBest)} steps/s: ours is ${torchPassiveBest ? (oursBest / torchPassiveBest).toFixed(2) : 'n/a'}× that.`,
    });
    const bareBest = Math.max(best(bare)!, best(bareSpin)!); // h14step: the faster of spinning and not
    const achieved = (oursBest * 10 * c.batch * c.d * c.m) / 1e9;
    rows.push({
      name: `sae-l1 matmul rate ${tag}`,
      value: achieved,
      unit: 'GFLOP/s',
      reference: 'bare ORT MatMul [B,d]×[d,m]',
      referenceValue: bareBest,
      ratio: achieved / bareBest,
      goal: '≥ 0.8× bare MatMul',
      note:
        'executed matmul FLOPs per step = 10·B·d·m (see bench/sae.ts); with the conventional 12·B·d·m count the rate is 1.2× higher. ' +
        // h14step: wall-clock bests swing with the machine's load; CPU time per call (all threads) swings less.
        `Bare MatMul best: ${fmt(best(bareSpin), 1)} GFLOP/s spinning (ORT's default), ${fmt(best(bare), 1)} not spinning; the bound is the faster. ` +
        `By CPU time (medians of the bursts, all threads; the bare MatMul not spinning): the step ${fmt(medianOf(ours.cpuMs ?? []), 1)} ms, five bare MatMuls ${fmt(5 * (medianOf(bare.cpuMs ?? []) ?? NaN), 1)} ms: ` +
        `${fmt((5 * (medianOf(bare.cpuMs ?? []) ?? NaN)) / (medianOf(ours.cpuMs ?? []) ?? NaN))}× (the scalar-Adam step: ${fmt((5 * (medianOf(bare.cpuMs ?? []) ?? NaN)) / (medianOf(scalar.cpuMs ?? []) ?? NaN))}×).`,
    });
    // h14sae (#14 item 5): the one-graph step (Adam as ORT nodes) in the same run, against the same bound.
    const oneGraphBest = best(oneGraph)!;
    const oneGraphRate = (oneGraphBest * 10 * c.batch * c.d * c.m) / 1e9;
    rows.push({
      name: `sae-l1 matmul rate, Adam as graph nodes ${tag}`,
      value: oneGraphRate,
      unit: 'GFLOP/s',
      reference: 'bare ORT MatMul [B,d]×[d,m]',
      referenceValue: bareBest,
      ratio: oneGraphRate / bareBest,
      note:
        `the one-graph step (StepRunner) that the split step replaced on the CPU: ${fmt(oneGraphBest)} steps/s (median ${fmt(median(oneGraph))}) against the split step's ${fmt(oursBest)} (median ${fmt(median(ours))}), same numbers bit for bit (test/integration/sae-split-step.test.ts). ` +
        `CPU time per step, all threads, median of the bursts: one-graph ${fmt(medianOf(oneGraph.cpuMs ?? []), 0)} ms, split ${fmt(medianOf(ours.cpuMs ?? []), 0)} ms.`,
    });
    // h14step: the split step with adamExact's scalar pass (the step as it was before adam-simd.ts), same bound.
    const scalarBest = best(scalar)!;
    const scalarRate = (scalarBest * 10 * c.batch * c.d * c.m) / 1e9;
    rows.push({
      name: `sae-l1 matmul rate, Adam as a scalar JS pass ${tag}`,
      value: scalarRate,
      unit: 'GFLOP/s',
      reference: 'bare ORT MatMul [B,d]×[d,m]',
      referenceValue: bareBest,
      ratio: scalarRate / bareBest,
      note:
        `the split step with adamExact (scalar JavaScript) instead of the WebAssembly SIMD kernel, same bits: ${fmt(scalarBest)} steps/s (median ${fmt(median(scalar))}) against ${fmt(oursBest)} (median ${fmt(median(ours))}). ` +
        `CPU time per step, all threads, median of the bursts: scalar ${fmt(medianOf(scalar.cpuMs ?? []), 0)} ms, SIMD ${fmt(medianOf(ours.cpuMs ?? []), 0)} ms.`,
    });
    const gemmsBest = best(gemms)!;
    const adamBest = best(adam)!;
    rows.push({
      name: `sae-l1 step's Adam update alone ${tag}`,
      value: adamBest,
      unit: 'updates/s',
      reference: 'the whole step',
      referenceValue: oursBest,
      ratio: adamBest / oursBest,
      note: `the same bits as one fused pass over the same parameters (one thread): scalar JavaScript ${fmt(best(adamJs))} updates/s, WebAssembly SIMD (what the split step runs, main/train/adam-simd.ts) ${fmt(best(adamWasm))} updates/s. Adam over the step's ${(2 * c.d * c.m + c.d + c.m).toLocaleString('en-US')} parameters, same nodes (main/train/adam.ts) and threads, in a graph of its own: it takes ${((100 * oursBest) / adamBest).toFixed(0)}% of a step's time; the step's five GEMMs alone would run at ${((gemmsBest * 1e9) / (10 * c.batch * c.d * c.m)).toFixed(2)} steps/s.`,
    });
    rows.push({
      name: `sae-l1 matmul rate vs the step's own GEMMs ${tag}`,
      value: achieved,
      unit: 'GFLOP/s',
      reference: "the step's five GEMMs alone (same shapes, transposes, threads)",
      referenceValue: gemmsBest,
      ratio: achieved / gemmsBest,
      note: `what the elementwise passes (ReLU mask, L1, Adam, parallel-gradient projection, renormalisation) cost: 1 − ratio of the step's time. The five GEMMs alone reach ${(gemmsBest / bareBest).toFixed(2)}× the single [B,d]×[d,m] MatMul's rate.`,
    });
    const tapeBest = best(tape)!;
    rows.push({
      name: `sae-l1 step, hand-fused gradients ${tag}`,
      value: oursBest,
      unit: 'steps/s',
      reference: 'tape-derived gradients (saeLoss + autodiff)',
      referenceValue: tapeBest,
      ratio: oursBest / tapeBest,
      note: 'Same Adam, projection and renormalisation; only the loss and gradient subgraph differs (main/bases/sae-graph.ts).',
    });
    const otherBest = best(other)!;
    rows.push({
      name: `sae-l1 step, ORT spinning ${spinDefault ? 'on (CAJAL_ORT_SPIN=1)' : 'off (default)'} ${tag}`,
      value: oursBest,
      unit: 'steps/s',
      reference: `spinning ${spinDefault ? 'off' : 'on'}`,
      referenceValue: otherBest,
      ratio: oursBest / otherBest,
      note: `medians ${fmt(median(ours))} vs ${fmt(median(other))}; the sign of the difference follows the machine's load.`,
    });
  }
  // Ping-pong pre-allocated state (StepRunner default) vs fresh ORT-allocated outputs every step.
  const c = CONFIGS[1]!;
  const pre = await saeStepContender('pre', c, threads, { optimizer: 'graph' });
  const fresh = await saeStepContender('fresh', c, threads, { freshOutputs: true });
  try {
    await interleave([pre, fresh]);
  } finally {
    await pre.close();
    await fresh.close();
  }
  rows.push({
    name: `sae-l1 step, pre-allocated outputs d=${c.d} m=${c.m} B=${c.batch}`,
    value: best(pre)!,
    unit: 'steps/s',
    reference: 'fresh outputs each step',
    referenceValue: best(fresh)!,
    ratio: best(pre)! / best(fresh)!,
    note: 'StepRunner feeds JS-owned state tensors and has ORT write the updated state into a second pre-allocated set (swapped each step).',
  });
  return rows;
}
