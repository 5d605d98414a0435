// sae-l1's, sae-jumprelu's and sae-gated's step on their (row, latent) pairs without onnxruntime (#12, #14 item 5): the
// same loss and gradients as their sparse graphs (sae-l1-sparse.ts, sae-jumprelu-sparse.ts, sae-gated-sparse.ts, whose
// comments derive them), with each [P, d] product done pair by pair by linalg/pairs-wasm.ts instead of Gather → Mul →
// ScatterND over [P, d] tensors, and the pairs found by its SIMD scan instead of NonZero. At L0/m ≈ 0.9 % (d = 512,
// m = 4,096, B = 1,024: P ≈ 38,000) those graphs took ~110–140 ms on their one thread, memory-bound, ten passes of
// 77 MB; here the four products take ~7 ms each and the whole step ~50 ms (bench/sae-arch.ts measures the step). The
// encoder product stays in onnxruntime on the fit's threads (the split step's prelude, sae-sparse-encoder.ts); this
// runs between it and Adam on one thread, so a fit is reproducible bit for bit. It equals the dense step to float
// tolerance (test/integration/sae-pairs-step.test.ts), not bit for bit: its sums run in another order than ORT's.
import { PairsWorkspace, type PairsRegion } from '../linalg/pairs-wasm';
import type { AdamConfig } from '../train/adam';
import type { SplitGraphOptions, SplitKernel, SplitKernelIO } from '../train/split-step';
import type { SaeKind } from './sae-graph';
import { SPARSE_PAIRS_MAX_DENSITY } from './sae-jumprelu-sparse';
import { buildSaeSparsePrelude, sparseStepGraph } from './sae-sparse-encoder';

const f32 = Math.fround;

/** The workspace's largest size the step takes on (WebAssembly's 32-bit memory ends at 4 GiB): beyond it, the ORT graphs. */
export const PAIRS_STEP_MAX_BYTES = 2 ** 31;

/**
 * The largest dictionary (m·d values) the JS steps take: their passes over whole [m, d] matrices (zeroing, the
 * projection, the transpose, the copies in and out) run on one thread, and at large m they outweigh the pairs. Measured
 * on sae-topk's step (d = 512, B = 1,024, k = 32, a tenth of the latents dead, single steps alternating routes): the JS
 * step took 1.06–1.08 s against the ORT graph's 1.17–1.24 s at m = 32,768, 1.95–2.04 against 2.36–2.67 s at
 * m = 65,536, and 5.9–6.2 against 4.6–5.2 s at m = 131,072. So up to 2^25 values (m = 65,536 at d = 512).
 */
export const PAIRS_STEP_MAX_DICTIONARY = 2 ** 25;

/** The pairs step's shape: d inputs, m latents, batch rows. */
export interface PairsShape {
  d: number;
  m: number;
  batch: number;
}

/**
 * Whether this file trains `kind` at this shape: the products take rows of a multiple of 4 values, the dictionary is
 * within PAIRS_STEP_MAX_DICTIONARY, and the workspace (three [m, d] matrices, the codes [batch, m], three [batch, d],
 * pair lists for 2 % of the codes) must fit its memory.
 */
export function pairsStepSupports(kind: SaeKind, s: PairsShape): boolean {
  const floats = 3 * s.m * s.d + s.batch * s.m + 3 * s.batch * s.d + 6 * Math.ceil(s.batch * s.m * PAIRS_STEP_MAX_DENSITY);
  return (kind === 'l1' || kind === 'jumprelu' || kind === 'gated') && s.d % 4 === 0 && s.m * s.d <= PAIRS_STEP_MAX_DICTIONARY && 4 * floats <= PAIRS_STEP_MAX_BYTES;
}

/**
 * The largest L0 / m at which this file's step runs instead of the dense one. Measured by timing single split steps of
 * sae-l1 at d = 512, m = 4,096, B = 1,024 on this project's 2-core machine, b_enc set for each density: the pairs step took
 * 129–148 ms at 0.85 %, 191–194 at 2.4 %, 238–250 at 5.7 % against the dense step's 203–213, so it ties the dense step
 * near 2.5 % and the switch sits at 2 %. (The ORT sparse graphs break even near 1 %: SPARSE_PAIRS_MAX_DENSITY.)
 */
export const PAIRS_STEP_MAX_DENSITY = 0.02;

/** The density below which sae.ts runs the pairs step of `kind` at this shape: this file's where it applies, else the graphs'. */
export function pairsSwitchDensity(kind: SaeKind, s: PairsShape): number {
  return pairsStepSupports(kind, s) && pairsStepRoute() === 'js' ? PAIRS_STEP_MAX_DENSITY : SPARSE_PAIRS_MAX_DENSITY;
}

/** Which route the L1, JumpReLU and Gated pair steps take: 'js' (this file) unless CAJAL_SAE_PAIRS_STEP=graph asks for their ORT graphs. */
export function pairsStepRoute(env: NodeJS.ProcessEnv = process.env): 'js' | 'graph' {
  return env.CAJAL_SAE_PAIRS_STEP === 'graph' ? 'graph' : 'js';
}

/**
 * The split step's alternate for sae-l1, sae-jumprelu and sae-gated (the step on their pairs, chosen per step by the
 * codes' density): this file's JS step where it applies, else the sparse graph `graphBytes()` builds.
 */
export function pairsAlternate(kind: SaeKind, o: { d: number; m: number; batch: number; bandwidth: number; adam: AdamConfig }, graphBytes: () => Uint8Array): SplitGraphOptions {
  if ((kind === 'l1' || kind === 'jumprelu' || kind === 'gated') && pairsStepSupports(kind, o) && pairsStepRoute() === 'js') {
    return { bytes: new Uint8Array(), prelude: { bytes: buildSaeSparsePrelude(kind, o.d, o.m, o.batch), shape: [o.batch, o.m] }, kernel: saePairsStep(kind, o) };
  }
  return sparseStepGraph(kind, o.d, o.m, o.batch, graphBytes());
}

interface Regions {
  capacity: number;
  pre: PairsRegion<Float32Array>;
  theta: PairsRegion<Float32Array>;
  diff: PairsRegion<Float32Array>;
  count: PairsRegion<Int32Array>;
  wDec: PairsRegion<Float32Array>;
  xbar: PairsRegion<Float32Array>;
  dxhat: PairsRegion<Float32Array>;
  gWdec: PairsRegion<Float32Array>;
  gWencT: PairsRegion<Float32Array>;
  row: PairsRegion<Int32Array>;
  lat: PairsRegion<Int32Array>;
  f: PairsRegion<Float32Array>;
  df: PairsRegion<Float32Array>;
  /** Gated: h on the pairs, ∂π_gate on the pairs, and the auxiliary reconstruction's x̂_aux − x then ∂x̂_aux. */
  h: PairsRegion<Float32Array>;
  dGate: PairsRegion<Float32Array>;
  dxaux: PairsRegion<Float32Array>;
}

/**
 * The split step's kernel for sae-`kind` (l1 or jumprelu) at d, m, batch; `bandwidth` is JumpReLU's ε in the graph's
 * units, `adam` the fit's Adam constants (for the bias-correction scalars the graph contract includes).
 */
export function saePairsStep(kind: 'l1' | 'jumprelu' | 'gated', o: { d: number; m: number; batch: number; bandwidth?: number; adam?: AdamConfig }): SplitKernel {
  const { d, m, batch: B } = o;
  if (!pairsStepSupports(kind, o)) throw new Error(`sae-${kind} has no pairs step at d = ${d}, m = ${m}, batch ${B}.`);
  const eps = f32(o.bandwidth ?? 0.001);
  const ws = new PairsWorkspace();
  let regions: Regions | null = null;
  const layout = (capacity: number): Regions => {
    ws.reset();
    return {
      capacity,
      pre: ws.f32(B * m),
      theta: ws.f32(m),
      diff: ws.f32(capacity + 4),
      count: ws.i32(1),
      wDec: ws.f32(m * d),
      xbar: ws.f32(B * d),
      dxhat: ws.f32(B * d),
      gWdec: ws.f32(m * d),
      gWencT: ws.f32(m * d),
      row: ws.i32(capacity + 4),
      lat: ws.i32(capacity + 4),
      f: ws.f32(capacity + 4),
      df: ws.f32(capacity + 4),
      h: ws.f32(kind === 'gated' ? capacity + 4 : 0),
      dGate: ws.f32(kind === 'gated' ? capacity + 4 : 0),
      dxaux: ws.f32(kind === 'gated' ? B * d : 0),
    };
  };
  const theta = new Float32Array(m);
  const scale = new Float32Array(kind === 'gated' ? m : 0);
  const dhSum = new Float32Array(kind === 'gated' ? m : 0);

  return {
    run(io: SplitKernelIO): void {
      const { feeds, fetches } = io;
      const pre = io.enc;
      const x = feeds.x!;
      const bDec = feeds.b_dec!;
      const wEnc = feeds.W_enc!;
      const coef = feeds.coef![0]!;
      if (kind === 'jumprelu') {
        const logTheta = feeds.log_threshold!;
        for (let i = 0; i < m; i++) theta[i] = Math.exp(logTheta[i]!);
      }
      // Gated: h − (−b_gate) is π_gate = h + b_gate exactly.
      if (kind === 'gated') for (let i = 0; i < m; i++) theta[i] = -feeds.b_enc![i]!;
      // The pairs, row-major as ONNX NonZero lists them: L1's nonzero codes (pre − 0 > 0); JumpReLU's active or near pairs,
      // pre − θ > −ε/2 (with pre − θ kept for the threshold's gradient); Gated's open gates, π_gate > 0 (π_gate kept, and
      // h as the pairs' value). A list longer than the workspace's lays it out again, larger.
      let P = 0;
      for (;;) {
        regions ??= layout(Math.max(1024, Math.ceil(B * m * 0.02)));
        regions.pre.view().set(pre);
        regions.theta.view().set(theta);
        P = ws.scan(regions.pre, regions.theta, kind === 'jumprelu' ? f32(-eps / 2) : 0, B, m, regions.row, regions.lat, regions.f, regions.diff, regions.count);
        if (P <= regions.capacity) break;
        regions = layout(Math.max(regions.capacity * 2, Math.ceil(P * 1.5)));
      }
      const R = regions!;
      const [lat, f, df, pairDiff] = [R.lat.view(), R.f.view(), R.df.view(), R.diff.view()];
      const [xbar, dxhat] = [R.xbar.view(), R.dxhat.view()];
      R.wDec.view().set(feeds.W_dec!);
      for (let r = 0; r < B; r++) for (let k = 0; k < d; k++) xbar[r * d + k] = f32(x[r * d + k]! - bDec[k]!);

      // Gated: the codes f = ReLU(h·exp(r_mag) + b_mag) on the open pairs, h kept; π_gate (the scan's difference) feeds
      // the auxiliary reconstruction.
      const hP = R.h.view();
      if (kind === 'gated') {
        const rMag = feeds.r_mag!;
        const bMag = feeds.b_mag!;
        for (let i = 0; i < m; i++) scale[i] = Math.exp(rMag[i]!);
        for (let j = 0; j < P; j++) {
          const i = lat[j]!;
          hP[j] = f[j]!;
          f[j] = Math.max(0, f32(f32(f[j]! * scale[i]!) + bMag[i]!));
        }
      }

      // x̂ − x on the rows, then its gradient ∂x̂ = 2(x̂ − x)/(B·d) in place (Gated: x̂_aux likewise).
      dxhat.fill(0);
      ws.axpy(R.dxhat, R.row, R.wDec, R.lat, R.f, P, d);
      const dScale = f32(2 / (B * d));
      const errors = (e: Float32Array) => {
        let sum = 0;
        for (let r = 0, at = 0; r < B; r++) {
          for (let k = 0; k < d; k++, at++) {
            const v = kind === 'l1' ? f32(e[at]! + f32(bDec[k]! - x[at]!)) : f32(f32(e[at]! + bDec[k]!) - x[at]!);
            e[at] = f32(v * dScale);
            sum += v * v;
          }
        }
        return sum;
      };
      const sqErrSum = errors(dxhat);
      let auxSum = 0;
      if (kind === 'gated') {
        R.dxaux.view().fill(0);
        ws.axpy(R.dxaux, R.row, R.wDec, R.lat, R.diff, P, d);
        auxSum = errors(R.dxaux.view());
      }

      // ∂f_j = ⟨W_dec[lat_j], ∂x̂[row_j]⟩, then ∂pre_j (L1: + λ/B for f > 0; JumpReLU: H_j·∂f_j) into df.
      ws.dot(R.dxhat, R.row, R.wDec, R.lat, R.df, P, d);
      const fired = fetches.fired!;
      fired.fill(0);
      const gBenc = fetches.grad_b_enc!;
      gBenc.fill(0);
      let penalty = 0;
      if (kind === 'gated') {
        // ∂π_mag = [π_mag > 0]·∂f, ∂π_gate = ⟨W_dec, ∂x̂_aux⟩ + λ/B, ∂h = ∂π_gate + ∂π_mag·exp(r_mag) (into df for ∂W_encᵀ).
        ws.dot(R.dxaux, R.row, R.wDec, R.lat, R.dGate, P, d);
        const dGate = R.dGate.view();
        const gRmag = fetches.grad_r_mag!;
        const gBmag = fetches.grad_b_mag!;
        gRmag.fill(0);
        gBmag.fill(0);
        dhSum.fill(0);
        const lamB = f32(coef * f32(1 / B));
        for (let j = 0; j < P; j++) {
          const i = lat[j]!;
          const open = f[j]! > 0;
          const dMag = open ? df[j]! : 0;
          const dg = f32(dGate[j]! + lamB);
          const dh = f32(dg + f32(dMag * scale[i]!));
          penalty += pairDiff[j]!;
          gBenc[i] = f32(gBenc[i]! + dg);
          gRmag[i] = f32(gRmag[i]! + f32(f32(dMag * hP[j]!) * scale[i]!));
          gBmag[i] = f32(gBmag[i]! + dMag);
          dhSum[i] = f32(dhSum[i]! + dh);
          if (open) fired[i]! += 1;
          df[j] = dh;
        }
      } else if (kind === 'l1') {
        const lamB = f32(coef * f32(1 / B));
        for (let j = 0; j < P; j++) {
          penalty += f[j]!;
          df[j] = f32(df[j]! + lamB);
          gBenc[lat[j]!] = f32(gBenc[lat[j]!]! + df[j]!);
          fired[lat[j]!]! += 1;
        }
      } else {
        const gLogTheta = fetches.grad_log_threshold!;
        gLogTheta.fill(0);
        const negInvEps = f32(-1 / eps);
        const l0Term = f32(coef * f32(1 / (B * eps)));
        for (let j = 0; j < P; j++) {
          const diff = pairDiff[j]!;
          const i = lat[j]!;
          const dfj = df[j]!;
          if (Math.abs(diff) < eps / 2) gLogTheta[i] = f32(gLogTheta[i]! + f32(f32(f32(theta[i]! * negInvEps) * dfj) - l0Term));
          const h = diff > 0;
          df[j] = h ? dfj : 0;
          if (h) {
            penalty += 1;
            gBenc[i] = f32(gBenc[i]! + dfj);
            fired[i]! += 1;
          }
        }
        for (let i = 0; i < m; i++) gLogTheta[i] = f32(gLogTheta[i]! * theta[i]!);
      }

      // ∂W_dec[lat_j] += f_j·∂x̂[row_j];  ∂W_encᵀ[lat_j] += ∂pre_j·x̄[row_j].
      R.gWdec.view().fill(0);
      R.gWencT.view().fill(0);
      ws.axpy(R.gWdec, R.lat, R.dxhat, R.row, R.f, P, d);
      ws.axpy(R.gWencT, R.lat, R.xbar, R.row, R.df, P, d);

      finishWeightGrads(ws, R, fetches, m, d);
      bDecGrad(dxhat, kind === 'gated' ? dhSum : gBenc, wEnc, { d, m, batch: B }, fetches.grad_b_dec!);
      adamScalarsInto(feeds, fetches, o.adam);
      const mse = f32(sqErrSum * f32(1 / (B * d)));
      const pen = f32(penalty * f32(1 / B));
      const aux = f32(auxSum * f32(1 / (B * d)));
      fetches.loss![0] = kind === 'gated' ? f32(f32(mse + f32(coef * pen)) + aux) : f32(mse + f32(coef * pen));
      fetches.mse![0] = mse;
      fetches.l1![0] = pen;
      fetches.aux![0] = aux;
      fetches.l0![0] = firedPerRow(fired, B);
      fetches.ev![0] = explainedVariance(x, B, d, sqErrSum);
    },
  };
}


// The step's last parts, shared with sae-batchtopk-pairs.ts.

/**
 * ∂W_dec without its component along each dictionary row (the dense step's projection) and ∂W_enc = (∂W_encᵀ)ᵀ (through
 * ∂W_dec's region once that is copied out), into the fetches.
 */
export function finishWeightGrads(ws: PairsWorkspace, R: { gWdec: PairsRegion<Float32Array>; gWencT: PairsRegion<Float32Array>; wDec: PairsRegion<Float32Array> }, fetches: Record<string, Float32Array>, m: number, d: number): void {
  ws.project(R.gWdec, R.wDec, m, d);
  fetches.grad_W_dec!.set(R.gWdec.view());
  ws.transpose(R.gWencT, R.gWdec, m, d);
  fetches.grad_W_enc!.set(R.gWdec.view());
}

/** ∂b_dec = Σ_rows up − (Σ ∂pre)·W_encᵀ: `up` [batch, d] the reconstruction's upstream gradient, W_enc [d, m]. */
export function bDecGrad(up: Float32Array, preSum: Float32Array, wEnc: Float32Array, s: PairsShape, out: Float32Array): void {
  const { d, m, batch: B } = s;
  const colSum = new Float64Array(d);
  for (let r = 0, at = 0; r < B; r++) for (let k = 0; k < d; k++, at++) colSum[k]! += up[at]!;
  for (let k = 0; k < d; k++) {
    let w = 0;
    for (let i = 0, at = k * m; i < m; i++, at++) w += preSum[i]! * wEnc[at]!;
    out[k] = f32(colSum[k]! - w);
  }
}

/** Adam's bias-correction scalars of the graph contract, as adamScalars (train/adam.ts) computes them in float32. */
export function adamScalarsInto(feeds: Record<string, Float32Array>, fetches: Record<string, Float32Array>, adam: AdamConfig | undefined): void {
  const beta1 = adam?.beta1 ?? 0.9;
  const beta2 = adam?.beta2 ?? 0.999;
  const t = feeds.t![0]!;
  const sqrtBc2 = f32(Math.sqrt(f32(1 - f32(Math.pow(f32(beta2), t)))));
  fetches.adam_mScale![0] = f32(f32(feeds.lr![0]! / f32(1 - f32(Math.pow(f32(beta1), t)))) * sqrtBc2);
  fetches.adam_epsHat![0] = f32(f32(adam?.eps ?? 1e-8) * sqrtBc2);
}

/** The step's L0: latents fired per row of the batch. */
export function firedPerRow(fired: Float32Array, B: number): number {
  let sum = 0;
  for (let i = 0; i < fired.length; i++) sum += fired[i]!;
  return f32(sum * f32(1 / B));
}

/** 1 − Σ(x̂ − x)² / Σ(x − column means)² over the batch x [B, d], as the step graph's `ev`. */
export function explainedVariance(x: Float32Array, B: number, d: number, sqErrSum: number): number {
  const colSum = new Float64Array(d);
  for (let r = 0, at = 0; r < B; r++) for (let k = 0; k < d; k++, at++) colSum[k]! += x[at]!;
  const mean = new Float32Array(d);
  for (let k = 0; k < d; k++) mean[k] = colSum[k]! / B;
  let total = 0;
  for (let r = 0, at = 0; r < B; r++) {
    for (let k = 0; k < d; k++, at++) {
      const c = f32(x[at]! - mean[k]!);
      total += c * c;
    }
  }
  return f32(1 - f32(sqErrSum) / Math.max(f32(total), 1e-30));
}
