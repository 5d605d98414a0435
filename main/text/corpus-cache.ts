// The last opened corpora, kept between requests (#13: each text.contexts or text.effects call re-read and re-tokenised
// the whole stimulus text, 1–2.6 s for 2 MB). An entry is reused only while its spec is the same and every file it was
// read from (the text files, a tokenizer.json) has the size and modification time it had when it was read; anything
// else opens the corpus afresh. A few entries only, least recently used dropped first, so memory stays bounded.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openTextCorpus, type TextCorpus } from './corpus';
import { BYTE_TOKENIZER } from './tokenizer';
import type { TextSpec } from './types';

const LIMIT = 2;
const cache = new Map<string, { stamp: string; corpus: TextCorpus }>();

/** Sizes and modification times of every file under `path` (itself when a file), in a stable order; '' if missing. */
function filesStamp(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return '';
  if (!st.isDirectory()) return `${path}\0${st.size}\0${st.mtimeMs}`;
  const parts: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      const s = statSync(full, { throwIfNoEntry: false });
      if (s?.isDirectory()) walk(full);
      else if (s) parts.push(`${full}\0${s.size}\0${s.mtimeMs}`);
    }
  };
  walk(path);
  return parts.join('\n');
}

function stampOf(spec: TextSpec): string {
  return `${filesStamp(spec.path)}\n${spec.tokenizer === BYTE_TOKENIZER ? '' : filesStamp(spec.tokenizer)}`;
}

/** The corpus of `spec`, from the cache while its files are unchanged, else opened (and cached). */
export function openCorpusCached(spec: TextSpec): TextCorpus {
  const key = JSON.stringify(spec);
  const stamp = stampOf(spec);
  const hit = cache.get(key);
  cache.delete(key);
  if (hit && hit.stamp === stamp) {
    cache.set(key, hit);
    return hit.corpus;
  }
  const corpus = openTextCorpus(spec);
  cache.set(key, { stamp, corpus });
  while (cache.size > LIMIT) cache.delete(cache.keys().next().value!);
  return corpus;
}
