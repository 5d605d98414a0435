// Errors this folder throws for things a user did or chose (a bad file, a wrong tensor name). Each carries a
// stable dotted `code` and a one-sentence message that names the file or tensor, ready to show as is: UserErrors.
import { UserError } from '../errors';

export class ModelFormatError extends UserError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ModelFormatError';
  }
}

export class UnknownTensorError extends UserError {
  constructor(
    readonly tensor: string,
    readonly model: string,
    readonly suggestions: readonly string[],
  ) {
    super(
      'model.unknown-tensor',
      `Tensor "${tensor}" does not exist in model ${model}` +
        (suggestions.length ? `; did you mean ${joinOr(suggestions.map((s) => `"${s}"`))}?` : '.'),
    );
    this.name = 'UnknownTensorError';
  }
}

/** A tensor that exists but cannot play the role asked of it (e.g. tapping a weight). */
export class TensorRoleError extends UserError {
  constructor(
    code: string,
    readonly tensor: string,
    message: string,
  ) {
    super(code, message);
    this.name = 'TensorRoleError';
  }
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
