// The token-context browser's data (#13 item 4): a feature's top contexts with its activation at every token. The
// harvest stored only the sampled positions, so the model is run again on the shown contexts (one tapped run each,
// the harvest's tensor at every position) and the basis encodes those rows; the row the context is shown for keeps
// its stored activation, which the re-run reproduces.
import { readFileSync } from 'node:fs';
import type { Params, TextContexts, TextContextView } from '../api/contract';
import { loadBasis } from '../bases/load';
import { UserError } from '../errors';
import { parseModel, serializeModel } from '../onnx/model';
import { createSession } from '../onnx/session';
import { tapModel } from '../onnx/tap';
import { tensorToFloat32 } from '../onnx/dtypes';
import type { TextSpec } from '../stimuli/types';
import { readRowMeta } from '../store/activations';
import type { TokenContextsSnapshot } from '../report/snapshot';
import * as basesRepo from '../store/bases';
import * as store from '../store/features';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { tokenFeeds } from '../text/token-harvest';
import { planTokenModel } from '../text/token-model';
import { openCorpusCached } from '../text/corpus-cache';

/** Whether a basis was fitted on a harvest recorded over text (its features have token contexts). */
export function isTextBasis(db: Db, basisId: number): boolean {
  const h = repo.getHarvest(db, basesRepo.getBasis(db, basisId).harvestId);
  return h.modelId !== null && !!h.stimulusSetId && repo.getStimulusSet(db, h.stimulusSetId).kind === 'text';
}

/** A report's copy of a feature's token contexts (the collection section keeps it with the card). */
export function textCard(t: TextContexts): TokenContextsSnapshot {
  return { scale: t.scale, contexts: t.contexts, topTokens: t.topTokens };
}

/** A text basis's feature resolved for browsing: its harvest, corpus, stored examples and top contexts (distinct). */
export function topTextContexts(db: Db, basisId: number, feature: number, k: number) {
  const rec = basesRepo.getBasis(db, basisId);
  if (rec.status !== 'done' && rec.status !== 'imported') throw new UserError('basis.unfinished', `Basis ${basisId} is ${rec.status}; only finished bases have features.`);
  if (feature >= rec.nFeatures) throw new UserError('features.range', `Basis ${basisId} has ${rec.nFeatures} features; there is no feature ${feature}.`);
  const h = repo.getHarvest(db, rec.harvestId);
  const set = h.stimulusSetId ? repo.getStimulusSet(db, h.stimulusSetId) : null;
  if (!set || set.kind !== 'text' || h.modelId === null) {
    throw new UserError('text.not-text', `Basis ${basisId} was fitted on harvest ${h.id}, which was not recorded over text, so it has no token contexts.`);
  }
  const ex = store.getFeatureExamples(db, basisId, feature);
  if (!ex) throw new UserError('features.not-computed', `Feature statistics of basis ${basisId} have not been computed yet; run features.compute (cajal features) first.`);
  // Kept between calls while the text files are unchanged (tokenising megabytes takes seconds).
  const corpus = openCorpusCached(set.spec as TextSpec);
  const allTop = Array.from(ex.topRows);
  const meta = readRowMeta(db, h.id, allTop);

  // The k highest rows in distinct contexts (a context is shown once, for its highest row).
  const shown: { row: number; activation: number; context: number; position: number }[] = [];
  const seen = new Set<number>();
  allTop.forEach((row, i) => {
    const m = meta.get(row);
    if (!m || seen.has(m.stimulusIndex) || shown.length >= k) return;
    seen.add(m.stimulusIndex);
    shown.push({ row, activation: ex.topActs[i]!, context: m.stimulusIndex, position: m.posY ?? 0 });
  });
  return { rec, harvest: h, modelId: h.modelId, set, corpus, examples: ex, meta, shown };
}

export async function textContexts(db: Db, p: Params<'text.contexts'>): Promise<TextContexts> {
  const { rec, harvest: h, modelId, set, corpus, meta, shown } = topTextContexts(db, p.basisId, p.feature, p.k);
  const names = repo.stimulusNames(db, set.id);

  const model = repo.getModel(db, modelId);
  const proto = parseModel(readFileSync(model.path), model.path);
  const plan = planTokenModel(proto);
  const session = await createSession(serializeModel(tapModel(proto, [h.tensor])));
  const basis = loadBasis(db, rec);
  const L = corpus.spec.contextLength;
  const contexts: TextContextView[] = [];
  try {
    for (const s of shown) {
      const out = (await session.run(tokenFeeds(corpus, plan, s.context, 1), [h.tensor]))[h.tensor]!;
      const n = corpus.contexts[s.context]!.length;
      const values = tensorToFloat32(out).subarray(0, n * h.dim);
      if (out.dims[1] !== L || values.length !== n * h.dim) throw new Error(`tensor ${h.tensor} of shape [${out.dims.join(', ')}] does not match harvest ${h.id}`);
      const codes = await basis.encode(Float32Array.from(values), n);
      const c = corpus.contexts[s.context]!;
      const ids = corpus.tokens[c.document]!.subarray(c.start, c.start + n);
      contexts.push({
        row: s.row,
        context: s.context,
        contextName: names[s.context] ?? null,
        position: s.position,
        activation: s.activation,
        tokens: Array.from(ids, (id, t) => ({ id, text: corpus.tokenizer.tokenText(id), activation: codes[t * basis.nFeatures + p.feature]! })),
      });
    }
  } finally {
    await session.release();
  }
  const scale = Math.max(0, ...contexts.flatMap((c) => c.tokens.map((t) => Math.abs(t.activation))));

  const counts = new Map<number, number>();
  for (const m of meta.values()) if (m.label !== null) counts.set(m.label, (counts.get(m.label) ?? 0) + 1);
  const topTokens = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 10)
    .map(([id, count]) => ({ id, text: corpus.tokenizer.tokenText(id), count }));
  return { basisId: p.basisId, feature: p.feature, scale, contexts, topTokens };
}
