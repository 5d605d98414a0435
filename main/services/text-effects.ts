// A text feature's output effects (text.effects, #13 item 4): its top contexts (as the token-context browser picks
// them), the harvest's model (checked unchanged since it was opened) and the basis, handed to the lesion room's
// token-effects run; steering's unit is the feature's largest stored activation. Runs in the service worker.
import type { Params, TextEffects } from '../api/contract';
import { loadBasis } from '../bases/load';
import { UserError } from '../errors';
import { readOpenedModel } from '../lesions/subject';
import { tokenFeatureEffects } from '../lesions/token-effects';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { topTextContexts } from './text';

export async function textEffects(db: Db, p: Params<'text.effects'>): Promise<TextEffects> {
  const { rec, harvest, modelId, set, corpus, examples, shown } = topTextContexts(db, p.basisId, p.feature, p.k);
  const scale = examples.topActs[0] ?? 0;
  if (!(scale > 0)) throw new UserError('text.effects-silent', `Feature ${p.feature} of basis ${p.basisId} never fires (its largest activation is ${scale}), so it has no output effects to measure.`);
  const { model, bytes } = readOpenedModel(db, modelId);
  const names = repo.stimulusNames(db, set.id);
  const contexts = shown.map((s) => s.context);
  const summary = await tokenFeatureEffects({
    modelBytes: bytes,
    modelLabel: model.name,
    corpus,
    tensor: harvest.tensor,
    basis: loadBasis(db, rec),
    basisLabel: `Basis ${rec.id} (${rec.name})`,
    feature: p.feature,
    contexts,
    alpha: p.alpha,
    scale,
    top: p.top,
  });
  return { ...summary, basisId: p.basisId, contextNames: contexts.map((c) => names[c] ?? `context ${c}`) };
}
