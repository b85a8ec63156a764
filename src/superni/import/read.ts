import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { UserError } from "../../util/errors.js";
import { MAX_TASK_FILE_BYTES } from "../read.js";
import { emptyFile, parseDelimited } from "./delimited.js";
import { parseJsonArray, parseJsonl } from "./json.js";
import { parseParquet } from "./parquet.js";
import { IMPORT_FORMATS, type ImportFormat, type SourceTable } from "./table.js";
import { decodeUtf8File } from "./text.js";

const BY_EXTENSION: Record<string, ImportFormat> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".parquet": "parquet",
  ".pq": "parquet",
};

/** The format given, or the one the file's extension names. */
export function formatOf(file: string, given?: ImportFormat): ImportFormat {
  const format = given ?? extensionFormat(file);
  if (format === undefined)
    throw new UserError(
      `${file}: cannot tell the format from the file name`,
      `pass --format (${IMPORT_FORMATS.join(", ")})`,
    );
  return format;
}

/** The format a file's extension names, if any. */
export function extensionFormat(file: string): ImportFormat | undefined {
  return BY_EXTENSION[extname(file).toLowerCase()];
}

/** Read a whole data file as a table of rows; every failure is a one-line UserError naming the file. */
export async function readTable(file: string, format: ImportFormat): Promise<SourceTable> {
  const bytes = await readBytes(file);
  if (bytes.length === 0) throw emptyFile(file);
  if (format === "parquet") return parseParquet(bytes, file);
  const text = decodeUtf8File(bytes, file);
  if (text.trim() === "") throw emptyFile(file);
  if (format === "jsonl") return parseJsonl(text, file);
  if (format === "json") return parseJsonArray(text, file);
  return parseDelimited(text, file, format);
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new UserError(`${file}: is a folder, not a data file`);
    if (info.size > MAX_TASK_FILE_BYTES) throw tooLarge(file, info.size);
    return await readFile(file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: ${code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(e)})`}`,
    );
  }
}

/** The task file must stay readable by the task loader, which parses files up to MAX_TASK_FILE_BYTES. */
export function tooLarge(file: string, bytes: number): UserError {
  return new UserError(
    `${file}: ${(bytes / 2 ** 20).toFixed(0)} MiB, over the ${MAX_TASK_FILE_BYTES / 2 ** 20} MiB a task file can hold`,
    "import the rows in parts, as several tasks (--name task1_part1, ...), or drop rows you will not use",
  );
}
