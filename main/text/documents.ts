// Reads the documents of a text stimulus set: one text file, a folder of them (every regular file, recursively, in
// sorted order so the list is stable), or JSONL with the text in a named field. A file that is not UTF-8 text (a NUL
// byte or an invalid UTF-8 sequence) is refused by name rather than tokenised as noise.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { TextInputError } from './errors';
import type { TextDocument } from './types';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isJsonlPath(path: string): boolean {
  return /\.jsonl$/i.test(path);
}

function decodeText(bytes: Uint8Array, name: string): string {
  if (bytes.includes(0)) throw new TextInputError('binary', `${name} is a binary file (it holds NUL bytes), not text; remove it from the text stimuli.`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TextInputError('binary', `${name} is not UTF-8 text (it holds an invalid UTF-8 sequence); convert it to UTF-8 or remove it.`);
  }
}

/** Every line of a JSONL file is one document, its text in `field`; blank lines are skipped. */
export function readJsonl(text: string, name: string, field: string | undefined): TextDocument[] {
  if (field === undefined || field === '') {
    throw new TextInputError('jsonl-field', `${name} is JSONL, so name the field that holds the text (text:PATH?field=NAME).`);
  }
  const docs: TextDocument[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new TextInputError('jsonl-line', `Line ${i + 1} of ${name} is not JSON.`);
    }
    const doc = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[field] : undefined;
    if (typeof doc !== 'string') {
      throw new TextInputError('jsonl-field', `Line ${i + 1} of ${name} has no text field "${field}".`);
    }
    docs.push({ name: `${name}:${i + 1}`, text: doc });
  }
  return docs;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      const st = statSync(full, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(full);
      else if (st?.isFile()) out.push(full);
    }
  };
  walk(root);
  return out;
}

function readFile(full: string, name: string, field: string | undefined): TextDocument[] {
  const text = decodeText(readFileSync(full), name);
  return isJsonlPath(full) ? readJsonl(text, name, field) : [{ name, text }];
}

/** The documents at `path`, in a stable order; throws TextInputError on anything that is not text. */
export function readDocuments(path: string, field?: string): TextDocument[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new TextInputError('not-found', `The text path ${path} does not exist.`);
  let docs: TextDocument[];
  if (st.isDirectory()) {
    docs = listFiles(path).flatMap((full) => readFile(full, relative(path, full), field));
  } else {
    docs = readFile(path, basename(path), field);
  }
  docs = docs.filter((d) => d.text.length > 0);
  if (docs.length === 0) throw new TextInputError('empty', `${path} holds no text.`);
  return docs;
}
