import { openFolderSource } from './folder';
import { openMnistSource } from './mnist';
import { openNoiseSource } from './noise';
import { openTextSource } from './text';
import { validateStimulusSpec } from './schema';
import type { StimulusSource } from './types';

/**
 * Opens a stimulus set from a spec, typically one read back from the database, so the spec is validated
 * first (InvalidStimulusSpecError). Folder problems throw FolderNotFoundError / NoImagesError here;
 * unreadable images throw ImageUnreadableError when their batch is read.
 */
export async function openStimulusSource(value: unknown): Promise<StimulusSource> {
  const spec = validateStimulusSpec(value);
  switch (spec.kind) {
    case 'mnist':
      return openMnistSource(spec);
    case 'folder':
      return openFolderSource(spec);
    case 'noise':
      return openNoiseSource(spec);
    case 'text':
      return openTextSource(spec);
  }
}
