// Starting a harvest over a text stimulus set (issue #13). Before anything is written: the tensors exist, the model
// reads the corpus (inputs, vocabulary, context length) and each tensor has a value per token position, measured by
// one run on the first context (an exported transformer rarely declares its inner shapes). The harvest stores one row
// per sampled token position (rowsPerItem 1, rows planned from the corpus) and runs as the ordinary harvest job.
import { readFileSync } from 'node:fs';
import type { Params, TopStimulus } from '../api/contract';
import type { RowMeta } from '../store/activations';
import { UserError } from '../errors';
import { checkHarvestLimit } from '../harvest/limit';
import { openTextSource } from '../stimuli/text';
import type { TextSpec } from '../stimuli/types';
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { probeTokenTensors, textRowCount } from '../text/harvest-plan';
import type { TextHarvestParams } from '../text/harvest-job';
import { tokenRowInfo } from '../text/token-rows';
import { openTokenizer } from '../text/tokenizer';
import { DEFAULT_CHUNK_VALUES, MAX_CHUNK_ROWS, insertHarvestJob } from './harvest-rows';

type SetInfo = ReturnType<typeof repo.getStimulusSet>;

function checkTextRequest(db: Db, p: Params<'harvests.start'>, set: SetInfo): void {
  if (p.shard) throw new UserError('harvest.text-shard', `Stimulus set ${set.id} is text, and text harvests are not recorded in shards; record it whole.`);
  if (p.inputs && Object.keys(p.inputs).length > 0) {
    throw new UserError('harvest.text-inputs', `A text harvest feeds input_ids, attention_mask and position_ids itself, so it takes no other input values (${Object.keys(p.inputs).join(', ')}).`);
  }
  const model = repo.getModel(db, p.modelId);
  const known = new Set(model.inspection.tensors.concat(model.inspection.outputs).map((t) => t.name));
  for (const name of p.tensors) {
    if (!known.has(name)) throw new UserError('harvest.unknown-tensor', `Model ${model.name} has no tensor named ${name}; run \`cajal inspect\` to list its tensors.`);
  }
  checkHarvestLimit(p.limit, set.count, `stimulus set ${set.id} (${set.name})`);
}

/** The shape per context, [contextLength, …], of each tensor, measured on the first context (refusals first). */
export async function probeTextHarvest(db: Db, p: Params<'harvests.start'>): Promise<Record<string, number[]>> {
  const set = repo.getStimulusSet(db, p.stimulusSetId);
  checkTextRequest(db, p, set);
  const model = repo.getModel(db, p.modelId);
  const corpus = openTextSource(set.spec as TextSpec).corpus;
  return probeTokenTensors(readFileSync(model.path), corpus, p.tensors);
}

/** Inserts the text harvest and its job (or finds the interrupted one the same request resumes). */
export function startTextHarvest(
  db: Db,
  p: Params<'harvests.start'>,
  shapes: Record<string, number[]>,
  findResumable: (items: number) => { jobId: number; harvestIds: number[]; rowsDone: number } | null,
): { jobId: number; harvestIds: number[]; resumedFromRow: number | null } {
  const set = repo.getStimulusSet(db, p.stimulusSetId);
  checkTextRequest(db, p, set);
  const model = repo.getModel(db, p.modelId);
  const missing = p.tensors.filter((name) => !shapes[name]);
  if (missing.length > 0) throw new Error(`text harvest of ${missing.join(', ')} started without measuring their shapes (probeTextHarvest)`);
  const contexts = Math.min(p.limit ?? set.count, set.count);
  const resumable = findResumable(contexts);
  if (resumable) return { jobId: resumable.jobId, harvestIds: resumable.harvestIds, resumedFromRow: resumable.rowsDone };

  const corpus = openTextSource(set.spec as TextSpec).corpus;
  const rows = textRowCount(corpus, contexts);
  const planned = p.tensors.map((name) => {
    const shape = shapes[name]!;
    return { name, shape, dim: shape.slice(1).reduce((a, b) => a * b, 1) };
  });
  const maxDim = Math.max(...planned.map((t) => t.dim));
  const chunkRows = p.chunkRows ?? Math.max(1, Math.min(MAX_CHUNK_ROWS, Math.floor(DEFAULT_CHUNK_VALUES / maxDim)));
  const request = { ...p, limit: contexts };
  const text: TextHarvestParams['text'] = { contexts, chunkRows };
  const title = `Harvest ${p.tensors.join(', ')} · ${model.name} · ${contexts.toLocaleString('en-US')} contexts, ${rows.toLocaleString('en-US')} tokens`;
  return insertHarvestJob(db, {
    title,
    request,
    modelId: model.id,
    stimulusSetId: set.id,
    itemsExpected: rows,
    params: { ...request, text, graph: 'taps' }, // #14: it runs only what its taps need (onnx/prune.ts)
    tensors: planned.map(({ name, shape, dim }) => ({ tensor: name, tensorShape: shape, positions: 'all', dim, rowsPerItem: 1, chunkRows })),
  });
}

/** harvests.top for a text harvest: each row's token and context instead of a thumbnail. */
export function textTop(db: Db, set: SetInfo, rows: { row: number; value: number }[], meta: Map<number, RowMeta>): TopStimulus[] {
  const tokenizer = openTokenizer((set.spec as TextSpec).tokenizer);
  const names = repo.stimulusNames(db, set.id);
  return rows.map(({ row, value }) => {
    const m = meta.get(row);
    const token = m ? tokenRowInfo(m, tokenizer, names) : undefined;
    return {
      row,
      stimulusIndex: m?.stimulusIndex ?? row,
      label: token?.tokenId ?? null,
      labelName: token?.tokenText ?? null,
      activation: value,
      position: null,
      thumbnail: '',
      ...(token ? { token } : {}),
    };
  });
}

/** A text set's token id → its text (a text harvest's rows carry the token id as their label). */
export function tokenNamer(set: SetInfo): (tokenId: number) => string {
  const tokenizer = openTokenizer((set.spec as TextSpec).tokenizer);
  return (id) => tokenizer.tokenText(id);
}
