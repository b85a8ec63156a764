import { spawn } from "node:child_process";
import { venvPython } from "../../src/util/paths.js";

/**
 * The stdout of the project's Python on `args` (stdin from `input`), asynchronously: a reference computation
 * can take a minute on a loaded machine, and a synchronous child would block the test worker's event loop
 * long enough for the test runner's own RPC to time out.
 */
export function runPython(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython(), args, { env: opts.env ?? process.env });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`python ${args[0]} exited with ${code}: ${err}`)),
    );
    child.stdin.end(opts.input ?? "");
  });
}
