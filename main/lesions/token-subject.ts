// Loss recovered of a basis fitted to a token harvest (#13): the harvest's model, its text stimulus set re-opened as
// a corpus and the basis, checked like the image path's subject (the file unchanged since it was opened), then
// measured over the set's first N contexts by token-loss.ts with the job's progress and cancel.
import { loadBasis } from '../bases/load';
import { openTextSource } from '../stimuli/text';
import type { TextSpec } from '../stimuli/types';
import { getBasis } from '../store/bases';
import type { Db } from '../store/project';
import { getStimulusSet, type HarvestRecord } from '../store/repo';
import { readOpenedModel } from './subject';
import { tokenLossRecovered, type TokenLossSummary } from './token-loss';

/** Whether the harvest was recorded over text (its stimuli are contexts of token ids). */
export function isTokenHarvest(db: Db, harvest: HarvestRecord): boolean {
  return Boolean(harvest.stimulusSetId) && (getStimulusSet(db, harvest.stimulusSetId).spec as { kind?: string }).kind === 'text';
}

export async function tokenLossRecoveredOf(
  db: Db,
  harvest: HarvestRecord,
  basisId: number,
  p: { stimuli: number; output?: string },
  hooks: { onProgress?: (done: number, total: number, message: string) => void; throwIfCancelled?: () => void } = {},
): Promise<TokenLossSummary> {
  const { model, bytes } = readOpenedModel(db, harvest.modelId);
  const set = getStimulusSet(db, harvest.stimulusSetId);
  const corpus = openTextSource(set.spec as TextSpec).corpus;
  const rec = getBasis(db, basisId);
  return tokenLossRecovered({
    modelBytes: bytes,
    modelLabel: model.name,
    corpus,
    tensor: harvest.tensor,
    output: p.output,
    basis: loadBasis(db, rec),
    basisId: rec.id,
    basisLabel: `Basis ${rec.id} (${rec.name})`,
    contexts: p.stimuli,
    ...hooks,
  });
}
