// The corpus recipe of the lab's own language model (#13 item 3): a mix, built offline from what a Debian machine
// with the repo installed holds, of the four kinds of text the Towards Monosemanticity features were found on —
// English prose (Debian's `fortunes` package), HTML (the HTML manuals under /usr/share/doc), source code (JavaScript
// from the repo's node_modules and Python from Debian's dist-packages) and generated base64. Everything is a pure
// function of the file listing and a seed: sources are listed in sorted order, sampled by a hash of their path, cut
// to byte budgets, and each document goes to the held-out split when a hash of its category and name says so.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Rng } from '../util/random';

export type LmCategory = 'prose' | 'html' | 'code' | 'base64';

export interface LmDocument {
  category: LmCategory;
  /** Where it came from (a path, a path and fortune index, or a generated name). */
  name: string;
  bytes: Uint8Array;
}

export interface CorpusRecipe {
  seed: number;
  fortunesDir: string;
  htmlDir: string;
  /** Folders searched for .js / .py sources. */
  codeDirs: string[];
  /** Byte budget per category. */
  budgets: Record<LmCategory, number>;
  /** One document in `heldOutEvery` goes to the held-out split (by a hash of its name). */
  heldOutEvery: number;
  /** Longest slice of one file kept (bytes). */
  maxFileBytes: number;
}

export function defaultRecipe(repoRoot: string): CorpusRecipe {
  return {
    seed: 13,
    fortunesDir: '/usr/share/games/fortunes',
    htmlDir: '/usr/share/doc',
    codeDirs: [join(repoRoot, 'node_modules'), '/usr/lib/python3/dist-packages'],
    budgets: { prose: 2_400_000, html: 1_500_000, code: 2_000_000, base64: 500_000 },
    heldOutEvery: 20,
    maxFileBytes: 16_384,
  };
}

/** FNV-1a of a string: the deterministic hash that samples files and picks held-out documents. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Regular files under `dir` (recursively, symlinks skipped) whose name passes `keep`, in sorted order. */
function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out);
    else if (e.isFile() && keep(p)) out.push(p);
  }
  return out;
}

/** Takes documents in order until the budget is spent (the last one cut to fit). */
function capped(docs: Iterable<LmDocument>, budget: number): LmDocument[] {
  const out: LmDocument[] = [];
  let used = 0;
  for (const d of docs) {
    if (used >= budget) break;
    const bytes = d.bytes.subarray(0, budget - used);
    out.push({ ...d, bytes });
    used += bytes.length;
  }
  return out;
}

function* fortunes(dir: string): Generator<LmDocument> {
  const files = walk(dir, (p) => !/\.(dat|u8)$/.test(p));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const parts = text.split(/\n%\n/);
    for (let i = 0; i < parts.length; i++) {
      const body = parts[i]!.trim();
      if (body.length > 0) yield { category: 'prose', name: `${relative(dir, file)}#${i}`, bytes: Buffer.from(`${body}\n\n`) };
    }
  }
}

function* sampledFiles(dirs: string[], pattern: RegExp, category: LmCategory, every: number, maxBytes: number): Generator<LmDocument> {
  for (const dir of dirs) {
    for (const file of walk(dir, (p) => pattern.test(p) && !/\.min\.js$/.test(p))) {
      // Names relative to their root, so the sample and the split do not depend on where the inputs live.
      const rel = relative(dir, file);
      if (fnv1a(rel) % every !== 0) continue;
      const size = statSync(file).size;
      if (size < 512) continue;
      const bytes = readFileSync(file).subarray(0, maxBytes);
      if (bytes.includes(0)) continue; // not text
      // Files are cut into pieces so that the held-out split samples every category, not a few whole files.
      for (let at = 0; at < bytes.length; at += PIECE) yield { category, name: `${rel}@${at}`, bytes: bytes.subarray(at, at + PIECE) };
    }
  }
}

/** Bytes per document cut from a file. */
const PIECE = 4096;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of random bytes, wrapped at 76 columns as MIME does. */
function* base64Docs(seed: number): Generator<LmDocument> {
  for (let i = 0; ; i++) {
    const rng = Rng.stream(seed, 0xb64, i);
    const raw = Buffer.alloc(rng.int(150, 2400));
    for (let j = 0; j < raw.length; j++) raw[j] = rng.int(0, 256);
    const text = raw.toString('base64');
    if ([...text.slice(0, -2)].some((c) => !B64.includes(c))) throw new Error('base64 alphabet');
    const lines = text.match(/.{1,76}/g)!.join('\n');
    yield { category: 'base64', name: `base64#${i}`, bytes: Buffer.from(`${lines}\n\n`) };
  }
}

export function collectDocuments(r: CorpusRecipe): LmDocument[] {
  return [
    ...capped(fortunes(r.fortunesDir), r.budgets.prose),
    ...capped(sampledFiles([r.htmlDir], /\.html?$/, 'html', 1, r.maxFileBytes), r.budgets.html),
    ...capped(sampledFiles(r.codeDirs, /\.(js|mjs|cjs|py)$/, 'code', 48, r.maxFileBytes), r.budgets.code),
    ...capped(base64Docs(r.seed), r.budgets.base64),
  ];
}

export interface CorpusSplit {
  train: Uint8Array;
  heldOut: Uint8Array;
  /** Bytes per category in each split. */
  counts: Record<'train' | 'heldOut', Record<LmCategory, number>>;
}

/** Held-out by a hash of each document's name, then both splits shuffled at document level and concatenated. */
export function splitCorpus(docs: readonly LmDocument[], r: CorpusRecipe): CorpusSplit {
  const zero = (): Record<LmCategory, number> => ({ prose: 0, html: 0, code: 0, base64: 0 });
  const counts = { train: zero(), heldOut: zero() };
  const parts: Record<'train' | 'heldOut', LmDocument[]> = { train: [], heldOut: [] };
  for (const d of docs) {
    const side = fnv1a(`${d.category}:${d.name}`) % r.heldOutEvery === 0 ? 'heldOut' : 'train';
    parts[side].push(d);
    counts[side][d.category] += d.bytes.length;
  }
  const join_ = (list: LmDocument[], key: number) => {
    const perm = Rng.stream(r.seed, 0x5917, key).permutation(list.length);
    return Buffer.concat(Array.from(perm, (i) => list[i]!.bytes));
  };
  return { train: join_(parts.train, 0), heldOut: join_(parts.heldOut, 1), counts };
}

/** Byte counts (256) of a text: the unigram model the trained transformer is compared against. */
export function byteCounts(bytes: Uint8Array): number[] {
  const c = new Array<number>(256).fill(0);
  for (const b of bytes) c[b]!++;
  return c;
}

/** Bits per byte of `bytes` under a unigram model of `counts` with add-one smoothing. */
export function unigramBitsPerByte(counts: readonly number[], bytes: Uint8Array): number {
  const total = counts.reduce((a, b) => a + b, 0) + 256;
  let bits = 0;
  for (const b of bytes) bits -= Math.log2((counts[b]! + 1) / total);
  return bits / bytes.length;
}
