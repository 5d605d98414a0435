// h14sae (#14 item 5): where an SAE training step's time goes, node by node, from onnxruntime's own profiler
// (SessionOptions.enableProfiling) — the graph of the split step sae.ts trains with on the CPU (gradients, no Adam)
// and the one-graph step (Adam, projection and renormalisation as nodes), sae-l1 and sae-topk (dense), d = 512,
// m = 4096, B = 1024. The machine is shared, so each node is reported at its fastest of the profiled runs: the sum of
// those minima is what the step would take with no other load, and the GEMMs' share of it says how much any further
// fusion of the elementwise passes could still gain. The runs' own median shows what load adds on top.
// h14step: a bare MatMul [B,d]×[d,m] is profiled the same way, and each GEMM of the split step is listed against it
// (its shapes and transposes, its fastest time ÷ the bare one's, both 2·B·d·m FLOPs): which products run below the
// bare rate. ORT fuses a Transpose feeding a MatMul into FusedMatMul with the same transA/transB flags as a Gemm
// (seen in the optimised model), so transposing inside the graph reaches the same MLAS call as Gemm's flags.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildSaeStepGraph, type SaeKind } from '../main/bases/sae-graph';
import { GraphBuilder } from '../main/onnx/builder';
import { Rng } from '../main/util/random';
import type { Row } from './table';

const D = 512;
const M = 4096;
const B = 1024;
const RUNS = Number(process.env.CAJAL_BENCH_PROFILE_RUNS ?? 8);

interface ProfileEvent {
  cat?: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

/** A session's profile: the session is run RUNS + 1 times with `feeds`, and the events read back from ORT's file. */
async function profiledRuns(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, threads: number, stem: string): Promise<ProfileEvent[]> {
  const prefix = join(tmpdir(), stem);
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    enableProfiling: true,
    profileFilePrefix: prefix,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  try {
    for (let r = 0; r < RUNS + 1; r++) await session.run(feeds);
    session.endProfiling();
  } finally {
    await session.release();
  }
  // onnxruntime-node does not return the file's name: ORT appends a timestamp to the prefix.
  const file = join(tmpdir(), readdirSync(tmpdir()).find((f) => f.startsWith(stem) && f.endsWith('.json')) ?? `${stem}.json`);
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  rmSync(file, { force: true });
  return events;
}

interface NodeTime {
  op: string;
  /** fastest of the profiled runs after the first (which warms ORT's arena up), µs */
  fastest: number;
  shapes: string;
}

function nodeTimes(events: ProfileEvent[]): Map<string, NodeTime> {
  const perNode = new Map<string, { op: string; durs: number[]; shapes: string }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const dims = (xs: Record<string, number[]>[] | undefined) => (xs ?? []).map((x) => `[${Object.values(x)[0]?.join(',') ?? ''}]`).join('·');
    const entry = perNode.get(e.name) ?? { op: e.args?.op_name ?? '?', durs: [], shapes: `${dims(e.args?.input_type_shape)}→${dims(e.args?.output_type_shape)}` };
    entry.durs.push(e.dur);
    perNode.set(e.name, entry);
  }
  return new Map([...perNode].map(([name, { op, durs, shapes }]) => [name, { op, fastest: Math.min(...durs.slice(1)), shapes }]));
}

/** The bare [B,d]×[d,m] MatMul's fastest kernel time (µs), profiled as the step graphs are. */
async function bareMatmulMicros(threads: number): Promise<number> {
  const b = new GraphBuilder({ name: 'bare', opset: 17 });
  b.input('a', 'float32', [B, D]);
  b.input('w', 'float32', [D, M]);
  b.output(b.matmul('a', 'w', 'y'), 'float32', [B, M]);
  const rng = new Rng(2);
  const feeds = {
    a: new ort.Tensor('float32', rng.fillNormal(new Float32Array(B * D)) as Float32Array, [B, D]),
    w: new ort.Tensor('float32', rng.fillNormal(new Float32Array(D * M)) as Float32Array, [D, M]),
  };
  const times = nodeTimes(await profiledRuns(b.toBytes(), feeds, threads, `cajal-sae-profile-${process.pid}-bare`));
  return Math.min(...[...times.values()].filter((t) => /MatMul|Gemm/.test(t.op)).map((t) => t.fastest));
}

async function profile(kind: SaeKind, optimizer: 'graph' | 'js', threads: number, bareUs: number): Promise<Row> {
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const { bytes, spec } = buildSaeStepGraph({ d: D, m: M, kind, batch: B, k: 32, kAux: D / 2, adam, optimizer, impl: kind === 'topk' ? 'tape' : undefined });
  const rng = new Rng(1);
  const feeds: Record<string, ort.Tensor> = {};
  const size = (shape: readonly number[]) => shape.reduce((a, c) => a * c, 1);
  for (const st of spec.state) {
    if (optimizer === 'js' && (st.input.startsWith('m_') || st.input.startsWith('v_'))) continue;
    const data = new Float32Array(size(st.shape));
    if (!st.input.startsWith('m_') && !st.input.startsWith('v_')) rng.fillNormal(data, 0, 1 / Math.sqrt(D));
    feeds[st.input] = new ort.Tensor('float32', data, [...st.shape]);
  }
  for (const i of spec.inputs) feeds[i.name] = new ort.Tensor('float32', new Float32Array(Math.max(1, size(i.shape))), [...i.shape]);
  rng.fillNormal(feeds.x!.data as Float32Array);
  (feeds.lr!.data as Float32Array)[0] = 1e-4;
  (feeds.t!.data as Float32Array)[0] = 1;
  (feeds.coef!.data as Float32Array)[0] = kind === 'l1' ? 1e-3 : 0;
  const events = await profiledRuns(bytes, feeds, threads, `cajal-sae-profile-${process.pid}-${kind}-${optimizer}`);
  const perNode = nodeTimes(events);
  const byOp = new Map<string, number>();
  let total = 0;
  for (const { op, fastest } of perNode.values()) {
    total += fastest;
    byOp.set(op, (byOp.get(op) ?? 0) + fastest);
  }
  const runs = events.filter((e) => e.name === 'model_run').map((e) => e.dur).slice(1).sort((a, b) => a - b);
  const gemm = [...byOp].filter(([op]) => /Gemm|MatMul/.test(op)).reduce((a, [, v]) => a + v, 0);
  const others = [...byOp].filter(([op]) => !/Gemm|MatMul/.test(op)).sort((a, b) => b[1] - a[1]).slice(0, 5);
  const ms = (us: number) => (us / 1000).toFixed(1);
  // h14step: the step's full-size products (2·B·d·m FLOPs each), slowest first, against the bare MatMul.
  const big = [...perNode.values()].filter((t) => /Gemm|MatMul/.test(t.op) && t.fastest > bareUs / 4).sort((a, b) => b.fastest - a.fastest);
  const perGemm = big.map((t) => `${t.op} ${t.shapes} ${ms(t.fastest)} ms (${(bareUs / t.fastest).toFixed(2)}× bare rate)`).join('; ');
  return {
    name: `sae-${kind} step graph, ${optimizer === 'js' ? 'split (gradients only)' : 'one graph (Adam as nodes)'}, GEMM share d=${D} m=${M} B=${B}`,
    value: (100 * gemm) / total,
    unit: '% of node time',
    note:
      `${perNode.size} nodes; each at its fastest of ${RUNS} profiled runs: ${ms(total)} ms in all, GEMM/MatMul ${ms(gemm)} ms; the runs themselves: median ${ms(runs[runs.length >> 1]!)} ms. ` +
      `Largest other op types: ${others.map(([op, v]) => `${op} ${ms(v)} ms`).join(', ')}. ` +
      `Full-size products against the bare [B,d]×[d,m] MatMul's ${ms(bareUs)} ms: ${perGemm}.`,
  };
}

export async function benchSaeStepProfile(): Promise<Row[]> {
  const threads = availableParallelism();
  const rows: Row[] = [];
  const bareUs = await bareMatmulMicros(threads);
  for (const kind of ['l1', 'topk'] as const) for (const optimizer of ['js', 'graph'] as const) rows.push(await profile(kind, optimizer, threads, bareUs));
  return rows;
}
