// The text room's refusals: each one sentence a user can act on, thrown before anything is written.
import { UserError } from '../errors';

export class TextInputError extends UserError {
  constructor(code: string, message: string) {
    super(`text.${code}`, message);
    this.name = 'TextInputError';
  }
}
