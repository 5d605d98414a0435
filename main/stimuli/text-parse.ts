// "text:PATH?field=text&tokenizer=tok.json&context=128&stride=64&positions=250&seed=0" turned into a stored TextSpec
// (issue #13). Paths resolve against the working directory so the stored spec does not depend on it; every default
// is written into the spec: byte tokens, contexts of 128, stride = context (no overlap), 250 positions, seed 0.
import { resolve } from 'node:path';
import { BYTE_TOKENIZER } from '../text/tokenizer';
import type { TextSpec } from '../text/types';
import { InvalidStimulusSpecError } from './errors';

export const DEFAULT_TEXT_CONTEXT = 128;
/** Towards Monosemanticity sampled 250 token positions per context. */
export const DEFAULT_TEXT_POSITIONS = 250;
const KEYS = ['field', 'tokenizer', 'context', 'stride', 'positions', 'seed'];

function whole(value: string, key: string, whole: string, allowZero = false): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || (!allowZero && n === 0)) {
    throw new InvalidStimulusSpecError(`${key}=${value} in "${whole}" must be a ${allowZero ? 'non-negative' : 'positive'} whole number.`);
  }
  return n;
}

export function parseTextSpec(rest: string, text: string, cwd: string, seed?: number): TextSpec {
  const q = rest.indexOf('?');
  const pathText = q < 0 ? rest : rest.slice(0, q);
  if (pathText === '') throw new InvalidStimulusSpecError(`"${text}" names no text file or folder; write text:PATH.`);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  for (const key of params.keys()) {
    if (!KEYS.includes(key)) throw new InvalidStimulusSpecError(`"${text}" has an unknown option ${key}; text takes ${KEYS.join(', ')}.`);
  }
  const get = (key: string) => params.get(key) ?? undefined;
  const contextLength = get('context') !== undefined ? whole(get('context')!, 'context', text) : DEFAULT_TEXT_CONTEXT;
  const stride = get('stride') !== undefined ? whole(get('stride')!, 'stride', text) : contextLength;
  if (stride > contextLength) throw new InvalidStimulusSpecError(`stride=${stride} in "${text}" exceeds the context length ${contextLength}.`);
  const tokenizer = get('tokenizer');
  const field = get('field');
  return {
    kind: 'text',
    path: resolve(cwd, pathText),
    ...(field !== undefined ? { field } : {}),
    tokenizer: tokenizer === undefined || tokenizer === BYTE_TOKENIZER ? BYTE_TOKENIZER : resolve(cwd, tokenizer),
    contextLength,
    stride,
    positionsPerContext: get('positions') !== undefined ? whole(get('positions')!, 'positions', text) : DEFAULT_TEXT_POSITIONS,
    seed: get('seed') !== undefined ? whole(get('seed')!, 'seed', text, true) : (seed ?? 0),
  };
}
