import { createReadStream } from "node:fs";
import { UserError } from "../util/errors.js";
import type { PredictionRow } from "./report.js";

const HINT =
  'each line must be {"task": str, "id": str, "prediction": str, "references": [str, ...], "category"?: str}';

/**
 * Streams and validates a predictions JSONL file. Throws a UserError naming the line on invalid JSON,
 * a missing or mistyped field, references that are not a non-empty list of strings, or a repeated
 * (task, id). Only the (task, id) keys are kept in memory.
 */
export async function* readPredictionRows(path: string): AsyncGenerator<PredictionRow & { line: number }> {
  const seen = new Map<string, Map<string, number>>(); // task -> id -> line
  for await (const { line, text } of readLines(path)) {
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

/**
 * Non-blank lines with their 1-based numbers, split on "\n" only (a trailing "\r" is dropped): raw
 * U+2028, U+2029 and U+0085 are legal inside JSON strings and must not end a line. Faster than readline,
 * which matters when scoring hundreds of thousands of short rows.
 */
async function* readLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  let pending = "";
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = pending + chunk;
      let start = 0;
      let end: number;
      while ((end = text.indexOf("\n", start)) >= 0) {
        line++;
        const content = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
        if (content.trim() !== "") yield { line, text: content };
        start = end + 1;
      }
      pending = text.slice(start);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new UserError(`${path}: ${code === "ENOENT" ? "file not found" : `cannot read (${code})`}`);
  }
  if (pending.trim() !== "") yield { line: line + 1, text: pending };
}
