// Errors a user can act on, each with a stable `code` so the UI and CLI can react without parsing text: UserErrors.
import { UserError } from '../errors';

export type StimulusErrorCode =
  | 'INVALID_SPEC'
  | 'FOLDER_NOT_FOUND'
  | 'NO_IMAGES'
  | 'IMAGE_UNREADABLE'
  | 'OUT_OF_RANGE'
  | 'SHAPE_MISMATCH'
  | 'NOT_AN_IMAGE';

export class StimulusError extends UserError {
  constructor(
    override readonly code: StimulusErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = new.target.name;
  }
}

export class InvalidStimulusSpecError extends StimulusError {
  constructor(message: string) {
    super('INVALID_SPEC', message);
  }
}

export class FolderNotFoundError extends StimulusError {
  constructor(readonly path: string) {
    super('FOLDER_NOT_FOUND', `The folder ${path} does not exist or is not a folder.`);
  }
}

export class NoImagesError extends StimulusError {
  constructor(readonly path: string) {
    super('NO_IMAGES', `The folder ${path} contains no PNG or JPEG images.`);
  }
}

export class ImageUnreadableError extends StimulusError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('IMAGE_UNREADABLE', `The image ${file} could not be read: ${reason.replace(/[.\s]+$/, '')}.`);
  }
}

export class StimulusRangeError extends StimulusError {
  constructor(message: string) {
    super('OUT_OF_RANGE', message);
  }
}

export class StimulusShapeError extends StimulusError {
  constructor(message: string) {
    super('SHAPE_MISMATCH', message);
  }
}
