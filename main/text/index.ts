export type * from './types';
export { TextInputError } from './errors';
export { readDocuments, readJsonl, isJsonlPath } from './documents';
export { byteTokenizer, loadHfTokenizer, openTokenizer, BYTE_TOKENIZER, type TextTokenizer } from './tokenizer';
export { cutContexts, samplePositions } from './contexts';
export { openTextCorpus, PAD_ID, type TextCorpus } from './corpus';
export { planTokenModel, IDS_INPUT, MASK_INPUT, POSITIONS_INPUT, type TokenModel, type TokenInput } from './token-model';
export { tokenNegEntropy, ngramOverlap, tokenWindow, textCompression, textScorer, isTextMetric, TEXT_METRICS, TEXT_WINDOW, NGRAM } from './metrics';
export { harvestTokens, tokenFeeds, checkCorpusFitsModel, type TokenHarvest, type TokenHarvestResult } from './token-harvest';
