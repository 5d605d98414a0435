// The text metrics of a text harvest's features (issue #13 item 5), as the metrics job calls them: the harvest's
// corpus opened once, each top row read from its stored metadata [context, token id, position, document].
import { openTextSource } from '../stimuli/text';
import type { TextSpec } from '../stimuli/types';
import type { RowMeta } from '../store/activations';
import type { Db } from '../store/project';
import { getStimulusSet, type HarvestRecord } from '../store/repo';
import type { TextHarvestParams } from './harvest-job';
import { textScorer, type TextMetricName } from './metrics';

export type TextMetricScore = (metric: TextMetricName, headRows: readonly number[], meta: Map<number, RowMeta>, rng: { sampleIndices(n: number, k: number): ArrayLike<number> }) => number;

export function openTextMetrics(db: Db, h: HarvestRecord): TextMetricScore {
  const set = getStimulusSet(db, h.stimulusSetId!);
  const corpus = openTextSource(set.spec as TextSpec).corpus;
  const contexts = (h.params as unknown as Partial<TextHarvestParams>).text?.contexts ?? corpus.contexts.length;
  const score = textScorer(corpus, contexts);
  return (metric, headRows, meta, rng) => {
    const rows = headRows.map((r) => {
      const m = meta.get(r);
      if (!m) throw new Error(`row ${r} of harvest ${h.id} has no metadata`);
      return { context: m.stimulusIndex, position: m.posY ?? 0, tokenId: m.label ?? -1 };
    });
    return score(metric, rows, rng);
  };
}
