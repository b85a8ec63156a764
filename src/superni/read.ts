import { readFile, stat } from "node:fs/promises";
import { UserError } from "../util/errors.js";
import { sha256 } from "../util/hash.js";
import { describeUtf8Fault, findUtf8Fault } from "../util/utf8.js";
import { validateTask, type Task } from "./task.js";

/**
 * Task files are parsed whole, one at a time. V8 cannot hold a string longer than 2^29 - 24 UTF-16 units
 * (~512 Mi), so a bigger file cannot go through JSON.parse; the largest SuperNI task files are far below
 * that, and a file over this limit gets a clear error instead of an out-of-memory crash.
 */
export const MAX_TASK_FILE_BYTES = 500 * 1024 * 1024;

export interface LoadedTaskFile {
  task: Task;
  /** sha256 of the file's bytes: identifies the input of a data build. */
  sha256: string;
  bytes: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

// The importer (import/) reads its files with the same scan.
export { firstInvalidUtf8 } from "../util/utf8.js";

/** Read, decode (strict UTF-8), parse and validate one task file. Every failure is a one-line UserError. */
export async function readTaskFile(path: string): Promise<LoadedTaskFile> {
  const size = await fileSize(path);
  if (size > MAX_TASK_FILE_BYTES) {
    throw new UserError(
      `${path}: task file is ${(size / 2 ** 20).toFixed(0)} MiB, over the ${MAX_TASK_FILE_BYTES / 2 ** 20} MiB quicklearn can parse`,
      "split the task's Instances over several task files, or drop instances quicklearn will not use",
    );
  }
  const bytes = await readFile(path);
  const text = decodeUtf8(bytes, path);
  const raw = parseJson(text, path);
  return { task: validateTask(raw, path), sha256: sha256(bytes), bytes: bytes.length };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${path}: file not found`);
    throw new UserError(`${path}: cannot read (${code ?? String(e)})`);
  }
}

function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const fault = findUtf8Fault(bytes);
    throw new UserError(
      `${path}${fault ? `:${fault.line}` : ""}: not valid UTF-8${fault ? `: ${describeUtf8Fault(fault)}` : ""}`,
      "task files must be UTF-8 encoded (e.g. `iconv -f latin1 -t utf-8 in.json > out.json`)",
    );
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = jsonErrorPosition(message, text);
    const where = pos === undefined ? "" : ` at line ${lineCol(text, pos)}`;
    // V8 appends a quoted excerpt of the text to some messages; keep the error on one line without it.
    const reason = message.split(/ in JSON at position|, "|, \.\.\."/)[0]!.replace(/\s+/g, " ");
    throw new UserError(`${path}: invalid JSON${where}: ${reason}`);
  }
}

// V8 (Node 20) gives "... in JSON at position N" for most errors, but for an unexpected token it quotes
// the text around it instead: the whole text when short, else up to 10 characters either side, with "..."
// marking a cut. The offset is recovered from that excerpt (first occurrence when it repeats).
const CONTEXT = 10;

export function jsonErrorPosition(message: string, text: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/end of JSON input/.test(message)) return text.length;
  const m = /^Unexpected token '(.+?)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [token, cutBefore, excerpt, cutAfter] = [m[1]!, m[2], m[3]!, m[4]];
  if (cutBefore) {
    const start = text.indexOf(excerpt);
    return start === -1 ? undefined : start + CONTEXT;
  }
  if (cutAfter) return Math.max(0, excerpt.length - CONTEXT);
  const i = text.indexOf(token);
  return i === -1 ? undefined : i;
}

/** "line:column", both 1-based, for a 0-based character offset. */
function lineCol(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < pos; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${pos - lineStart + 1} (offset ${pos})`;
}
