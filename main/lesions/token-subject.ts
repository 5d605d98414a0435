// Loss recovered of a basis fitted to a token harvest (#13): the harvest's model, its text stimulus set re-opened as
// a corpus and the basis, checked like the image path's subject (the file unchanged since it was opened), then
// measured over the set's first N contexts by token-loss.ts with the job's progress and cancel.
import { readFileSync } from 'node:fs';
import { loadBasis } from '../bases/load';
import { UserError } from '../errors';
import { sha256Hex } from '../onnx/model';
import { openTextSource } from '../stimuli/text';
import type { TextSpec } from '../stimuli/types';
import { getBasis } from '../store/bases';
import type { Db } from '../store/project';
import { getModel, getStimulusSet, type HarvestRecord } from '../store/repo';
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
  const model = getModel(db, harvest.modelId);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(model.path);
  } catch {
    throw new UserError('lesions.model-missing', `The model file ${model.path} cannot be read; put it back where it was opened from.`);
  }
  if (sha256Hex(bytes) !== model.sha256) throw new UserError('lesions.model-changed', `The model file ${model.path} changed since it was opened (its SHA-256 differs); open it again as a new model.`);
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
