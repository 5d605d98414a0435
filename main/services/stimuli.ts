// Stimulus sets of a project (split out of the Lab façade): creating one from a spec (the same spec twice is the
// same set), listing them, and their thumbnails, drawn on first request and kept in the project so reports work
// after the source folder moves. The Lab tells the UI.
import { basename } from 'node:path';
import type { Params, StimulusSetInfo } from '../api/contract';
import { UserError } from '../errors';
import { thumbnailsOffThread } from '../jobs/service';
import { resolveImageDecoder } from '../stimuli/image-decoder';
import { resolveNoiseGenerator } from '../stimuli/noise-generator';
import { openStimulusSource } from '../stimuli/open';
import type { StimulusSpec } from '../stimuli/types';
import type { Db } from '../store/project';
import * as repo from '../store/repo';

/** Creates a stimulus set, or finds the one with the same spec; `added` says whether a new row was written. */
export async function createStimulusSet(db: Db, p: Params<'stimuli.create'>): Promise<{ set: StimulusSetInfo; added: boolean }> {
  // room: stimuli (#14) — gaussian and pink noise get generator 2 unless the project holds the same set made with generator 1
  // room: stimuli (#14) — a folder set gets image decoder 2 unless the project holds the same set made with decoder 1
  const stored = (v1: StimulusSpec) => repo.findStimulusSet(db, v1 as never) !== null;
  const spec = p.spec.kind === 'folder' ? resolveImageDecoder(p.spec, stored) : resolveNoiseGenerator(p.spec, stored);
  const source = await openStimulusSource(spec);
  const existing = repo.findStimulusSet(db, source.spec as never);
  if (existing) return { set: repo.getStimulusSet(db, existing), added: false };
  const items = Array.from({ length: source.count }, (_, i) => {
    const m = source.meta(i);
    return { label: m.label, name: m.name, thumbnail: null };
  });
  const name = p.name ?? defaultSetName(spec, source.count);
  const id = repo.insertStimulusSet(
    db,
    { name, spec: source.spec as never, count: source.count, itemShape: source.itemShape, labelNames: source.labelNames },
    items,
  );
  return { set: repo.getStimulusSet(db, id), added: true };
}

export function listStimulusSets(db: Db): StimulusSetInfo[] {
  return repo.listStimulusSets(db);
}

/** Thumbnails are made on first request and kept in the project, so reports work after the source folder moves. */
export async function thumbnails(db: Db, setId: number, indices: number[]): Promise<{ index: number; label: number | null; thumbnail: string }[]> {
  const set = repo.getStimulusSet(db, setId);
  const bad = indices.find((i) => i >= set.count);
  if (bad !== undefined) throw new UserError('stimuli.range', `Stimulus set ${setId} has ${set.count} items; there is no item ${bad}.`);
  const stored = repo.stimulusItems(db, setId, indices);
  const missing = indices.filter((i) => !stored.get(i)?.thumbnail);
  if (missing.length) {
    // Drawn in the service worker (loading the digits or decoding photos is slow); stored here, where the
    // project's writes happen.
    const pngs = await thumbnailsOffThread(set.spec, missing);
    const drawn = new Map(missing.map((i, k) => [i, Buffer.from(pngs[k]!)]));
    repo.saveThumbnails(db, setId, drawn);
    for (const [i, png] of drawn) {
      const item = stored.get(i);
      if (item) item.thumbnail = png;
    }
  }
  return indices.map((i) => ({
    index: i,
    label: stored.get(i)?.label ?? null,
    thumbnail: `data:image/png;base64,${stored.get(i)?.thumbnail?.toString('base64') ?? ''}`,
  }));
}

function defaultSetName(spec: StimulusSpec, count: number): string {
  switch (spec.kind) {
    case 'mnist':
      return `MNIST ×${count}`;
    case 'folder':
      return `${basename(spec.path)} ×${count}`;
    case 'noise':
      return `${spec.distribution} noise ×${count}`;
    case 'text': // room: text (#13)
      return `${basename(spec.path)} ×${count} contexts`;
  }
}
