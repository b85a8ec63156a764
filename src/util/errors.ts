/**
 * A mistake the user can fix: bad input, a missing file, a wrong flag.
 * The CLI prints these as one clear message (no stack trace) and exits non-zero.
 * Anything else that escapes is a bug in quicklearn and is printed with its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** How to fix it, printed on its own line after the message. */
    readonly hint?: string,
    /** Process exit code. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
