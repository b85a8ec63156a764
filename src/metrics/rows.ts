import { createReadStream } from "node:fs";
import { UserError } from "../util/errors.js";
import { describeUtf8Fault, findUtf8Fault } from "../util/utf8.js";
import type { PredictionRow } from "./report.js";

const HINT =
  'each line must be {"task": str, "id": str, "prediction": str, "references": [str, ...], "category"?: str}';

/**
 * Streams and validates a predictions JSONL file. Throws a UserError naming the line on bytes that are not
 * UTF-8 (unless `encoding` is latin1), invalid JSON, a missing or mistyped field, references that are not a
 * non-empty list of strings, or a repeated (task, id). Only the (task, id) keys are kept in memory.
 */
export async function* readPredictionRows(
  path: string,
  opts: { encoding?: PredictionsEncoding } = {},
): AsyncGenerator<PredictionRow & { line: number }> {
  const seen = new Map<string, Map<string, number>>(); // task -> id -> line
  for await (const { line, text } of readLines(path, opts.encoding ?? "utf8")) {
    const where = `${path}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new UserError(`${where}: invalid JSON: ${(e as Error).message}`, HINT);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UserError(`${where}: expected a JSON object`, HINT);
    }
    const record = value as Record<string, unknown>;
    for (const field of ["task", "id", "prediction"] as const) {
      if (!(field in record)) throw new UserError(`${where}: missing field "${field}"`, HINT);
      if (typeof record[field] !== "string")
        throw new UserError(`${where}: field "${field}" must be a string`, HINT);
    }
    if (!("references" in record)) throw new UserError(`${where}: missing field "references"`, HINT);
    const references = record.references;
    if (
      !Array.isArray(references) ||
      references.length === 0 ||
      !references.every((r) => typeof r === "string")
    ) {
      throw new UserError(`${where}: field "references" must be a non-empty list of strings`, HINT);
    }
    if (record.category !== undefined && typeof record.category !== "string") {
      throw new UserError(`${where}: field "category" must be a string when present`, HINT);
    }
    const task = record.task as string;
    const id = record.id as string;
    let ids = seen.get(task);
    if (ids === undefined) seen.set(task, (ids = new Map()));
    const first = ids.get(id);
    if (first !== undefined) {
      throw new UserError(
        `${where}: duplicate instance (task "${task}", id "${id}"), first seen on line ${first}`,
      );
    }
    ids.set(id, line);
    yield {
      line,
      task,
      id,
      prediction: record.prediction as string,
      references: references as string[],
      ...(record.category !== undefined ? { category: record.category as string } : {}),
    };
  }
}

/** How a predictions file is decoded: strict UTF-8, or ISO-8859-1 (every byte a character) when asked. */
export type PredictionsEncoding = "utf8" | "latin1";
export const PREDICTIONS_ENCODINGS: readonly PredictionsEncoding[] = ["utf8", "latin1"];

/**
 * Non-blank lines with their 1-based numbers, split on "\n" only (a trailing "\r" is dropped): raw
 * U+2028, U+2029 and U+0085 are legal inside JSON strings and must not end a line. Bytes are decoded a
 * block of whole lines at a time (faster than readline, which matters when scoring hundreds of thousands
 * of short rows), strictly: a byte that is not UTF-8 is an error naming its line, never a silent U+FFFD
 * that would change the scores.
 */
async function* readLines(
  path: string,
  encoding: PredictionsEncoding,
): AsyncGenerator<{ line: number; text: string }> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let pending: Buffer = Buffer.alloc(0);
  let line = 0;
  let offset = 0; // bytes of the file before `pending`
  const decode = (block: Buffer): string => {
    if (encoding === "latin1") return block.toString("latin1");
    try {
      return utf8.decode(block);
    } catch {
      const fault = findUtf8Fault(block)!;
      throw new UserError(
        `${path}:${line + fault.line}: not valid UTF-8: ${describeUtf8Fault({ ...fault, offset: offset + fault.offset })}`,
        "save the file as UTF-8, or pass --encoding latin1 if it is Latin-1 (ISO-8859-1)",
      );
    }
  };
  function* split(text: string, last: boolean) {
    let start = 0;
    let end: number;
    while ((end = text.indexOf("\n", start)) >= 0) {
      line++;
      const content = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      if (content.trim() !== "") yield { line, text: content };
      start = end + 1;
    }
    if (last && text.slice(start).trim() !== "") yield { line: line + 1, text: text.slice(start) };
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const bytes = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // "\n" never occurs inside a multi-byte UTF-8 sequence: cutting after the last one keeps them whole.
      const cut = bytes.lastIndexOf(0x0a) + 1;
      const text = decode(bytes.subarray(0, cut));
      offset += cut;
      pending = bytes.subarray(cut);
      yield* split(text, false);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new UserError(`${path}: ${code === "ENOENT" ? "file not found" : `cannot read (${code})`}`);
  }
  yield* split(decode(pending), true);
}

// ignoreBOM: a byte-order mark stays a character, as it was when files were read as one string.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
