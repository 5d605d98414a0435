// Errors meant for the user: a stable code for programs and one or two sentences for people (what happened, why,
// what to do). Anything else that escapes a service is an internal error: its stack goes to the log, not the UI.

export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

const systemErrorSentences: Record<string, string> = {
  ENOSPC: 'The disk is full, so Cajal could not write the project file; free some space and try again — nothing already saved was lost.',
  EACCES: 'Cajal is not allowed to read or write that file; check its permissions.',
  EROFS: 'That location is read-only; choose a project file on a writable disk.',
  SQLITE_FULL: 'The disk is full, so Cajal could not write the project file; free some space and try again — nothing already saved was lost.',
  SQLITE_READONLY: 'The project file is read-only; open a writable copy.',
  SQLITE_BUSY: 'Another program is writing to this project file; close it there and try again.',
};

/** Turn any thrown value into the payload that crosses the API, or null when it is an internal error. */
export function toUserFacing(err: unknown): { code: string; message: string } | null {
  if (err instanceof UserError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') {
      // The lab's own errors are all UserErrors (above); a code here is the system's: only the known ones have words.
      if (code in systemErrorSentences) return { code, message: systemErrorSentences[code]! };
    }
  }
  return null;
}

export function describeError(err: unknown): { code: string; message: string } {
  return (
    toUserFacing(err) ?? {
      code: 'internal',
      message: `Something went wrong inside Cajal (${err instanceof Error ? err.message : String(err)}). The details are in the log.`,
    }
  );
}
