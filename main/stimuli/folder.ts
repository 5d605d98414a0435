// Every PNG/JPEG under a folder, recursively, as a stimulus set.
//
// Order: relative paths ('/'-separated) sorted by UTF-16 code unit, not by locale, so the order is the
// same on every machine and in every language setting. Hidden files and folders (starting with '.') are
// skipped, which also keeps macOS '._name.jpg' resource forks from posing as corrupt images.
// Labels (optional): the sorted names of the folder's direct, non-hidden sub-folders are the classes, the
// same rule torchvision's ImageFolder uses, so a model trained that way gets matching label indices.
// Images directly in the folder then have label null.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeImage, type Raster } from './decode';
import { decodeImageNative, loadNativeDecoder } from './decode-native';
import { FolderNotFoundError, ImageUnreadableError, NoImagesError } from './errors';
import { fitImage, recipeItemShape, toRgbImage, writeTensor } from './preprocess';
import { checkBatch, checkIndex } from './range';
import { thumbnailPng } from './thumbnail';
import type { FolderSpec, RgbImage, StimulusItemMeta, StimulusSource } from './types';

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface FoundImage {
  relative: string;
  size: number;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listImages(root: string, relative: string, out: FoundImage[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch {
    // An unreadable sub-folder is skipped rather than failing the whole set; the root is checked by the caller.
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const full = join(root, rel);
    // Symbolic links are followed, so a folder of links to a dataset works.
    const info = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
    if (info === null) continue;
    if (info.isDirectory()) await listImages(root, rel, out);
    else if (info.isFile() && IMAGE_EXTENSION.test(entry.name)) out.push({ relative: rel, size: (await stat(full)).size });
  }
}

/** The sorted class names of a folder: its direct, non-hidden sub-folders. */
export async function listClassFolders(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const names: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(join(root, e.name))))) names.push(e.name);
  }
  return names.sort(byCodeUnit);
}

export async function openFolderSource(given: FolderSpec): Promise<StimulusSource> {
  const root = resolve(given.path);
  // Stored specs must not depend on the working directory of whoever opened them.
  const spec: FolderSpec = { ...given, path: root };
  if (!(await isDirectory(root))) throw new FolderNotFoundError(root);
  const found: FoundImage[] = [];
  await listImages(root, '', found);
  if (found.length === 0) throw new NoImagesError(root);
  found.sort((a, b) => byCodeUnit(a.relative, b.relative));

  const labelNames = spec.labelsFromSubfolders ? await listClassFolders(root) : null;
  const labels = found.map((f) => {
    if (labelNames === null) return null;
    const slash = f.relative.indexOf('/');
    return slash < 0 ? null : labelNames.indexOf(f.relative.slice(0, slash));
  });

  const hash = createHash('sha256');
  for (const f of found) hash.update(`${f.relative}\t${f.size}\n`);
  const recipe = spec.recipe;
  const itemShape = recipeItemShape(recipe);
  const itemSize = itemShape.reduce((a, b) => a * b, 1);

  async function read(index: number): Promise<{ file: string; bytes: Uint8Array }> {
    const file = join(root, found[index].relative);
    try {
      return { file, bytes: await readFile(file) };
    } catch (err) {
      throw new ImageUnreadableError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file no longer exists' : (err as Error).message);
    }
  }

  // #14: the spec names its decoder (image-decoder.ts); sets stored before decoder 2 keep decoder 1's pixels.
  const nativeDecoder = spec.decoder === 2;
  if (nativeDecoder) await loadNativeDecoder();
  async function decode(file: string, bytes: Uint8Array): Promise<Raster> {
    try {
      return nativeDecoder ? await decodeImageNative(bytes) : decodeImage(bytes);
    } catch (err) {
      throw new ImageUnreadableError(file, err instanceof Error ? err.message : String(err));
    }
  }

  async function load(index: number): Promise<Raster> {
    const { file, bytes } = await read(index);
    return await decode(file, bytes);
  }

  // Prepared items of this source by the SHA-256 of their file's bytes: a set that repeats a photo (copies, or
  // augmentations stored as duplicates) decodes and resizes it once, which is most of a photo's cost (#14: JPEG
  // decode dominated SqueezeNet's harvest). The same bytes through the same recipe give the same values, so a hit
  // is exact. Bounded (oldest dropped first), so memory stays flat on a large folder of distinct photos.
  const prepared = new Map<string, Float32Array>();
  const preparedMax = Math.max(1, Math.floor((64 << 20) / (4 * itemSize)));
  async function prepare(index: number, out: Float32Array, offset: number): Promise<void> {
    const { file, bytes } = await read(index);
    const key = createHash('sha256').update(bytes).digest('hex');
    const hit = prepared.get(key);
    if (hit) {
      out.set(hit, offset);
      return;
    }
    writeTensor(fitImage(await decode(file, bytes), recipe), recipe, out, offset);
    if (prepared.size >= preparedMax) prepared.delete(prepared.keys().next().value!);
    prepared.set(key, out.slice(offset, offset + itemSize));
  }

  const source: StimulusSource = {
    spec,
    count: found.length,
    itemShape,
    labelNames,
    fingerprint: `folder/${found.length}/${hash.digest('hex')}`,
    meta(index: number): StimulusItemMeta {
      checkIndex(index, found.length);
      return { index, label: labels[index], name: found[index].relative };
    },
    async batch(start: number, count: number, into?: Float32Array): Promise<Float32Array> {
      checkBatch(start, count, found.length);
      const out = into && into.length >= count * itemSize ? into.subarray(0, count * itemSize) : new Float32Array(count * itemSize);
      for (let i = 0; i < count; i++) await prepare(start + i, out, i * itemSize);
      return out;
    },
    async image(index: number): Promise<RgbImage> {
      checkIndex(index, found.length);
      return toRgbImage(fitImage(await load(index), recipe));
    },
    async thumbnail(index: number, maxSide?: number): Promise<Uint8Array> {
      return thumbnailPng(await source.image(index), maxSide);
    },
  };
  return source;
}
