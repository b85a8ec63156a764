import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import { createInterface } from "node:readline";
import { engineDir, venvPython } from "../util/paths.js";
import { EngineError } from "./errors.js";
import { parseEventLine, type EngineEvent } from "./events.js";

/**
 * Starting a Python engine process, shared by the one-process JSON-lines worker (worker.ts) and torchrun
 * (launch.ts): the project's venv, the engine package on PYTHONPATH, unbuffered output, stdout read as
 * protocol events, and the last lines of stderr kept for error messages.
 */

const STDERR_TAIL_LINES = 40;

/** The Python that runs the engine (the project's venv unless given); a clear error when it is missing. */
export function enginePython(python: string = venvPython()): string {
  if (!existsSync(python)) {
    throw new EngineError(
      "python_not_found",
      `the engine's Python environment is missing (${python})`,
      "run `bash scripts/setup.sh` to create .venv, or set QUICKLEARN_PYTHON to a Python with engine/requirements.txt",
    );
  }
  return python;
}

export interface EngineProcess<C extends ChildProcess> {
  child: C;
  /** The last non-blank lines of stderr, for an error message ("" when there were none). */
  stderrSummary(): string;
}

export function spawnEngine(
  command: string,
  args: string[],
  opts: {
    env?: Record<string, string | undefined>;
    /** The worker reads requests on stdin; torchrun gets none. */
    stdin: "pipe" | "ignore";
    onEvent: (e: EngineEvent) => void;
    /** Every stderr line (torchrun's reading of rank errors). */
    onStderr?: (line: string) => void;
  },
): EngineProcess<ChildProcess> {
  const env = {
    ...process.env,
    PYTHONPATH: [engineDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: "1",
    ...opts.env,
  };
  const child = spawn(command, args, { env, stdio: [opts.stdin, "pipe", "pipe"] });
  const tail: string[] = [];
  createInterface({ input: child.stderr!, crlfDelay: Infinity }).on("line", (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    opts.onStderr?.(line);
    if (process.env.QUICKLEARN_ENGINE_VERBOSE) process.stderr.write(`[engine] ${line}\n`);
  });
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", (line) => {
    const event = parseEventLine(line);
    if (event) opts.onEvent(event);
  });
  return {
    child,
    stderrSummary: () => {
      const lines = tail.filter((l) => l.trim()).slice(-8);
      return lines.length ? `; last stderr lines:\n  ${lines.join("\n  ")}` : "";
    },
  };
}
