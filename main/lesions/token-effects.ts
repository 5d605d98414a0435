// Output effects of one feature of a token model (#13 item 4, Towards Monosemanticity's "logit effects" measured
// by intervention): over a few contexts, at every token position where the feature fires (its code > 0), the model
// is run clean, with the feature ablated (x' = x − a_f(x)·D_f, the lesion room's latent zero edit: only the feature
// changes, the basis's error term is kept) and steered (x' = x + α·scale·D_f, the lesion room's Steer along the
// feature's decoder row D_f = decode(e_f) − decode(0)); the mean change of each next token's probability and
// log-probability over those positions tells which next tokens the feature raises and lowers. The edits touch only
// the firing positions, and every run goes through the token splice (the tensor rejoined as clean ⊙ keep + add).
import * as ort from 'onnxruntime-node';
import type { Basis } from '../bases/types';
import { tensorToFloat32 } from '../onnx/dtypes';
import { parseModel, serializeModel } from '../onnx/model';
import { valueInfoShape, type ModelProto } from '../onnx/proto';
import { createSession } from '../onnx/session';
import type { TextCorpus } from '../text/corpus';
import { checkCorpusFitsModel, tokenFeeds } from '../text/token-harvest';
import { planTokenModel, type TokenModel } from '../text/token-model';
import { Steer } from './interventions';
import { BasisView, LatentEdit } from './latent';
import { cleanName, SPLICE_INPUTS, SPLICE_LOGPROBS, spliceTokenModel } from './token-splice';
import type { EditEffects, TokenEffect, TokenEffectsSummary } from './token-effects-types';
import { LesionInputError, type LayerInfo } from './types';

export type { EditEffects, TextEffects, TokenEffect, TokenEffectsSummary } from './token-effects-types';

export interface TokenEffectsRequest {
  modelBytes: Uint8Array;
  modelLabel: string;
  corpus: TextCorpus;
  tensor: string;
  /** Logits over the vocabulary ([batch, seq, V]); the model's first output by default. */
  output?: string;
  basis: Basis;
  basisLabel: string;
  feature: number;
  /** Indices of the contexts measured (the feature's top contexts). */
  contexts: readonly number[];
  /** Steering strength in units of `scale`. */
  alpha: number;
  /** The feature's largest activation (its stored top row): steering adds α·scale·D_f. */
  scale: number;
  /** Raised and lowered tokens listed per edit. */
  top?: number;
  /** Contexts per run. */
  batch?: number;
}

export async function tokenFeatureEffects(r: TokenEffectsRequest): Promise<TokenEffectsSummary> {
  if (!Number.isFinite(r.alpha)) throw new LesionInputError('lesions.alpha', `The steering strength α must be a finite number, not ${r.alpha}.`);
  if (!Number.isInteger(r.feature) || r.feature < 0 || r.feature >= r.basis.nFeatures) {
    throw new LesionInputError('lesions.feature', `Feature ${r.feature} does not exist: ${r.basisLabel} has features 0 to ${r.basis.nFeatures - 1}.`);
  }
  if (r.contexts.length === 0) throw new LesionInputError('lesions.effects-contexts', 'Output effects need at least one context to run the model on.');
  const proto = parseModel(r.modelBytes, r.modelLabel);
  const plan = planTokenModel(proto);
  checkCorpusFitsModel(r.corpus, plan);
  const output = r.output ?? (proto.graph?.output ?? [])[0]?.name ?? '';
  const L = r.corpus.spec.contextLength;
  const batch = contextsPerRun(proto, output, L, r.batch ?? 8);
  const session = await createSession(serializeModel(spliceTokenModel(proto, r.tensor, output, r.modelLabel)), { label: r.modelLabel });
  try {
    let positions = 0;
    let vocab = 0;
    let sums: { adp: Float64Array; adlp: Float64Array; sdp: Float64Array; sdlp: Float64Array; clean: Float64Array } | null = null;
    // One batch of contexts at a time (a large vocabulary makes each run's log-probabilities big): the clean run gives
    // the layer's rows, the basis picks the positions where the feature fires, then the ablated and steered runs.
    for (let start = 0; start < r.contexts.length; start += batch) {
      const ids = r.contexts.slice(start, start + batch);
      const c = await runBatch(session, r, plan, ids, null, output, L);
      const width = c.width;
      vocab = c.vocab;
      const rows = ids.length * L;
      const layer: LayerInfo = { unitShape: [width] };
      // The lesion room's own view of the basis over these rows: codes, decoder rows, and its affine-decoder check.
      const view = await BasisView.open(r.basis, { data: c.x, dims: [rows, width] }, 'all', r.basisLabel);
      const m = r.basis.nFeatures;
      const fires = new Uint8Array(rows);
      ids.forEach((ctx, i) => {
        const len = r.corpus.contexts[ctx]!.length;
        for (let p = 0; p < len; p++) {
          if (view.codes[(i * L + p) * m + r.feature]! > 0) {
            fires[i * L + p] = 1;
            positions++;
          }
        }
      });
      if (!fires.includes(1)) continue;
      const ablateAll = (await new LatentEdit(view, [r.feature], { kind: 'zero' }).params(layer)).add;
      const steerRow = new Steer(await view.decoderRow(r.feature), r.alpha * r.scale).params(layer).add;
      // Both edits touch only the firing positions.
      const ablateTerm = new Float32Array(rows * width);
      const steerTerm = new Float32Array(rows * width);
      for (let row = 0; row < rows; row++) {
        if (!fires[row]) continue;
        ablateTerm.set(ablateAll.subarray(row * width, (row + 1) * width), row * width);
        steerTerm.set(steerRow, row * width);
      }
      const a = (await runBatch(session, r, plan, ids, ablateTerm, output, L)).logprobs;
      const st = (await runBatch(session, r, plan, ids, steerTerm, output, L)).logprobs;
      sums ??= { adp: new Float64Array(vocab), adlp: new Float64Array(vocab), sdp: new Float64Array(vocab), sdlp: new Float64Array(vocab), clean: new Float64Array(vocab) };
      const { adp, adlp, sdp, sdlp, clean: cleanProb } = sums;
      for (let row = 0; row < rows; row++) {
        if (!fires[row]) continue;
        const o = row * vocab;
        for (let v = 0; v < vocab; v++) {
          const lc = c.logprobs[o + v]!;
          const pc = Math.exp(lc);
          cleanProb[v]! += pc;
          adp[v]! += Math.exp(a[o + v]!) - pc;
          adlp[v]! += a[o + v]! - lc;
          sdp[v]! += Math.exp(st[o + v]!) - pc;
          sdlp[v]! += st[o + v]! - lc;
        }
      }
    }
    if (!sums) {
      throw new LesionInputError('lesions.effects-silent', `Feature ${r.feature} of ${r.basisLabel} does not fire (activation > 0) at any token of the chosen contexts, so it has no output effect there.`);
    }
    const cleanProb = sums.clean;
    const top = r.top ?? 10;
    const side = (dp: Float64Array, dlp: Float64Array): EditEffects => {
      const deltaProb = Array.from(dp, (v) => v / positions);
      const deltaLogProb = Array.from(dlp, (v) => v / positions);
      const effect = (id: number): TokenEffect => ({ id, text: r.corpus.tokenizer.tokenText(id), deltaProb: deltaProb[id]!, deltaLogProb: deltaLogProb[id]!, cleanProb: cleanProb[id]! / positions });
      const ids = deltaProb.map((_, i) => i);
      return {
        raised: ids.filter((i) => deltaProb[i]! > 0).sort((a, b) => deltaProb[b]! - deltaProb[a]! || a - b).slice(0, top).map(effect),
        lowered: ids.filter((i) => deltaProb[i]! < 0).sort((a, b) => deltaProb[a]! - deltaProb[b]! || a - b).slice(0, top).map(effect),
        deltaProb,
        deltaLogProb,
      };
    };
    return { feature: r.feature, contexts: r.contexts.length, positions, vocab, alpha: r.alpha, scale: r.scale, output, ablate: side(sums.adp, sums.adlp), steer: side(sums.sdp, sums.sdlp) };
  } finally {
    await session.release();
  }
}

/** Up to this many floats in one run's log-probabilities (64 MiB), so a large vocabulary runs fewer contexts at once. */
const LOGPROB_BUDGET = 16 << 20;

/** Contexts per run: the wanted batch, fewer when the output declares a vocabulary that would pass the budget. */
function contextsPerRun(proto: ModelProto, output: string, L: number, wanted: number): number {
  const declared = valueInfoShape((proto.graph?.output ?? []).find((o) => o.name === output));
  const V = declared?.[declared.length - 1];
  return typeof V === 'number' && V > 0 ? Math.max(1, Math.min(wanted, Math.floor(LOGPROB_BUDGET / (L * V)))) : wanted;
}

/** Feeds for any list of contexts (the top ones are not consecutive): each context's own feeds, stacked on the batch axis. */
function contextFeeds(corpus: TextCorpus, plan: TokenModel, contexts: readonly number[]): Record<string, ort.Tensor> {
  const per = contexts.map((c) => tokenFeeds(corpus, plan, c, 1));
  const out: Record<string, ort.Tensor> = {};
  for (const name of Object.keys(per[0]!)) {
    const first = per[0]![name]!;
    const n = first.data.length;
    const data = first.type === 'int64' ? new BigInt64Array(n * per.length) : new Int32Array(n * per.length);
    per.forEach((f, i) => (data as BigInt64Array | Int32Array).set(f[name]!.data as never, i * n));
    out[name] = new ort.Tensor(first.type as 'int64' | 'int32', data, [per.length, ...first.dims.slice(1)]);
  }
  return out;
}

/** One spliced run of the given contexts: keep 1 everywhere, plus `add` (rows × width), or nothing (the clean run). */
async function runBatch(
  session: ort.InferenceSession,
  r: TokenEffectsRequest,
  plan: TokenModel,
  contexts: number[],
  add: Float32Array | null,
  output: string,
  L: number,
): Promise<{ logprobs: Float32Array; x: Float32Array; width: number; vocab: number }> {
  const count = contexts.length;
  const feeds = contextFeeds(r.corpus, plan, contexts);
  feeds[SPLICE_INPUTS.keep] = new ort.Tensor('float32', new Float32Array([1]), [1]);
  feeds[SPLICE_INPUTS.add] = add ? new ort.Tensor('float32', add, [count, L, add.length / (count * L)]) : new ort.Tensor('float32', new Float32Array(1), [1]);
  // An edited run needs only the log-probabilities; the clean run also returns the layer's rows.
  const out = await session.run(feeds, add ? [SPLICE_LOGPROBS] : [SPLICE_LOGPROBS, cleanName(r.tensor)]);
  const lp = out[SPLICE_LOGPROBS]!;
  if (lp.dims.length !== 3 || lp.dims[0] !== count || lp.dims[1] !== L) {
    throw new LesionInputError('lesions.token-output', `Output ${output} has shape [${lp.dims.join(', ')}], not [batch, ${L}, vocabulary], so it gives no next-token distribution per position.`);
  }
  if (add) return { logprobs: tensorToFloat32(lp), x: new Float32Array(0), width: add.length / (count * L), vocab: Number(lp.dims[2]) };
  const x = out[cleanName(r.tensor)]!;
  if (x.dims.length !== 3 || x.dims[0] !== count || x.dims[1] !== L) {
    throw new LesionInputError('lesions.token-layout', `Tensor ${r.tensor} has shape [${x.dims.join(', ')}], not [batch, ${L}, units]; output effects edit a layer with one vector per token position.`);
  }
  return { logprobs: tensorToFloat32(lp), x: tensorToFloat32(x), width: Number(x.dims[2]), vocab: Number(lp.dims[2]) };
}
