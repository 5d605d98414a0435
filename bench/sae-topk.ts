// sae-topk's training step using its sparsity (#18 item 5): the sparse graph (main/bases/sae-topk-sparse.ts)
// against (1) the dense bare-MatMul bound of the same shapes — the time five bare ORT MatMuls [B, d]×[d, m] take,
// i.e. a dense step's 10·B·d·m FLOPs (see bench/sae.ts) at the rate ORT's GEMM reaches alone — and (2) the dense
// TopK step itself (saeLoss + tape), all in the same run, interleaved in short bursts (the machine is shared).
// The sparse step is measured twice: with no dead latent (coef 0: the aux loss's If branch is skipped, as in
// training whenever no latent is dead) and with 10% of the latents dead (coef > 0: the aux loss over the dead
// latents' columns, sae-dead-aux.ts).
// The smaller sizes measure where the sparse graph starts to pay (SPARSE_TOPK_MIN_RATIO in sae-topk-sparse.ts).
// CAJAL_BENCH_TOPK_M=4096,131072 chooses the sizes (default: 2048, 131072).
import { availableParallelism, freemem } from 'node:os';
import * as ort from 'onnxruntime-node';
import { buildSaeStepGraph } from '../main/bases/sae-graph';
import { SPARSE_TOPK_MIN_RATIO } from '../main/bases/sae-topk-sparse';
import { sparseStepGraph } from '../main/bases/sae-sparse-encoder';
import { GraphBuilder } from '../main/onnx/builder';
import { createSession } from '../main/onnx/session';
import { StepRunner } from '../main/train/session';
import { SplitAdamStepRunner } from '../main/train/split-step';
import { Rng } from '../main/util/random';
import type { Row } from './table';

const D = 512;
const K = 32;
const BATCH = 1024;
/** CAJAL_BENCH_TOPK_ROUNDS overrides (each dense step at m = 131,072 takes seconds to minutes on a loaded machine). */
const ROUNDS = Number(process.env.CAJAL_BENCH_TOPK_ROUNDS ?? 3);
const GAP_MS = 250;

interface Contender {
  name: string;
  run: () => Promise<void>;
  /** Seconds per call, one entry per burst. */
  times: number[];
  close: () => Promise<void>;
}

async function timeBurst(run: () => Promise<void>, seconds: number): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (n < 1 || performance.now() - t0 < seconds * 1000) {
    await run();
    n++;
  }
  return (performance.now() - t0) / 1000 / n;
}

/**
 * The step as training runs it: 'sparse' = the sparse graph with Adam after it (sae.ts's sparse path), 'tape' = the dense graph
 * with Adam after it (the split step, sae.ts's dense path on the CPU); h14sae: 'tape-graph' = the dense graph with
 * Adam as ORT nodes (the one-graph step the split step replaced; same numbers).
 */
async function stepContender(name: string, m: number, impl: 'sparse' | 'tape' | 'tape-graph', deadFraction: number, threads: number): Promise<Contender> {
  const shape = { d: D, m, kind: 'topk' as const, k: K, kAux: Math.max(2 * K, D / 2), batch: BATCH };
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const { bytes, spec, params } = buildSaeStepGraph({ ...shape, impl: impl === 'sparse' ? 'sparse' : 'tape', adam, optimizer: impl === 'tape-graph' ? 'graph' : 'js', encInput: impl === 'sparse' });
  // The sparse step on one thread after its encoder product on all, as sae.ts runs it (sae-sparse-encoder.ts).
  const primary = impl === 'sparse' ? sparseStepGraph('topk', D, m, BATCH, bytes) : undefined;
  const runner = impl === 'tape-graph' ? await StepRunner.create(bytes, spec, { intraOpThreads: threads }) : await SplitAdamStepRunner.create(bytes, spec, params, adam, { intraOpThreads: threads, primary });
  const rng = new Rng(1);
  const wDec = runner.state('W_dec');
  const wEnc = runner.state('W_enc');
  rng.fillNormal(wDec, 0, 1 / Math.sqrt(D));
  for (let i = 0; i < m; i++) for (let j = 0; j < D; j++) wEnc[j * m + i] = wDec[i * D + j]!;
  rng.fillNormal(runner.inputs.x as Float32Array);
  (runner.inputs.lr as Float32Array)[0] = 1e-4;
  (runner.inputs.coef as Float32Array)[0] = deadFraction > 0 ? 1 / 32 : 0;
  const dead = runner.inputs.dead as Float32Array;
  if (deadFraction > 0) for (let j = 0; j < m; j += Math.round(1 / deadFraction)) dead[j] = 1;
  let t = 0;
  const run = async () => {
    (runner.inputs.t as Float32Array)[0] = ++t;
    await runner.step();
  };
  await run();
  return { name, run, times: [], close: () => runner.release() };
}

async function bareContender(m: number, threads: number): Promise<Contender> {
  const b = new GraphBuilder({ opset: 17 });
  b.input('a', 'float32', [BATCH, D]);
  b.input('w', 'float32', [D, m]);
  b.output(b.matmul('a', 'w', 'y'), 'float32', [BATCH, m]);
  const session = await createSession(b.toBytes(), { intraOpThreads: threads });
  const rng = new Rng(2);
  const feeds = {
    a: new ort.Tensor('float32', rng.fillNormal(new Float32Array(BATCH * D)) as Float32Array, [BATCH, D]),
    w: new ort.Tensor('float32', rng.fillNormal(new Float32Array(D * m)) as Float32Array, [D, m]),
  };
  const fetches = { y: new ort.Tensor('float32', new Float32Array(BATCH * m), [BATCH, m]) };
  const run = async () => {
    await session.run(feeds, fetches);
  };
  await run();
  return { name: 'bare', run, times: [], close: () => session.release() };
}

/** ROUNDS rounds, each contender once per round (order rotated), a pause before each burst. */
async function interleave(cs: Contender[], seconds: number): Promise<void> {
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < cs.length; i++) {
      const c = cs[(i + r) % cs.length]!;
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      c.times.push(await timeBurst(c.run, seconds));
      console.error(`  sae-topk round ${r + 1}: ${c.name} ${(c.times.at(-1)! * 1000).toFixed(0)} ms per call`);
    }
  }
}

const best = (c: Contender) => Math.min(...c.times);
const med = (c: Contender) => [...c.times].sort((a, b) => a - b)[c.times.length >> 1]!;
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

export async function benchSaeTopk(): Promise<Row[]> {
  const threads = availableParallelism();
  const sizes = (process.env.CAJAL_BENCH_TOPK_M ?? '2048,131072').split(',').map(Number);
  const rows: Row[] = [];
  for (const m of sizes) {
    const tag = `d=${D} m=${m} k=${K} B=${BATCH}`;
    const cs: Contender[] = [];
    let denseFits = true;
    let freeAtStart = freemem();
    try {
      cs.push(await stepContender('sparse', m, 'sparse', 0, threads));
      cs.push(await stepContender('sparse+aux', m, 'sparse', 0.1, threads));
      // The dense graph holds some 30 [B, m] float tensors at once (measured: the run at m = 131,072 reached 23.7 GB
      // and was killed on this 23 GB machine); it is left out, and said so, where they would not fit in free memory.
      freeAtStart = freemem();
      denseFits = 30 * BATCH * m * 4 < freeAtStart;
      if (denseFits) cs.push(await stepContender('dense', m, 'tape', 0, threads));
      if (denseFits && m <= 8192) cs.push(await stepContender('dense-graph', m, 'tape-graph', 0, threads)); // h14sae
      cs.push(await bareContender(m, threads));
      await interleave(cs, m >= 32768 ? 0 : 0.6);
    } finally {
      for (const c of cs) await c.close();
    }
    const [sparse, sparseAux] = cs as [Contender, Contender];
    const bare = cs.at(-1)!;
    const dense = denseFits ? cs[2]! : null;
    const bound = 5 * best(bare);
    const note = `${threads} threads; best of ${ROUNDS} interleaved bursts; medians: sparse ${ms(med(sparse))}, with aux ${ms(med(sparseAux))}, dense ${dense ? ms(med(dense)) : 'not run'}, bare MatMul ${ms(med(bare))}.`;
    rows.push({
      name: `sae-topk sparse step vs dense bare-MatMul bound ${tag}`,
      value: 1 / best(sparse),
      unit: 'steps/s',
      reference: 'dense bound: 5 bare ORT MatMuls [B,d]×[d,m] (10·B·d·m FLOPs)',
      referenceValue: 1 / bound,
      ratio: bound / best(sparse),
      goal: m >= 65536 ? '≥ 2× the bound' : undefined,
      note: `step ${ms(best(sparse))}, one bare MatMul ${ms(best(bare))}. ${note}`,
    });
    rows.push({
      name: `sae-topk sparse step (10% dead latents, aux loss on) vs bound ${tag}`,
      value: 1 / best(sparseAux),
      unit: 'steps/s',
      reference: 'dense bound (as above)',
      referenceValue: 1 / bound,
      ratio: bound / best(sparseAux),
      note: `each row's top ${Math.min(Math.max(2 * K, D / 2), Math.ceil(m / 10))} (kAux = ${Math.max(2 * K, D / 2)}) of the ${Math.ceil(m / 10)} dead latents reconstruct the residual, computed over the dead columns (sae-dead-aux.ts); step ${ms(best(sparseAux))}.`,
    });
    if (!dense) {
      rows.push({ name: `sae-topk dense step ${tag}`, value: NaN, unit: '', note: `not run: its [B, m] tensors need about ${((30 * BATCH * m * 4) / 2 ** 30).toFixed(0)} GiB, more than the ${(freeAtStart / 2 ** 30).toFixed(1)} GiB free when the contenders were built.` });
      continue;
    }
    rows.push({
      name: `sae-topk sparse step vs dense step ${tag}`,
      value: 1 / best(sparse),
      unit: 'steps/s',
      reference: 'dense TopK step (saeLoss + tape, aux loss evaluated)',
      referenceValue: 1 / best(dense),
      ratio: best(dense) / best(sparse),
      note: `dense step ${ms(best(dense))}; 'auto' trains sparsely from m/k ≥ ${SPARSE_TOPK_MIN_RATIO} (sae-topk-sparse.ts).`,
    });
    // h14sae (#14 item 5): the dense step (as trained below the sparse threshold) against the bound, and the
    // one-graph step (Adam as ORT nodes) it replaced, same run.
    const denseGraph = cs.find((c) => c.name === 'dense-graph');
    rows.push({
      name: `sae-topk dense step vs dense bare-MatMul bound ${tag}`,
      value: 1 / best(dense),
      unit: 'steps/s',
      reference: 'dense bound (as above)',
      referenceValue: 1 / bound,
      ratio: bound / best(dense),
      note: `split step (gradients in ORT, Adam as one fused pass per parameter) ${ms(best(dense))}` +
        (denseGraph ? `; with Adam as graph nodes ${ms(best(denseGraph))} (median ${ms(med(denseGraph))}), ${(bound / best(denseGraph)).toFixed(2)}× the bound.` : '.'),
    });
  }
  return rows;
}
