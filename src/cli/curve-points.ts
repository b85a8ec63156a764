/** Reads `quicklearn curve --points FILE.csv`: columns budget, score and optionally weight, a row a point. */
import { readFile } from "node:fs/promises";
import { CsvError, parse } from "csv-parse/sync";
import type { CurvePoint } from "../analysis/curves/index.js";
import { UserError } from "../util/errors.js";

const REQUIRED = ["budget", "score"] as const;
const COLUMNS = new Set<string>([...REQUIRED, "weight"]);
const HINT = "the file needs a header line budget,score (and optionally weight), then one point a line";

export async function readCurvePoints(file: string): Promise<CurvePoint[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: cannot read the points file (${code === "ENOENT" ? "no such file" : code})`,
    );
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (e) {
    if (e instanceof CsvError) throw new UserError(`${file} line ${e.lines}: ${e.message}`, HINT);
    throw e;
  }
  if (records.length === 0) throw new UserError(`${file}: empty file`, HINT);
  const header = records[0]!.record.map((h) => h.toLowerCase());
  const missing = REQUIRED.find((c) => !header.includes(c));
  if (missing !== undefined)
    throw new UserError(`${file} line 1: missing column "${missing}" (columns: ${header.join(", ")})`, HINT);
  // A misspelt "weight" would otherwise be dropped silently and the fit run unweighted.
  const unknown = header.find((h) => !COLUMNS.has(h));
  if (unknown !== undefined)
    throw new UserError(`${file} line 1: unknown column "${unknown}" (expected budget, score, weight)`, HINT);
  if (records.length === 1) throw new UserError(`${file}: no points after the header line`, HINT);
  const index = (name: string) => header.indexOf(name);
  return records.slice(1).map(({ record, info }) => {
    const field = (name: string, positive: boolean): number | undefined => {
      const i = index(name);
      if (i < 0) return undefined;
      const text = record[i]!;
      const n = Number(text);
      if (text === "" || !Number.isFinite(n))
        throw new UserError(`${file} line ${info.lines}, field ${name}: "${text}" is not a number`);
      if (positive && !(n > 0))
        throw new UserError(`${file} line ${info.lines}, field ${name}: ${text} must be greater than 0`);
      return n;
    };
    const weight = field("weight", true);
    return {
      budget: field("budget", true)!,
      score: field("score", false)!,
      ...(weight === undefined ? {} : { weight }),
    };
  });
}
