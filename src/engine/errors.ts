import { UserError } from "../util/errors.js";

/** Error codes the engine reports (docs/engine.md). The first group is the user's to fix. */
export const USER_ERROR_CODES = [
  "bad_spec",
  "bad_request",
  "model_not_found",
  "unknown_architecture",
  "cuda_unavailable",
  "data_error",
  "python_not_found",
  "bad_output",
] as const;

export type EngineErrorCode =
  | (typeof USER_ERROR_CODES)[number]
  | "out_of_memory"
  | "interrupted"
  | "timeout"
  | "worker_exited"
  | "worker_start_failed"
  | "internal"
  | (string & {});

/**
 * A failed engine request. It is a UserError so that the CLI prints it as one line; `userFault` says
 * whether the spec or the machine is to blame (bad field, missing model, no GPU) or the engine is.
 */
export class EngineError extends UserError {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    hint?: string,
    /** The Python traceback of an internal error, for logs. */
    readonly traceback?: string,
  ) {
    super(message, hint, (USER_ERROR_CODES as readonly string[]).includes(code) ? 2 : 1);
    this.name = "EngineError";
  }

  get userFault(): boolean {
    return (USER_ERROR_CODES as readonly string[]).includes(this.code);
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}
