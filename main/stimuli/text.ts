// Text as a stimulus source (issue #13): item i is context i of the text room's corpus, its token ids as the item
// ([contextLength], padded). Ids travel as float32 like every stimulus batch, exact up to 2^24, so a larger
// vocabulary is refused here rather than rounded; the harvest casts them back to the model's integer input type.
import { openTextCorpus, type TextCorpus } from '../text/corpus';
import { TextInputError } from '../text/errors';
import { StimulusError } from './errors';
import { checkBatch, checkIndex } from './range';
import type { RgbImage, StimulusItemMeta, StimulusSource, TextSpec } from './types';

const FLOAT32_EXACT = 1 << 24;

export interface TextStimulusSource extends StimulusSource {
  readonly corpus: TextCorpus;
}

export function openTextSource(spec: TextSpec): TextStimulusSource {
  const corpus = openTextCorpus(spec);
  if (corpus.tokenizer.vocabSize > FLOAT32_EXACT) {
    throw new TextInputError('vocab', `The tokenizer ${corpus.tokenizer.name} has ${corpus.tokenizer.vocabSize} tokens, more than Cajal's stimulus batches carry exactly (${FLOAT32_EXACT}).`);
  }
  const count = corpus.contexts.length;
  const noPicture = (): never => {
    throw new StimulusError('NOT_AN_IMAGE', 'A text stimulus is a context of tokens, not a picture; read it as text.');
  };
  return {
    spec,
    corpus,
    count,
    itemShape: [spec.contextLength],
    labelNames: null,
    fingerprint: corpus.fingerprint,
    meta(index: number): StimulusItemMeta {
      checkIndex(index, count);
      const c = corpus.contexts[index]!;
      return { index, label: null, name: `${corpus.documents[c.document]!.name} @${c.start}` };
    },
    async batch(start: number, n: number): Promise<Float32Array> {
      checkBatch(start, n, count);
      return Float32Array.from(corpus.ids(start, n));
    },
    async image(): Promise<RgbImage> {
      return noPicture();
    },
    async thumbnail(): Promise<Uint8Array> {
      return noPicture();
    },
  };
}
