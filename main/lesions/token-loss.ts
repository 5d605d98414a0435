// Loss recovered on a token model (#13; Towards Monosemanticity, SAELens' CE loss score): next-token cross-entropy
// averaged over every position of the contexts (position p of a context predicts its token p + 1, so a context of n
// tokens scores n − 1), with the layer clean, zero-ablated, mean-ablated (each unit's mean over the contexts' tokens)
// and replaced at every token position by the basis's reconstruction; score = (CE_ablated − CE_spliced) /
// (CE_ablated − CE_clean), and the same ratio on KL(clean ‖ ·) per position. The edits are the lesion room's own
// (ZeroAblation, MeanAblation, and Splice's x' = x̂), each token position a row of the layer's units.
import * as ort from 'onnxruntime-node';
import type { Basis } from '../bases/types';
import { tensorToFloat32 } from '../onnx/dtypes';
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import type { TextCorpus } from '../text/corpus';
import { checkCorpusFitsModel, tokenFeeds } from '../text/token-harvest';
import { planTokenModel } from '../text/token-model';
import { MeanAblation, ZeroAblation } from './interventions';
import { recoveredFraction, type LossRecoveredSummary } from './loss-recovered';
import { cleanName, SPLICE_INPUTS, SPLICE_LOGPROBS, spliceTokenModel } from './token-splice';
import { LesionInputError, type EditParams, type LayerInfo } from './types';
import { decodeRows } from '../bases/frame'; // h12norm

export interface TokenLossRequest {
  modelBytes: Uint8Array;
  modelLabel: string;
  corpus: TextCorpus;
  tensor: string;
  /** The scored output (logits over the vocabulary, [batch, seq, V]); the model's first output by default. */
  output?: string;
  basis: Basis;
  basisId: number;
  basisLabel: string;
  /** The first N contexts of the corpus. */
  contexts: number;
  /** Contexts per run. */
  batch?: number;
  onProgress?: (done: number, total: number, message: string) => void;
  throwIfCancelled?: () => void;
}

export interface TokenLossSummary extends LossRecoveredSummary {
  /** Token positions scored (each context's tokens but its last). */
  tokens: number;
  unit: 'context';
}

type Run = { logprobs: Float32Array; logits: Float32Array; clean: Float32Array; vocab: number; width: number };

interface Sums {
  ce: number;
  kl: number;
  se: number;
}

export async function tokenLossRecovered(r: TokenLossRequest): Promise<TokenLossSummary> {
  const proto = parseModel(r.modelBytes, r.modelLabel);
  const plan = planTokenModel(proto);
  checkCorpusFitsModel(r.corpus, plan);
  const output = r.output ?? (proto.graph?.output ?? [])[0]?.name ?? '';
  const n = Math.min(r.contexts, r.corpus.contexts.length);
  const L = r.corpus.spec.contextLength;
  const batch = r.batch ?? 16;
  const session = await createSession(serializeModel(spliceTokenModel(proto, r.tensor, output, r.modelLabel)), { label: r.modelLabel });
  try {
    const run = async (start: number, count: number, keep: Float32Array, add: Float32Array, addDims: number[]): Promise<Run> => {
      const feeds: Record<string, ort.Tensor> = { ...tokenFeeds(r.corpus, plan, start, count) };
      feeds[SPLICE_INPUTS.keep] = new ort.Tensor('float32', keep, [keep.length]);
      feeds[SPLICE_INPUTS.add] = new ort.Tensor('float32', add, addDims);
      const out = await session.run(feeds, [SPLICE_LOGPROBS, output, cleanName(r.tensor)]);
      const lp = out[SPLICE_LOGPROBS]!;
      const x = out[cleanName(r.tensor)]!;
      if (lp.dims.length !== 3 || lp.dims[0] !== count || lp.dims[1] !== L) {
        throw new LesionInputError('lesions.token-output', `Output ${output} has shape [${lp.dims.join(', ')}], not [batch, ${L}, vocabulary], so it gives no next-token distribution per position.`);
      }
      if (x.dims.length !== 3 || x.dims[0] !== count || x.dims[1] !== L) {
        throw new LesionInputError('lesions.token-layout', `Tensor ${r.tensor} has shape [${x.dims.join(', ')}], not [batch, ${L}, units]; loss recovered splices a layer with one vector per token position.`);
      }
      return { logprobs: tensorToFloat32(lp), logits: tensorToFloat32(out[output]!), clean: tensorToFloat32(x), vocab: Number(lp.dims[2]), width: Number(x.dims[2]) };
    };
    const total = 2 * n;
    const ones = (c: number) => new Float32Array(c).fill(1);
    const one = new Float32Array([1]);

    // Pass 1: each unit's mean over the real tokens of the contexts (the mean-ablation value).
    let width = 0;
    let meanSum = new Float64Array(0);
    let tokens = 0;
    for (let start = 0; start < n; start += batch) {
      r.throwIfCancelled?.();
      const count = Math.min(batch, n - start);
      const clean = await run(start, count, one, new Float32Array(1), [1]);
      if (width === 0) {
        width = clean.width;
        meanSum = new Float64Array(width);
      }
      for (let i = 0; i < count; i++) {
        const len = r.corpus.contexts[start + i]!.length;
        for (let p = 0; p < len; p++) for (let u = 0; u < width; u++) meanSum[u]! += clean.clean[(i * L + p) * width + u]!;
        tokens += len;
      }
      r.onProgress?.(start + count, total, `Unit means: ${start + count} of ${n} contexts`);
    }
    if (r.basis.dim !== width) throw new LesionInputError('lesions.basis-layer', `${r.basisLabel} reads ${r.basis.dim} units but ${r.tensor} has ${width} per token; choose a basis fitted to this layer.`);
    const mean = Float32Array.from(meanSum, (s) => s / Math.max(1, tokens));
    if (!r.basis.decode) throw new LesionInputError('lesions.no-decoder', `${r.basisLabel} has no decoder, so it has no reconstruction to splice in.`);
    const layer: LayerInfo = { unitShape: [width] };
    const units = Array.from({ length: width }, (_, u) => u);
    const zero = new ZeroAblation(units).params(layer);
    const meaned = new MeanAblation(units, mean).params(layer);

    // Pass 2: clean, zero, mean and spliced runs of each batch, scored at every position against the next token.
    const sums = { clean: { ce: 0, kl: 0, se: 0 }, zero: { ce: 0, kl: 0, se: 0 }, mean: { ce: 0, kl: 0, se: 0 }, spliced: { ce: 0, kl: 0, se: 0 } };
    let scored = 0;
    let vocab = 0;
    for (let start = 0; start < n; start += batch) {
      r.throwIfCancelled?.();
      const count = Math.min(batch, n - start);
      const clean = await run(start, count, ones(width), new Float32Array(width), [1, 1, width]);
      vocab = clean.vocab;
      const rows = count * L;
      const x = clean.clean;
      // The splice (x' = x̂ at every token position): the basis's own encode and decode, any decoder, no affinity needed.
      const recon = await decodeRows(r.basis, await r.basis.encode(x, rows), x, rows); // h12norm: in the rows' frame
      const spliceEdit: EditParams = { keep: new Float32Array(width), add: recon };
      const ids = r.corpus.ids(start, count);
      const lengths = Array.from({ length: count }, (_, i) => r.corpus.contexts[start + i]!.length);
      const score = (s: Sums, y: Run) => accumulate(s, clean, y, ids, lengths, L);
      scored += score(sums.clean, clean);
      for (const [name, edit] of [['zero', zero], ['mean', meaned], ['spliced', spliceEdit]] as const) {
        const y = await run(start, count, edit.keep, edit.add, edit.add.length === width ? [1, 1, width] : [count, L, width]);
        score(sums[name], y);
      }
      r.onProgress?.(n + start + count, total, `Splicing ${r.basisLabel}: ${start + count} of ${n} contexts`);
    }
    if (scored === 0) throw new LesionInputError('lesions.token-none', 'The contexts hold no token with a next token to predict; use longer contexts.');
    const avg = (s: Sums) => ({ crossEntropy: s.ce / scored, kl: s.kl / scored });
    const c = sums.clean.ce / scored;
    const s = avg(sums.spliced);
    const z = avg(sums.zero);
    const m = avg(sums.mean);
    return {
      basisId: r.basisId,
      stimuli: n,
      output,
      labelled: true,
      clean: { crossEntropy: c },
      spliced: s,
      zero: z,
      mean: m,
      ceScoreZero: recoveredFraction(z.crossEntropy, s.crossEntropy, c),
      ceScoreMean: recoveredFraction(m.crossEntropy, s.crossEntropy, c),
      klScoreZero: recoveredFraction(z.kl, s.kl, 0) ?? Number.NaN,
      klScoreMean: recoveredFraction(m.kl, s.kl, 0) ?? Number.NaN,
      splicedMse: sums.spliced.se / (scored * vocab),
      tokens: scored,
      unit: 'context',
    };
  } finally {
    await session.release();
  }
}

/** Adds the CE to the next token, KL(clean ‖ y) and the squared logit error of every scored position; returns how many. */
function accumulate(s: Sums, clean: Run, y: Run, ids: Int32Array, lengths: number[], L: number): number {
  const V = y.vocab;
  let count = 0;
  lengths.forEach((len, i) => {
    for (let p = 0; p + 1 < len; p++) {
      const o = (i * L + p) * V;
      s.ce -= y.logprobs[o + ids[i * L + p + 1]!]!;
      let kl = 0;
      let se = 0;
      for (let v = 0; v < V; v++) {
        const cp = clean.logprobs[o + v]!;
        kl += Math.exp(cp) * (cp - y.logprobs[o + v]!);
        se += (clean.logits[o + v]! - y.logits[o + v]!) ** 2;
      }
      s.kl += kl;
      s.se += se;
      count++;
    }
  });
  return count;
}
