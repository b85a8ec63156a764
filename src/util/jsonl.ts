import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { UserError } from "./errors.js";

export interface JsonlLine {
  /** 1-based line number in the file. */
  line: number;
  value: unknown;
}

/**
 * Stream a JSON-lines file, one parsed object per non-blank line, memory independent of file size.
 * Raw U+2028/U+2029/U+0085 are legal inside JSON strings; readline only breaks on \n and \r,
 * which JSON strings cannot contain unescaped, so no record is ever split.
 */
export async function* readJsonl(path: string): AsyncGenerator<JsonlLine> {
  const stream = createReadStream(path, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
  try {
    await opened;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${path}: ${code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(e)})`}`,
    );
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new UserError(`${path}:${n}: invalid JSON: ${(e as Error).message}`);
    }
    yield { line: n, value };
  }
}

export function toJsonl(rows: Iterable<unknown>): string {
  let out = "";
  for (const r of rows) out += JSON.stringify(r) + "\n";
  return out;
}
