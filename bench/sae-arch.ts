// h12sweep (#12): training steps per second of every trained SAE architecture of the registry at d = 512,
// m = 4096, B = 1024 (k = 32), beside PyTorch on the CPU doing the same step (bench/sae_step_torch.py: forward,
// loss with the TopK family's dead-latent auxiliary loss and Matryoshka's nested prefixes, JumpReLU's L0 with its
// straight-through estimators, the Gated SAE's sparsity and auxiliary losses, autograd, decoder-gradient projection,
// torch.optim.Adam, renormalisation, the step's metrics), same thread count and same penalty coefficients. The machine's load swings,
// so the two contenders of an architecture run in short bursts, alternating, and each reports its best burst.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sweptMethods } from '../main/bases/index';
import { buildSaeStepGraph, matryoshkaDefaultLevels, usesDeadAux, type SaeKind } from '../main/bases/sae-graph';
import { saeSpec } from '../main/bases/sae-params';
import { numDefault } from '../main/bases/param-spec';
import { SplitAdamStepRunner } from '../main/train/split-step';
import { resolveTopkTraining, topkStepImpl } from '../main/bases/sae-topk-sparse';
import { sparseStepGraph } from '../main/bases/sae-sparse-encoder';
import { pairsAlternate, pairsStepRoute, pairsSwitchDensity } from '../main/bases/sae-pairs-step';
import { batchTopkPrimary } from '../main/bases/sae-batchtopk-pairs';
import { Rng } from '../main/util/random';
import type { Row } from './table';

const SHAPE = { d: 512, m: 4096, batch: 1024, k: 32 };
/** h12bench: the defaults of the lab's fit in the graph's units (inputs at mean norm √d, as x ~ N(0, I) here). */
const JUMPRELU_EPS = numDefault(saeSpec('jumprelu'), 'bandwidth') * Math.sqrt(SHAPE.d);
/** h12gm: JumpReLU's initial θ and Gated's initial gate threshold −b_gate, in units of the mean norm, as the lab's fit starts them (the specs' defaults), on both sides. */
function initThresholdFor(kind: SaeKind): number {
  return kind === 'jumprelu' || kind === 'gated' ? numDefault(saeSpec(kind), 'initThreshold') : 0;
}

/**
 * #12: an L1 SAE's codes are about half dense at initialisation (b_enc 0), where the lab runs the dense step, but a
 * trained L1 SAE's are sparse, where it runs the sparse one; the L1 row is measured at both. Trained: b_enc at −θ·√d on
 * both sides, θ chosen so L0 / m starts near 0.8 %, the sparsity the JumpReLU and Gated rows run at (pre-activations
 * are about N(0, 1) here: P(z > 2.41) ≈ 0.8 %).
 */
const L1_TRAINED_THETA = 2.41 / Math.sqrt(SHAPE.d);

/** The penalty coefficient each side's step is given: λ of the L1 / L0 / gate L1, or the TopK family's aux weight. */
function coefFor(kind: SaeKind): number {
  // h12gm: JumpReLU's λ and Gated's λ are the lab's defaults, read from their specs so the bench follows them.
  return kind === 'l1' ? 1e-3 : kind === 'jumprelu' ? numDefault(saeSpec('jumprelu'), 'l0Coefficient') : kind === 'gated' ? numDefault(saeSpec('gated'), 'l1Coefficient') : 1 / 32;
}
/** h12mat: Matryoshka's default prefix-loss decay β, read from its spec so both sides train the lab's default step. */
function nestLossDecayDefault(): number {
  return numDefault(saeSpec('matryoshka'), 'nestLossDecay');
}
// h12bench: CAJAL_BENCH_SAE_ROUNDS lowers the repeat count on a busy machine; CAJAL_BENCH_SAE_ARCH=gated,matryoshka
// measures only those architectures (e.g. to re-measure one at a quieter moment).
const ROUNDS = Math.max(1, Number(process.env.CAJAL_BENCH_SAE_ROUNDS) || 4);
const ONLY = (process.env.CAJAL_BENCH_SAE_ARCH ?? '').split(',').map((s) => s.trim().replace(/^sae-/, '')).filter(Boolean);
const BURST_S = 1.0;
const GAP_MS = 250;

interface Contender {
  rates: number[];
  burst(): Promise<number | null>;
  close(): Promise<void>;
  note: string;
}

async function ours(kind: SaeKind, threads: number, l1Theta = 0): Promise<Contender> {
  const { d, m, batch, k } = SHAPE;
  // h14sae (#14 item 5): the split step, as sae.ts trains on the CPU (gradients in ORT, Adam as one fused pass per parameter)
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  // h12gm: Matryoshka's default prefixes d … m (4 here; was 5)
  // The step sae.ts trains with at this shape: the TopK family's sparse graph where 'auto' picks it (sae-topk-sparse.ts,
  // sae-batchtopk-sparse.ts); CAJAL_SAE_TOPK_TRAINING=dense|sparse forces a path, as it does for a fit.
  const sparse = usesDeadAux(kind) && topkStepImpl(resolveTopkTraining(undefined), m, k) === 'sparse';
  const { bytes, spec, params } = buildSaeStepGraph({ d, m, kind, batch, k, kAux: Math.floor(d / 2), nestLevels: matryoshkaDefaultLevels(m, d), nestLossDecay: nestLossDecayDefault(), bandwidth: JUMPRELU_EPS, adam, optimizer: 'js', impl: sparse ? 'sparse' : undefined, encInput: sparse });
  // sae-l1, sae-jumprelu, sae-gated: the sparse graph as the split step's alternate, chosen per step by the last step's density, as sae.ts does.
  const pairsSparse = (kind === 'l1' || kind === 'jumprelu' || kind === 'gated') && resolveTopkTraining(undefined) !== 'dense';
  // As sae.ts: the pairs step in JS (sae-pairs-step.ts; CAJAL_SAE_PAIRS_STEP=graph measures the ORT sparse graphs instead).
  const alternate = pairsSparse ? pairsAlternate(kind, { d, m, batch, bandwidth: JUMPRELU_EPS, adam }, () => buildSaeStepGraph({ d, m, kind, batch, bandwidth: JUMPRELU_EPS, adam, optimizer: 'js', impl: 'sparse', encInput: true }).bytes) : undefined;
  // Sparse graphs on one thread after their encoder product on all, as sae.ts runs them (sae-sparse-encoder.ts).
  const runner = await SplitAdamStepRunner.create(bytes, spec, params, adam, { intraOpThreads: threads, primary: !sparse ? undefined : kind === 'topk' || kind === 'batchtopk' || kind === 'matryoshka' ? batchTopkPrimary({ kind, d, m, batch, k, kAux: Math.floor(d / 2), nestLevels: matryoshkaDefaultLevels(m, d), nestLossDecay: nestLossDecayDefault(), adam, session: { intraOpThreads: threads } }, bytes) : sparseStepGraph(kind, d, m, batch, bytes, k), alternate });
  const rng = new Rng(1);
  const wDec = runner.state('W_dec');
  const wEnc = runner.state('W_enc');
  rng.fillNormal(wDec, 0, 1 / Math.sqrt(d));
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) wEnc[j * m + i] = wDec[i * d + j]!;
  rng.fillNormal(runner.inputs.x as Float32Array);
  (runner.inputs.lr as Float32Array)[0] = 1e-4;
  (runner.inputs.coef as Float32Array)[0] = coefFor(kind);
  // As the lab's fit starts them: JumpReLU's θ at its initial value (h12gm: the default 0.1 of the mean norm, was 0.001);
  // Gated's b_gate at −θ₀ (h12gm), r_mag and b_mag at 0.
  if (kind === 'jumprelu') runner.state('log_threshold').fill(Math.log(initThresholdFor(kind) * Math.sqrt(d)));
  if (kind === 'gated') for (const n of ['r_mag', 'b_mag']) runner.state(n).fill(0);
  if (kind === 'gated') runner.state('b_enc').fill(-initThresholdFor(kind) * Math.sqrt(d));
  if (kind === 'l1') runner.state('b_enc').fill(-l1Theta * Math.sqrt(d));
  // As in the PyTorch script: a tenth of the latents dead, so the auxiliary loss has work.
  const dead = runner.inputs.dead as Float32Array | undefined;
  if (dead) for (let i = 0; i < m; i += 10) dead[i] = 1;
  let t = 0;
  let density = 1;
  let sparseSteps = 0;
  let steps = 0;
  const step = async () => {
    (runner.inputs.t as Float32Array)[0] = ++t;
    runner.useAlternate = pairsSparse && (resolveTopkTraining(undefined) === 'sparse' || density <= pairsSwitchDensity(kind, { d, m, batch }));
    if (runner.useAlternate) sparseSteps++;
    steps++;
    await runner.step();
    density = runner.outputs.l0![0]! / m;
  };
  for (let i = 0; i < 2; i++) await step();
  const note = sparse
    ? pairsStepRoute() === 'js'
      ? 'the sparse step sae.ts trains with here (m/k ≥ SPARSE_TOPK_MIN_RATIO): the encoder product in ORT, the top K (per row, or batch-wide) picked by linalg/select.ts, the K pairs\' products in JS (sae-batchtopk-pairs.ts, linalg/pairs-wasm.ts) with the aux loss over the dead columns as an ORT graph (sae-dead-aux.ts), then Adam as one fused pass per parameter (main/train/split-step.ts)'
      : 'the sparse step sae.ts trains with here (m/k ≥ SPARSE_TOPK_MIN_RATIO): one ORT call for the gradients (dense encoder product, the selected latents gathered and scattered, sae-topk-sparse.ts / sae-batchtopk-sparse.ts, the batch-wide top K picked in JS by linalg/select.ts; the aux loss over the dead columns, sae-dead-aux.ts), then Adam as one fused pass per parameter (main/train/split-step.ts)'
    : `one ORT call for the gradients${usesDeadAux(kind) ? ' (the aux loss over the dead columns, sae-dead-aux.ts)' : ''}, then Adam as one fused pass per parameter (onnxruntime-node + main/train/split-step.ts)`;
  return {
    rates: [],
    burst: () => burst(step),
    close: () => runner.release(),
    get note() {
      const route = pairsStepRoute() === 'js' ? 'the pairs step in JS (sae-pairs-step.ts, products by linalg/pairs-wasm.ts)' : `the sparse graph (sae-${kind}-sparse.ts)`;
      return pairsSparse ? `${note}; ${route} chosen per step by the last step's L0 / m ≤ ${pairsSwitchDensity(kind, { d, m, batch })}: ${sparseSteps} of ${steps} steps here, at L0 / m = ${density.toFixed(4)}` : note;
    },
  };
}

async function burst(fn: () => Promise<void>): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (n < 1 || performance.now() - t0 < BURST_S * 1000) {
    await fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function torch(kind: string, threads: number, l1Theta = 0): Promise<Contender> {
  const script = fileURLToPath(new URL('./sae_step_torch.py', import.meta.url));
  const { d, m, batch, k } = SHAPE;
  const none = (note: string): Contender => ({ rates: [], burst: async () => null, close: async () => {}, note });
  let proc: ChildProcessWithoutNullStreams;
  try {
    proc = spawn('/usr/bin/python3', [script, kind, String(d), String(m), String(batch), String(threads), String(k), String(coefFor(kind as SaeKind)), String(kind === 'l1' ? l1Theta : initThresholdFor(kind as SaeKind)), String(nestLossDecayDefault())]); // h12mat: Matryoshka's β
  } catch (err) {
    return none(`PyTorch reference skipped: /usr/bin/python3 could not run (${(err as Error).message})`);
  }
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const failed = new Promise<null>((resolve) => proc.on('error', () => resolve(null)));
  const next = async (): Promise<Record<string, unknown> | null> => {
    const r = await Promise.race([lines.next(), failed]);
    if (!r || r.done) return null;
    try {
      return JSON.parse(r.value) as Record<string, unknown>;
    } catch {
      return { error: `unexpected output ${JSON.stringify(r.value.slice(0, 200))}` };
    }
  };
  const ready = await next();
  const close = async () => {
    proc.stdin.end();
    proc.kill();
  };
  if (!ready?.ready) {
    await close();
    return none(`PyTorch reference skipped: ${String(ready?.error ?? 'python exited')}`);
  }
  return {
    rates: [],
    burst: async () => {
      proc.stdin.write(`${BURST_S}\n`);
      const out = await next();
      return typeof out?.stepsPerSecond === 'number' ? out.stepsPerSecond : null;
    },
    close,
    note: `PyTorch ${String(ready.version)} CPU, ${String(ready.threads)} threads, autograd + torch.optim.Adam`,
  };
}

const best = (c: Contender) => (c.rates.length ? Math.max(...c.rates) : undefined);
const median = (c: Contender) => (c.rates.length ? [...c.rates].sort((a, b) => a - b)[c.rates.length >> 1] : undefined);
const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(2));

export async function benchSaeArch(): Promise<Row[]> {
  const threads = availableParallelism();
  const rows: Row[] = [];
  // Every trained SAE of the registry; an architecture the step graph or the reference does not know is a row saying so.
  for (const { method } of sweptMethods()) {
    const kind = method.replace(/^sae-/, '') as SaeKind;
    if (ONLY.length && !ONLY.includes(kind)) continue;
    for (const l1Theta of kind === 'l1' ? [0, L1_TRAINED_THETA] : [0]) rows.push(...(await compare(method, kind, threads, l1Theta)));
  }
  return rows;
}

/** Our step and PyTorch's in alternating bursts: one row (or a row saying why not). */
async function compare(method: string, kind: SaeKind, threads: number, l1Theta: number): Promise<Row[]> {
  let a: Contender;
  try {
    a = await ours(kind, threads, l1Theta);
  } catch (err) {
    return [{ name: `${method} step d=${SHAPE.d} m=${SHAPE.m} B=${SHAPE.batch}: not measured`, value: NaN, unit: '', note: (err as Error).message.split('\n')[0] }];
  }
  const b = await torch(kind, threads, l1Theta);
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of r % 2 ? [b, a] : [a, b]) {
        await new Promise((res) => setTimeout(res, GAP_MS));
        const v = await c.burst();
        if (v !== null) c.rates.push(v);
      }
    }
  } finally {
    await a.close();
    await b.close();
  }
  const ob = best(a)!;
  const tb = best(b);
  const state = kind !== 'l1' ? '' : l1Theta > 0 ? `, codes as sparse as trained (b_enc = −${l1Theta.toFixed(4)}·√d on both sides)` : ', at initialisation (b_enc 0: codes ~50 % dense)';
  return [{
    name: `${method} step d=${SHAPE.d} m=${SHAPE.m} B=${SHAPE.batch}${kind === 'l1' || kind === 'jumprelu' || kind === 'gated' ? '' : ` k=${SHAPE.k}`}${state}`,
    value: ob,
    unit: 'steps/s',
    reference: 'PyTorch CPU, same step (bench/sae_step_torch.py)',
    referenceValue: tb,
    ratio: tb ? ob / tb : undefined,
    goal: '≥ 2× PyTorch',
    note: `${threads} threads; best of ${ROUNDS} alternating ${BURST_S} s bursts (medians: ours ${fmt(median(a))}, PyTorch ${fmt(median(b))}). Ours: ${a.note}. ${b.note}.`,
  }];
}
